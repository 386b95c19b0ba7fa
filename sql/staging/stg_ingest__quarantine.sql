-- grain: one row per quarantined row; source: raw_quarantine (rows ingestion refused, with file, sheet, line, the codes of
-- the reasons (helpers.intake.messages) and the reasons in English and Danish)
with source as (
    select * from raw_quarantine
),

final as (
    select
        file,
        kind,
        cast(sheet as varchar) as sheet,
        cast(line as bigint) as line,
        cast(codes as varchar) as codes,
        reason,
        reason_da,
        raw,
    from source
)

select * from final
