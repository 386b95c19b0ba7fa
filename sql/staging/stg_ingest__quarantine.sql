-- grain: one row per quarantined row; source: raw_quarantine (rows ingestion refused, with file, line and reason)
with source as (
    select * from raw_quarantine
),

final as (
    select file, kind, cast(line as bigint) as line, reason, raw,
    from source
)

select * from final
