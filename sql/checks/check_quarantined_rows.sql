-- Rows quarantined at ingestion, with file, line and reason (they never reach the views).
select
    file, kind, line, reason,
    file || ' linje ' || line || ': ' || reason as description,
from raw_quarantine
order by file, line
