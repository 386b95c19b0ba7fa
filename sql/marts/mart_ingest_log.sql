-- grain: one row per ingested file; source: raw_ingest_log (rows read, accepted and quarantined per extract)
with source as (
    select * from raw_ingest_log
),

final as (
    select file, kind, rows_read, accepted, rejected, rows_read = accepted + rejected as reconciles,
    from source
)

select * from final
