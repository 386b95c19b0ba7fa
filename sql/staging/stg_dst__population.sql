-- grain: one row per area, sex, age and StatBank period; source: raw_population (StatBank FOLK1A/FOLK1AM extracts)
-- area_code: the country code (ref_constants), '081'-'085' regions, municipality codes, '411' Christiansø; sex 'T' and age null are totals.
with source as (
    select * from raw_population
),

final as (
    select
        area_code,
        sex,
        cast(age as integer) as age,
        period,
        cast(year as integer) as year,
        case when period like '%K%' then 'quarter' when period like '%M%' then 'month' else 'year' end as period_type,
        cast(count as bigint) as inhabitants,
        source_file,
    from source
)

select * from final
