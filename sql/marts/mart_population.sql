-- grain: one row per area (municipality, region, the whole country), year and age group; source: int_population_by_age_group, ref_constants
with population as (
    select * from int_population_by_age_group
),

municipalities as (
    select * from ref_municipalities
),

final as (
    select 'municipality' as level, population.municipality_code as code, municipalities.municipality_name as name,
        population.year, population.age_group, population.inhabitants
    from population
    inner join municipalities using (municipality_code)
    union all
    select 'region' as level, municipalities.region_code as code, any_value(municipalities.region_name) as name,
        population.year, population.age_group, sum(population.inhabitants) as inhabitants
    from population
    inner join municipalities using (municipality_code)
    group by municipalities.region_code, population.year, population.age_group
    union all
    select 'country' as level, any_value(constants.country_code) as code, any_value(constants.country_name) as name, population.year,
        population.age_group, sum(population.inhabitants) as inhabitants
    from population
    cross join ref_constants as constants
    group by population.year, population.age_group
)

select * from final
