-- grain: one row per data-quality finding; source: the int_check_* models (what the reports list)
-- materialized: table (every benchmark and data-quality report reads it; its checks compare fixed prices year on year, which the price base year cancels out of)
with findings as (
    select 'break' as finding, municipality_code, year, area, measure_group, description from int_check_series_break
    union all
    select 'impossible', municipality_code, year, area, measure_group, description from int_check_impossible_unit_cost
    union all
    select 'missing_users', municipality_code, year, area, measure_group, description from int_check_missing_users
    union all
    select 'extreme', municipality_code, year, area, measure_group, description from int_check_extreme_values
    union all
    select 'unmapped_account', municipality_code, year, null, null, description from int_check_unmapped_accounts
    union all
    select 'quarantined_row', municipality_code, null, null, null, description from int_check_quarantined_rows
    union all
    select 'population', null, null, null, null, description from int_check_population_adds_up
    union all
    select 'unmapped_value', municipality_code, null, null, null, description from int_check_unmapped_values
    union all
    select 'failed_extract', municipality_code, null, null, null, description from int_check_failed_extracts
    union all
    select 'unplaced_booking', municipality_code, null, area, null, description from int_check_unplaced_bookings
),

final as (
    select
        findings.finding,
        findings.municipality_code,
        municipalities.municipality_name,
        municipalities.region_code,
        findings.year,
        findings.area,
        findings.measure_group,
        findings.description,
    from findings
    left join ref_municipalities as municipalities on municipalities.municipality_code = findings.municipality_code
)

select * from final
