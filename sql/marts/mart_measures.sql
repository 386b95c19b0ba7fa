-- grain: one row per case-level measure; source: ref_measures (data/reference/measures.csv)
-- The measures of the case extracts with area, section of the Act, measure group, account function, Danish label and
-- the age group its rates per 10,000 are counted in (aftercare, efterværn 18-22, in the 18-22-year-olds) and the age at
-- which the law ends it (children's measures 18, efterværn 23; none for adult measures).
select measure, area, section, measure_group, function, label_da, age_group, end_age
from ref_measures
