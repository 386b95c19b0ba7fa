-- grain: one row per municipality, year, area and measure; source: stg_budget__budget (budget assumptions)
-- Budget amount, assumed number of full-year cases and assumed average price per measure: what the forecast is held against.
with budget as (
    select * from stg_budget__budget
),

final as (
    select
        budget.* exclude (source_file),
        measures.label_da as measure_label,
    from budget
    inner join ref_measures as measures using (measure, area)
)

select * from final
