-- grain: one row per quarantined row; source: stg_ingest__quarantine, int_extract_municipality
-- Rows quarantined at ingestion, with file, sheet, line and the reason in Danish (they never reach the views), and the
-- municipality of the file (none for an extract covering several municipalities).
select
    quarantine.file, quarantine.kind, quarantine.sheet, quarantine.line, quarantine.codes, quarantine.reason_da as reason,
    extracts.municipality_code,
    quarantine.file || coalesce(', ark ' || quarantine.sheet, '') || ', linje ' || quarantine.line || ': '
        || quarantine.reason_da as description,
from stg_ingest__quarantine as quarantine
left join int_extract_municipality as extracts on extracts.file = quarantine.file
order by quarantine.file, quarantine.sheet, quarantine.line
