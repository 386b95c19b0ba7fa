-- grain: one row per parent area, period, sex and age that does not add up; source: stg_dst__population, ref_municipalities
-- Population: every region (and the country) in the extract equals the sum of its municipalities (and Christiansø).
with population as (
    select * from stg_dst__population where period_type = 'quarter' and sex in ('1', '2') and age is not null
),

parents as (
    select municipality_code as child, region_code as parent from ref_municipalities
    union all select christiansoe_code, '084' from ref_constants
    union all select regions.region_code, constants.country_code from ref_regions as regions cross join ref_constants as constants
),

summed as (
    select parents.parent, population.sex, population.age, population.period, sum(population.inhabitants) as children_sum
    from population
    inner join parents on parents.child = population.area_code
    group by all
)

select
    summed.parent as area_code, summed.period, summed.sex, summed.age,
    'Befolkning ' || summed.period || ', område ' || summed.parent || ', køn ' || summed.sex || ', alder ' || summed.age || ': '
        || replace(format('{:,}', population.inhabitants::bigint), ',', '.') || ' i alt, men ' || replace(format('{:,}', summed.children_sum::bigint), ',', '.') || ' summeret over delene' as description,
from summed
inner join population
    on population.area_code = summed.parent and population.sex = summed.sex and population.age = summed.age and population.period = summed.period
where population.inhabitants <> summed.children_sum
