-- grain: one row per extract file that could not be read; source: stg_ingest__extracts
-- The build went on without it; the reason says what to fix.
select
    file, kind, municipality_code, failed,
    file || ': kunne ikke indlæses: ' || failed as description,
from stg_ingest__extracts
where failed is not null
order by file
