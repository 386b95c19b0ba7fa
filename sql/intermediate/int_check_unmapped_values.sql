-- grain: one row per extract file, column and unmapped value; source: stg_ingest__unmapped, stg_ingest__extracts
-- Values of classification columns no mapping table knows: the rows are kept (money and citizens count), but are
-- not classified until the value is mapped.
select
    unmapped.file, unmapped.kind, extracts.municipality_code, unmapped.column_name, unmapped.value, unmapped.row_count,
    unmapped.file || ': ' || unmapped.row_count || ' række(r) med ukendt værdi ''' || unmapped.value || ''' i kolonnen '
        || unmapped.column_name || ' (beholdt som ikke-klassificeret; tilføj værdien i en lokal mappingfil)' as description,
from stg_ingest__unmapped as unmapped
left join stg_ingest__extracts as extracts using (file)
order by unmapped.file, unmapped.column_name, unmapped.value
