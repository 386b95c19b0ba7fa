-- grain: one row per municipality, year, area and measure group with users (reported or summed);
-- source: stg_collection__users, ref_measure_groups
-- materialized: table (every read of the benchmark marts joins it; no price base year changes it)
-- users_rule 'reported': as reported (unique persons); 'sum': sum of user_components, only when all are
-- reported; 'split' (§ 85 housing-like / own home): as reported, and split_complete says whether both
-- halves were reported (alternative unit costs need both, or the split cannot be trusted).
with users as (
    select * from stg_collection__users
),

groups as (
    select * from ref_measure_groups
),

parts as (
    select area, measure_group, users_rule, unnest(string_split(user_components, '|')) as component
    from groups
    where users_rule in ('sum', 'split')
),

part_counts as (
    select
        users.municipality_code,
        users.year,
        parts.area,
        parts.measure_group,
        parts.users_rule,
        sum(users.users) as users,
        count(*) as n_reported,
        (select count(*) from parts as p where p.area = parts.area and p.measure_group = parts.measure_group) as n_expected,
    from parts
    inner join users on users.area = parts.area and users.measure_group = parts.component
    group by all
),

reported as (
    select
        users.municipality_code,
        users.year,
        users.area,
        users.measure_group,
        users.users,
        coalesce(part_counts.n_reported = part_counts.n_expected, true) as split_complete,
    from users
    inner join groups on groups.area = users.area and groups.measure_group = users.measure_group
    left join part_counts
        on part_counts.municipality_code = users.municipality_code and part_counts.year = users.year
        and part_counts.area = users.area and part_counts.measure_group = users.measure_group
    where groups.users_rule in ('reported', 'split')
),

summed as (
    select municipality_code, year, area, measure_group, users, true as split_complete
    from part_counts
    where users_rule = 'sum' and n_reported = n_expected
),

final as (
    select * from reported
    union all
    select * from summed
)

select * from final
