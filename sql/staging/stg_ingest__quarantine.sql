-- grain: one row per quarantined row; source: raw_quarantine (rows ingestion refused, with file, sheet, line, the codes of
-- the reasons (helpers.intake.messages), the reasons in English and Danish, and the row's measure as far as it could be
-- read)
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
        cast(measure as varchar) as measure,
    from source
)

select * from final
