-- grain: one row per booking line (case, measure, month); source: raw_actuals (booked actuals from the finance system)
-- The municipality comes from the rows (Betalingskommune) or the manifest, never from the file's path; an unmapped
-- measure is booked under its own name.
with source as (
    select * from raw_actuals
),

final as (
    select
        coalesce(municipality_code, manifest_municipality_code) as municipality_code,
        case_id,
        case when measure = 'unmapped' then measure_raw else measure end as measure,
        month,
        cast(amount as decimal(18, 2)) as amount_kr,
        source_file,
        source_line,
    from source
)

select * from final
