-- grain: one row per municipality; source: ref_municipalities, stg_facts__municipal_facts (latest year per municipality),
-- ref_municipal_settings (whether citizens move to the elderly area at 65)
with facts as (
    select * from stg_facts__municipal_facts
    qualify row_number() over (partition by municipality_code order by year desc) = 1
),

final as (
    select
        municipalities.municipality_code,
        municipalities.municipality_name,
        municipalities.region_code,
        municipalities.region_name,
        facts.year as facts_year,
        facts.expected_expenditure_need_index,
        facts.purchase_share_pct,
        facts.sales_income_kr_per_18_64,
        facts.appeals_changed_pct,
        coalesce(settings.move_to_elderly_at_65, false) as move_to_elderly_at_65,
    from ref_municipalities as municipalities
    left join facts on facts.municipality_code = municipalities.municipality_code
    left join ref_municipal_settings as settings on settings.municipality_code = municipalities.municipality_code
)

select * from final
