-- grain: one row per case-level measure; source: ref_measures (data/reference/measures.csv)
-- The measures of the case extracts with area, section of the Act, measure group, account function and Danish label.
select measure, area, section, measure_group, function, label_da
from ref_measures
