-- grain: one row per extract file with accepted rows of a municipality's own extract kinds; source: the staged case,
-- actuals, budget, transition and progression extracts
-- A file's municipality is the one municipality code of its accepted rows, never a name parsed from the path; a file
-- covering several municipalities has none. Actuals carry no code: theirs is the municipality whose case snapshots hold
-- most of the cases they book on (a citizen known to two municipalities has one pseudonym in both).
with actuals as (
    select actuals.source_file as file, cases.municipality_code, count(*) as bookings,
    from stg_finance__actuals as actuals
    join (select distinct case_id, municipality_code from stg_cases__case_periods) as cases on cases.case_id = actuals.case_id
    group by all
),

codes as (
    select source_file as file, municipality_code from stg_cases__case_periods
    union all
    select source_file, municipality_code from stg_cases__transitions
    union all
    select source_file, municipality_code from stg_budget__budget
    union all
    select source_file, municipality_code from stg_progression__registrations
    union all
    select source_file, municipality_code from stg_progression__parameter_scores
    union all
    select file, arg_max(municipality_code, bookings) from actuals group by file
),

final as (
    select
        file,
        case when count(distinct municipality_code) = 1 then min(municipality_code) end as municipality_code,
    from codes
    group by file
)

select * from final
