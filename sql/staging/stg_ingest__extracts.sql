-- grain: one row per extract file of the manifests; source: raw_ingest_log (written by the build: counts, checksum, period
-- covered, municipality, whose extract it is (the sample's or the municipality's own), the sample rows the workspace
-- replaced, and the one-line reason when the file could not be read, in English and Danish)
with source as (
    select * from raw_ingest_log
),

final as (
    select
        file,
        kind,
        origin,
        cast(sha256 as varchar) as sha256,
        cast(bytes as bigint) as bytes,
        cast(period_start as varchar) as period_start,
        cast(period_end as varchar) as period_end,
        cast(rows_read as bigint) as rows_read,
        cast(accepted as bigint) as accepted,
        cast(rejected as bigint) as rejected,
        cast(unmapped as bigint) as unmapped,
        cast(replaced as bigint) as replaced,
        cast(municipality_code as varchar) as municipality_code,
        cached,
        cast(failed as varchar) as failed,
        cast(failed_da as varchar) as failed_da,
    from source
)

select * from final
