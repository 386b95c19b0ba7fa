-- grain: one row per snapshot, pseudonymised case id, measure and period start; source: raw_cases (monthly case-system snapshots)
-- The snapshot date comes from the file name (cases_YYYY-MM-DD.csv); case_id is the keyed pseudonym of the CPR number.
with source as (
    select * from raw_cases
),

final as (
    select
        cast(regexp_extract(source_file, 'cases_(\d{4}-\d{2}-\d{2})', 1) as date) as snapshot_date,
        case_id,
        cast(birth_date as date) as birth_date,
        cpr_sex as sex,
        municipality_code,
        area,
        measure,
        cast(rate as decimal(18, 2)) as rate,
        rate_unit,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        status,
        cast(coalesce(probability, 1) as double) as probability,
        provider,
        provider_type,
        caseworker,
        target_group,
        source_file,
        source_line,
    from source
)

select * from final
