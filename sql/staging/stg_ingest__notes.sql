-- grain: one row per note on an extract file; source: raw_ingest_notes (what ingestion noted on a file without refusing
-- a row: sheets read, a header over two rows, Windows bytes in a UTF-8 file, words meaning not assessed, gaps)
with source as (
    select * from raw_ingest_notes
),

final as (
    select file, kind, code, note, note_da,
    from source
)

select * from final
