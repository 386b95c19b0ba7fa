-- grain: one row per case, assessment date and theme; source: stg_progression__parameter_scores, ref_municipalities
-- Parameter scores 0-4 (4 = most problems) every half year, for the municipalities that score themes instead of VUM.
with scores as (
    select * from stg_progression__parameter_scores
),

final as (
    select
        scores.* exclude (source_file),
        municipalities.municipality_name,
    from scores
    left join ref_municipalities as municipalities using (municipality_code)
)

select * from final
