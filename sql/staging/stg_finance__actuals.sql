-- grain: one row per booking line (case, measure, month); source: raw_actuals (booked actuals from the finance system)
-- The municipality comes from the rows (Betalingskommune) or the manifest, never from the file's path; an unmapped
-- measure is booked under its own name. A line without a measure keeps its account function (ingestion has placed it on
-- the function's measure where the function is one measure's); its area is the one written, else its measure's, else
-- its account function's (null: none of them says).
with source as (
    select * from raw_actuals
),

final as (
    select
        coalesce(municipality_code, manifest_municipality_code) as municipality_code,
        case when area = 'unmapped' then null else area end as area,
        case_id,
        case when measure = 'unmapped' then measure_raw else measure end as measure,
        function,
        month,
        cast(amount as decimal(18, 2)) as amount_kr,
        source_file,
        source_line,
    from source
)

select * from final
