-- grain: one row per case, actuals, budget or transitions extract file; source: mart_ingest_log's sources
-- (stg_ingest__extracts, int_extract_municipality), stg_cases__case_periods
-- The extracts a municipality's forecast reads, with the snapshot date of a case extract and the rows read, accepted,
-- quarantined and holding an unmapped value: what the forecast report says about its own data.
with extracts as (
    select * from stg_ingest__extracts where kind in ('cases', 'actuals', 'budget', 'transitions')
),

snapshots as (
    select distinct source_file as file, snapshot_date from stg_cases__case_periods
),

final as (
    select
        coalesce(extracts.municipality_code, municipality.municipality_code) as municipality_code,
        extracts.kind,
        extracts.file,
        snapshots.snapshot_date,
        extracts.rows_read,
        extracts.accepted,
        extracts.rejected,
        extracts.unmapped,
    from extracts
    left join int_extract_municipality as municipality on municipality.file = extracts.file
    left join snapshots on snapshots.file = extracts.file
)

select * from final order by municipality_code, kind, file
