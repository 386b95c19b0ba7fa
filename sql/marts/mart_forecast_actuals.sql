-- grain: one row per case (pseudonym), measure (or, without one, account function) and month with bookings;
-- source: stg_finance__actuals
-- Booked actuals summed per case, measure and month (a month can have several booking lines), in the area ingestion
-- placed them (the measure's, else the account function's): a line of no area is listed by int_check_unplaced_bookings.
with actuals as (
    select * from stg_finance__actuals
),

final as (
    select
        municipality_code,
        area,
        case_id,
        measure,
        case when measure is null then function end as function,
        month,
        sum(amount_kr) as amount_kr,
    from actuals
    group by all
)

select * from final
