-- Missing user counts: expenditure booked but no users reported for a group whose users are reported directly.
select
    mart.municipality_code, mart.municipality_name, mart.year, mart.area, mart.measure_group,
    mart.municipality_name || ' ' || mart.year || ', ' || mart.label_da || ': udgifter på '
        || replace(format('{:,}', round(mart.expenditure_kr / 1000)::bigint), ',', '.') || ' t.kr., men ingen brugere indberettet' as description,
from mart_benchmark_municipality as mart
inner join ref_measure_groups as groups on groups.area = mart.area and groups.measure_group = mart.measure_group
where groups.users_rule in ('reported', 'split') and mart.users is null and mart.expenditure_kr > 0
order by mart.municipality_code, mart.year, mart.area, mart.measure_group
