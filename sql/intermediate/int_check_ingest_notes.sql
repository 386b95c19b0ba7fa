-- grain: one row per note on an extract file; source: stg_ingest__notes, stg_ingest__extracts, int_extract_municipality
-- Nothing was refused, but the reader should know how the file was read (which sheets, which header, which encoding,
-- which cells said not assessed).
select
    notes.file, notes.kind, notes.code,
    coalesce(extracts.municipality_code, municipality.municipality_code) as municipality_code,
    notes.file || ': ' || notes.note_da as description,
from stg_ingest__notes as notes
left join stg_ingest__extracts as extracts on extracts.file = notes.file
left join int_extract_municipality as municipality on municipality.file = notes.file
order by notes.file, notes.code, notes.note_da
