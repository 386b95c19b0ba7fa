-- grain: one row per quarantined row; source: stg_ingest__quarantine, int_extract_municipality
-- Rows quarantined at ingestion, with file, line and reason (they never reach the views), and the municipality of the
-- file (none for an extract covering several municipalities).
select
    quarantine.file, quarantine.kind, quarantine.line, quarantine.reason,
    extracts.municipality_code,
    quarantine.file || ' linje ' || quarantine.line || ': ' || quarantine.reason as description,
from stg_ingest__quarantine as quarantine
left join int_extract_municipality as extracts on extracts.file = quarantine.file
order by quarantine.file, quarantine.line
