-- grain: one row per area; source: ref_constants
-- What an area's expenditure is per, as the reports say it ("pr. 0-22-årig"): the findings' sentences name it.
with constants as (
    select * from ref_constants
),

final as (
    select 'children' as area, constants.per_children as per from constants
    union all
    select 'adults' as area, constants.per_adults as per from constants
)

select * from final
