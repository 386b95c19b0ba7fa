-- grain: one row per ingested extract file; source: raw_ingest_log (written by the build: counts, checksum, period covered)
with source as (
    select * from raw_ingest_log
),

final as (
    select
        file,
        kind,
        sha256,
        cast(bytes as bigint) as bytes,
        period_start,
        period_end,
        cast(rows_read as bigint) as rows_read,
        cast(accepted as bigint) as accepted,
        cast(rejected as bigint) as rejected,
        cached,
    from source
)

select * from final
