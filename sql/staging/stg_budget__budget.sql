-- grain: one row per municipality, year, area and measure (or measure group); source: raw_budget (budget assumptions)
with source as (
    select * from raw_budget
),

final as (
    select
        municipality_code,
        cast(year as integer) as year,
        area,
        measure,
        cast(amount as decimal(18, 2)) as amount_kr,
        cast(cases as double) as cases,
        cast(average_price as decimal(18, 2)) as average_price_kr,
        source_file,
    from source
)

select * from final
