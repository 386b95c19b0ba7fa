-- grain: one row per quarantined row; source: stg_ingest__quarantine
-- Rows quarantined at ingestion, with file, line and reason (they never reach the views).
select
    file, kind, line, reason,
    file || ' linje ' || line || ': ' || reason as description,
from stg_ingest__quarantine
order by file, line
