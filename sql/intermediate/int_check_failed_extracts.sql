-- grain: one row per extract file that could not be read; source: stg_ingest__extracts
-- The build went on without it; the reason (in Danish) says what to fix.
select
    file, kind, municipality_code, failed_da as failed,
    file || ': kunne ikke indlæses: ' || failed_da as description,
from stg_ingest__extracts
where failed is not null
order by file
