-- grain: one row per quarantined row of a case, actuals, budget or transitions extract; source: stg_ingest__quarantine,
-- stg_ingest__extracts, int_extract_municipality, stg_cases__case_periods, ref_measures
-- The rows the forecast never sees, with the municipality and (for a case snapshot) the snapshot date of their file and
-- the sub-area as far as the row's measure could be read, so the forecast report says where rows were lost and why.
with quarantined as (
    select * from stg_ingest__quarantine where kind in ('cases', 'actuals', 'budget', 'transitions')
),

snapshots as (
    select distinct source_file as file, snapshot_date from stg_cases__case_periods
),

final as (
    select
        coalesce(extracts.municipality_code, municipality.municipality_code) as municipality_code,
        snapshots.snapshot_date,
        quarantined.kind,
        quarantined.file,
        quarantined.line,
        measures.area,
        quarantined.measure,
        measures.label_da as measure_label,
        quarantined.reason,
    from quarantined
    left join stg_ingest__extracts as extracts on extracts.file = quarantined.file
    left join int_extract_municipality as municipality on municipality.file = quarantined.file
    left join snapshots on snapshots.file = quarantined.file
    left join ref_measures as measures on measures.measure = quarantined.measure
)

select * from final order by municipality_code, file, line
