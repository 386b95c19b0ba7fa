-- grain: one row per case (pseudonym), measure and month with bookings; source: stg_finance__actuals, ref_measures
-- Booked actuals summed per case, measure and month (a month can have several booking lines).
with actuals as (
    select * from stg_finance__actuals
),

final as (
    select
        actuals.municipality_code,
        measures.area,
        actuals.case_id,
        actuals.measure,
        actuals.month,
        sum(actuals.amount_kr) as amount_kr,
    from actuals
    left join ref_measures as measures using (measure)
    group by all
)

select * from final
