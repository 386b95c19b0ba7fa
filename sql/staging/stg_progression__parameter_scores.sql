-- grain: one row per case, assessment date and theme; source: raw_parameter_scores (0-4 scores every half year)
with source as (
    select * from raw_parameter_scores
),

final as (
    select
        case_id,
        cpr_sex as sex,
        municipality_code,
        cast(assessment_date as date) as assessment_date,
        theme,
        cast(score as integer) as score,
        source_file,
    from source
)

select * from final
