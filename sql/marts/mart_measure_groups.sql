-- grain: one row per area and measure group; source: ref_measure_groups (data/reference/measure_groups.csv)
-- The benchmark's measure groups with the groups each adds up to (expenditure: components; users: user_components),
-- read by the reports to protect small user counts along the hierarchy (a parent minus its other parts).
select area, measure_group, sort_order, kind, components, users_rule, user_components, label_da
from ref_measure_groups
