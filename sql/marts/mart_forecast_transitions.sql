-- grain: one row per young person (pseudonym) listed for transition to the adult area; source: stg_cases__transitions
-- The children's area's list of young people 16+ with expected transition date, probability, colour and expected adult measure.
with transitions as (
    select * from stg_cases__transitions
),

final as (
    select
        transitions.* exclude (source_file),
        measures.label_da as expected_measure_label,
    from transitions
    left join ref_measures as measures on measures.measure = transitions.expected_measure
)

select * from final
