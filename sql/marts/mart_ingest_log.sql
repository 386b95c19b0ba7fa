-- grain: one row per ingested file; source: stg_ingest__extracts (rows read, accepted and quarantined, checksum, period)
with extracts as (
    select * from stg_ingest__extracts
),

final as (
    select file, kind, sha256, bytes, period_start, period_end, rows_read, accepted, rejected, rows_read = accepted + rejected as reconciles,
    from extracts
)

select * from final
