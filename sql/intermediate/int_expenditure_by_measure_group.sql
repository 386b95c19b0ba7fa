-- grain: one row per municipality, year, area and measure group (base, § 85 user groups and aggregates);
-- source: stg_finance__expenditure mapped by ref_account_functions, aggregated by ref_measure_groups
-- materialized: table (every read of the benchmark marts sums it; it holds current prices only, so no price base year changes it)
-- Accounts mapped to no measure group (5.32.32 group 001, home help for the elderly) are left out here. A function the
-- mapping splits by account group matches by group; its row without a group matches only accounts without groups (as
-- Statistics Denmark's REGK31 has them: 5.32.33 is then § 85 in total, 5.32.32 cannot be used).
with expenditure as (
    select * from stg_finance__expenditure
),

functions as (
    select * from ref_account_functions
),

grouped_functions as (
    select distinct function from ref_account_functions where account_group <> ''
),

mapped as (
    select
        expenditure.municipality_code,
        expenditure.year,
        functions.area,
        functions.measure_group,
        nullif(functions.user_group, '') as user_group,
        expenditure.amount_kr,
    from expenditure
    inner join functions
        on expenditure.function = functions.function
        and (
            functions.account_group = expenditure.account_group
            or (
                functions.account_group = ''
                and (expenditure.account_group = '' or expenditure.function not in (select function from grouped_functions))
            )
        )
    where functions.measure_group <> ''
),

base as (
    select municipality_code, year, area, measure_group, sum(amount_kr) as expenditure_kr
    from mapped
    group by all
),

user_groups as (
    select municipality_code, year, area, user_group as measure_group, sum(amount_kr) as expenditure_kr
    from mapped
    where user_group is not null and user_group <> measure_group
    group by all
),

levels as (
    select * from base
    union all
    select * from user_groups
),

components as (
    select area, measure_group, unnest(string_split(components, '|')) as component
    from ref_measure_groups
    where kind = 'aggregate'
),

aggregates as (
    select levels.municipality_code, levels.year, components.area, components.measure_group, sum(levels.expenditure_kr) as expenditure_kr
    from components
    inner join levels on levels.area = components.area and levels.measure_group = components.component
    group by all
),

final as (
    select * from levels
    union all
    select * from aggregates
)

select * from final
