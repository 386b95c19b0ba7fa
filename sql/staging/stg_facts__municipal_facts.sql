-- grain: one row per municipality and year; source: raw_municipal_facts (expected expenditure need and other background facts)
with source as (
    select * from raw_municipal_facts
),

final as (
    select
        municipality_code,
        cast(year as integer) as year,
        cast(expected_expenditure_need_index as double) as expected_expenditure_need_index,
        cast(purchase_share_pct as double) as purchase_share_pct,
        cast(sales_income_kr_per_18_64 as double) as sales_income_kr_per_18_64,
        cast(appeals_changed_pct as double) as appeals_changed_pct,
    from source
)

select * from final
