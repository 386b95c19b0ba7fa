-- grain: one row per municipality, account function, account group, kind of account (art) and year; source:
-- raw_expenditure (accounts extract, 1,000 kr.; an extract with one line per function and art has expenditure,
-- income and refund lines apart, which sum to the net; one without art has '')
with source as (
    select * from raw_expenditure
),

final as (
    select
        municipality_code,
        function,
        coalesce(account_group, '') as account_group,
        coalesce(account_kind, '') as account_kind,
        cast(year as integer) as year,
        cast(round(amount_1000_kr * 1000, 0) as decimal(18, 0)) as amount_kr,
        source_file,
    from source
)

select * from final
