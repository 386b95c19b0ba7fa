-- grain: one row per year; source: raw_price_index (PL index for service expenditure)
with source as (
    select * from raw_price_index
),

final as (
    select
        cast(year as integer) as year,
        cast("index" as double) as price_index,
    from source
)

select * from final
