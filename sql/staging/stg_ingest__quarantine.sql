-- grain: one row per quarantined row; source: raw_quarantine (rows ingestion refused, with file, line and reason, and the
-- row's measure as far as it could be read)
with source as (
    select * from raw_quarantine
),

final as (
    select file, kind, cast(line as bigint) as line, reason, raw, cast(measure as varchar) as measure,
    from source
)

select * from final
