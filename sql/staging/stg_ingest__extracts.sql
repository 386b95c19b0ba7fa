-- grain: one row per extract file of the manifest; source: raw_ingest_log (written by the build: counts, checksum, period
-- covered, municipality, and the one-line reason when the file could not be read)
with source as (
    select * from raw_ingest_log
),

final as (
    select
        file,
        kind,
        cast(sha256 as varchar) as sha256,
        cast(bytes as bigint) as bytes,
        cast(period_start as varchar) as period_start,
        cast(period_end as varchar) as period_end,
        cast(rows_read as bigint) as rows_read,
        cast(accepted as bigint) as accepted,
        cast(rejected as bigint) as rejected,
        cast(unmapped as bigint) as unmapped,
        cast(municipality_code as varchar) as municipality_code,
        cached,
        cast(failed as varchar) as failed,
    from source
)

select * from final
