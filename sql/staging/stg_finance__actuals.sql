-- grain: one row per booking line (case, measure, month); source: raw_actuals (booked actuals from the finance system)
with source as (
    select * from raw_actuals
),

final as (
    select
        regexp_extract(source_file, '^cases/(\d{3})_', 1) as municipality_code,
        case_id,
        measure,
        month,
        cast(amount as decimal(18, 2)) as amount_kr,
        source_file,
        source_line,
    from source
)

select * from final
