-- grain: one row per municipality, year and age group of ref_age_groups; source: stg_dst__population (1 January), ref_age_groups
-- materialized: table (every read of the benchmark marts joins it; no price base year changes it)
-- Only municipalities: regions and the country are sums of their municipalities in the marts (sums over sums).
with population as (
    select * from stg_dst__population
    where period_type = 'quarter' and period like '%K1' and sex in ('1', '2') and age is not null
),

municipalities as (
    select municipality_code from ref_municipalities
),

final as (
    select
        population.area_code as municipality_code,
        population.year,
        age_groups.age_group,
        sum(population.inhabitants) as inhabitants,
    from population
    inner join municipalities on municipalities.municipality_code = population.area_code
    inner join ref_age_groups as age_groups on population.age between age_groups.min_age and age_groups.max_age
    group by all
)

select * from final
