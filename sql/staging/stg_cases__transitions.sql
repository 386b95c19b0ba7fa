-- grain: one row per young person listed for transition to the adult area; source: raw_transitions
with source as (
    select * from raw_transitions
),

final as (
    select
        case_id,
        municipality_code,
        cast(birth_date as date) as birth_date,
        cast(expected_transition_date as date) as expected_transition_date,
        aftercare = 'yes' as aftercare,
        cast(probability as double) as probability,
        colour,
        expected_measure,
        cast(annual_cost as decimal(18, 2)) as annual_cost_kr,
        source_file,
    from source
)

select * from final
