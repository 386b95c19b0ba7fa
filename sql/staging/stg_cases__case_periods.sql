-- grain: one row per snapshot and case line (a case may have several lines with the same start date); source: raw_cases
-- (monthly case-system snapshots). The snapshot date and, where the rows lack it, the municipality come from the manifest;
-- case_id is the keyed pseudonym of the CPR number. An unmapped measure keeps its own name (its money still counts). The
-- rate is kept as the extract gives it, amount and unit (day, week, month, year, one_off): the forecast costs it, so a
-- file and the warehouse give the same figure to the øre. An ended line (Afsluttet, Ophørt) counts as current until its
-- end date; `ended` says it was ended (without an end date the forecast costs it to the as-of date).
with source as (
    select * from raw_cases
),

final as (
    select
        cast(snapshot_date as date) as snapshot_date,
        case_id,
        cast(birth_date as date) as birth_date,
        cpr_sex as sex,
        coalesce(municipality_code, manifest_municipality_code) as municipality_code,
        area,
        case when measure = 'unmapped' then measure_raw else measure end as measure,
        measure <> 'unmapped' as measure_mapped,
        cast(rate as double) as rate,
        rate_unit,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        case when status = 'expected' then 'expected' else 'current' end as status,
        coalesce(status = 'ended', false) as ended,
        status_raw,
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
