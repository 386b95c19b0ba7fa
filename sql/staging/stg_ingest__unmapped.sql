-- grain: one row per extract file, column and unmapped value; source: raw_unmapped (values no mapping table knows)
-- The rows were kept with the mapped value 'unmapped'; add the value to a local mapping file to classify it.
with source as (
    select * from raw_unmapped
),

final as (
    select file, kind, column_name, value, cast(row_count as bigint) as row_count,
    from source
)

select * from final
