-- grain: one row per municipality, area, measure group and year; source: raw_users (unique users reported by the municipalities)
with source as (
    select * from raw_users
),

final as (
    select
        municipality_code,
        area,
        measure_group,
        cast(year as integer) as year,
        cast(users as integer) as users,
        source_file,
    from source
)

select * from final
