-- grain: one row per case and registration number; source: raw_registrations (progression data collection)
with source as (
    select * from raw_registrations
),

final as (
    select
        case_id,
        municipality_code,
        cast(registration_no as integer) as registration_no,
        cast(registration_date as date) as registration_date,
        service,
        cast(vum_score as double) as vum_score,
        goals_set = 'yes' as goals_set,
        goal_type,
        previous_goal_met,
        cast(target_vum as double) as target_vum,
        cast(hours_per_month as double) as hours_per_month,
        cast(daily_rate as double) as daily_rate,
        initiator,
        provider_type,
        target_group,
        cast(age as integer) as age,
        sex,
        means_of_support,
        employment_measure,
        concurrent_services,
        cast(concurrent_services_price as double) as concurrent_services_price,
        closed = 'yes' as closed,
        cast(closing_date as date) as closing_date,
        closing_reason,
        source_file,
    from source
)

select * from final
