-- grain: one row per snapshot and case line (municipality, snapshot date, line of its extract); source: stg_cases__case_periods, ref_measures
-- materialized: table (every forecast and key-figure report reads it; nothing below it reads a session variable)
-- The case periods the forecast engine reads, with the measure's Danish label; one snapshot per month-end.
with periods as (
    select * from stg_cases__case_periods
),

final as (
    select
        periods.* exclude (source_file),
        measures.label_da as measure_label,
        measures.section,
    from periods
    left join ref_measures as measures using (measure)
)

select * from final
