-- grain: one row per ingested file; source: stg_ingest__extracts (rows read, accepted and quarantined, checksum, period,
-- the sample's or the municipality's own, sample rows replaced by the workspace),
-- int_extract_municipality (the municipality whose extract it is; none for the national extracts)
-- materialized: table (every rendered report names its extracts from it, twice; it joins every staging table and reads no
-- session variable)
with extracts as (
    select * from stg_ingest__extracts
),

municipality as (
    select * from int_extract_municipality
),

final as (
    select
        extracts.file, extracts.kind, extracts.origin, coalesce(extracts.municipality_code, municipality.municipality_code) as municipality_code,
        extracts.sha256, extracts.bytes, extracts.period_start, extracts.period_end, extracts.rows_read, extracts.accepted,
        extracts.rejected, extracts.unmapped, extracts.replaced, extracts.rows_read = extracts.accepted + extracts.rejected as reconciles, extracts.failed,
    from extracts
    left join municipality on municipality.file = extracts.file
)

select * from final
