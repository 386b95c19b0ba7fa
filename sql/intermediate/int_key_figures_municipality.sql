-- grain: one row per municipality, year, area and measure group; source: int_expenditure_by_measure_group,
-- int_users_by_measure_group, int_population_by_age_group, stg_kl__price_index, ref_measure_groups
-- Key figures: expenditure per potential user (children: per 0-22, adults: per 18-64), users per 10,000
-- (children: 0-17, adults: 18-64) and unit cost (expenditure per user), in current prices and in fixed
-- prices of the year set by `set variable price_base_year = YYYY` (default: the latest year).
with expenditure as (
    select * from int_expenditure_by_measure_group
),

users as (
    select * from int_users_by_measure_group
),

population as (
    select
        municipality_code,
        year,
        sum(inhabitants) filter (where age_group = '0_17') as "0_17",
        sum(inhabitants) filter (where age_group = '0_22') as "0_22",
        sum(inhabitants) filter (where age_group = '18_64') as "18_64",
    from int_population_by_age_group
    group by all
),

prices as (
    select * from stg_kl__price_index
),

base_year as (
    select coalesce(getvariable('price_base_year'), (select max(year) from prices)) as year
),

factors as (
    select year, (select price_index from prices where year = (select year from base_year)) / price_index as price_factor
    from prices
),

grid as (
    select municipalities.*, years.year, groups.area, groups.measure_group, groups.kind, groups.sort_order, groups.label_da
    from ref_municipalities as municipalities
    cross join (select distinct year from expenditure) as years
    cross join ref_measure_groups as groups
),

joined as (
    select
        grid.municipality_code,
        grid.municipality_name,
        grid.region_code,
        grid.region_name,
        grid.year,
        grid.area,
        grid.measure_group,
        grid.kind,
        grid.sort_order,
        grid.label_da,
        coalesce(expenditure.expenditure_kr, 0) as expenditure_kr,
        factors.price_factor,
        coalesce(expenditure.expenditure_kr, 0) * factors.price_factor as expenditure_kr_fixed,
        (select year from base_year) as price_base_year,
        case grid.area when 'children' then population."0_22" else population."18_64" end as potential_users,
        case grid.area when 'children' then population."0_17" else population."18_64" end as user_population,
        users.users,
        coalesce(users.split_complete, false) as split_complete,
    from grid
    left join expenditure
        on expenditure.municipality_code = grid.municipality_code and expenditure.year = grid.year
        and expenditure.area = grid.area and expenditure.measure_group = grid.measure_group
    left join users
        on users.municipality_code = grid.municipality_code and users.year = grid.year
        and users.area = grid.area and users.measure_group = grid.measure_group
    left join population on population.municipality_code = grid.municipality_code and population.year = grid.year
    left join factors on factors.year = grid.year
),

final as (
    select
        *,
        expenditure_kr / potential_users as expenditure_per_inhabitant,
        expenditure_kr_fixed / potential_users as expenditure_per_inhabitant_fixed,
        users * 10000.0 / user_population as users_per_10000,
        case when users > 0 and split_complete then expenditure_kr / users end as unit_cost,
        case when users > 0 and split_complete then expenditure_kr_fixed / users end as unit_cost_fixed,
    from joined
)

select * from final
