-- grain: one row per case and registration number; source: stg_progression__registrations, ref_municipalities
-- What the progression report and CLI read: typed registrations with the municipality's name (pseudonymised case ids only).
with registrations as (
    select * from stg_progression__registrations
),

final as (
    select
        registrations.* exclude (source_file),
        municipalities.municipality_name,
    from registrations
    left join ref_municipalities as municipalities using (municipality_code)
)

select * from final
