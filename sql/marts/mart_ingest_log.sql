-- grain: one row per ingested file; source: stg_ingest__extracts (rows read, accepted and quarantined, checksum, period)
with extracts as (
    select * from stg_ingest__extracts
),

final as (
    select file, kind, municipality_code, sha256, bytes, period_start, period_end, rows_read, accepted, rejected, unmapped,
        rows_read = accepted + rejected as reconciles, failed,
    from extracts
)

select * from final
