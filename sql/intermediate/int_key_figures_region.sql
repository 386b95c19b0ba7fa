-- grain: one row per region (081-085) or the whole country (000), year, area and measure group;
-- source: int_key_figures_municipality, ref_municipalities, ref_constants (the country code and name)
-- Sums over sums, never means of ratios: expenditure / population summed over the municipalities.
-- User shares and unit costs use only municipalities that reported users for that group (and, for the
-- § 85 split, both halves), with their expenditure and population, so numerator and denominator match.
-- Fixed prices are exact sums (DECIMAL) times the year's price factor, so figures do not depend on summation order.
with municipal as (
    select * from int_key_figures_municipality
),

areas as (
    select region_code as code, region_name as name, municipality_code from ref_municipalities
    union all
    select constants.country_code as code, constants.country_name as name, municipality_code
    from ref_municipalities cross join ref_constants as constants
),

summed as (
    select
        areas.code,
        areas.name,
        municipal.year,
        municipal.area,
        municipal.measure_group,
        any_value(municipal.kind) as kind,
        any_value(municipal.sort_order) as sort_order,
        any_value(municipal.label_da) as label_da,
        any_value(municipal.price_base_year) as price_base_year,
        sum(municipal.expenditure_kr) as expenditure_kr,
        sum(municipal.expenditure_kr) * any_value(municipal.price_factor) as expenditure_kr_fixed,
        sum(municipal.potential_users) as potential_users,
        sum(municipal.user_population) as user_population,
        count(*) as n_municipalities,
        count(municipal.users) as n_reporting_users,
        sum(municipal.users) as users,
        sum(case when municipal.users is not null then municipal.user_population end) as user_population_reporting,
        sum(case when municipal.unit_cost is not null then municipal.expenditure_kr end) as expenditure_kr_unit,
        sum(case when municipal.unit_cost is not null then municipal.expenditure_kr end) * any_value(municipal.price_factor) as expenditure_kr_fixed_unit,
        sum(case when municipal.unit_cost is not null then municipal.users end) as users_unit,
        count(municipal.unit_cost) as n_unit_cost,
    from municipal
    inner join areas on areas.municipality_code = municipal.municipality_code
    group by all
),

final as (
    select
        code,
        name,
        code = (select country_code from ref_constants) as is_country,
        year,
        area,
        measure_group,
        kind,
        sort_order,
        label_da,
        price_base_year,
        expenditure_kr,
        expenditure_kr_fixed,
        potential_users,
        user_population,
        users,
        n_municipalities,
        n_reporting_users,
        n_unit_cost,
        expenditure_kr / potential_users as expenditure_per_inhabitant,
        expenditure_kr_fixed / potential_users as expenditure_per_inhabitant_fixed,
        users * 10000.0 / nullif(user_population_reporting, 0) as users_per_10000,
        expenditure_kr_unit / nullif(users_unit, 0) as unit_cost,
        expenditure_kr_fixed_unit / nullif(users_unit, 0) as unit_cost_fixed,
    from summed
)

select * from final
