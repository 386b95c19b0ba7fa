-- grain: one row per municipality, year, area and measure group with expenditure but no users; source: int_key_figures_municipality
-- Missing user counts: expenditure booked but no users reported for a group whose users are reported directly.
select
    figures.municipality_code, figures.municipality_name, figures.year, figures.area, figures.measure_group,
    figures.municipality_name || ' ' || figures.year || ', ' || figures.label_da || ': udgifter på '
        || replace(format('{:,}', round(figures.expenditure_kr / 1000)::bigint), ',', '.') || ' t.kr., men ingen brugere indberettet' as description,
    figures.label_da || ': udgifter bogført, men ingen brugere indberettet' as issue,
    replace(format('{:,}', round(figures.expenditure_kr / 1000)::bigint), ',', '.') || ' t.kr.' as detail,
from int_key_figures_municipality as figures
inner join ref_measure_groups as groups on groups.area = figures.area and groups.measure_group = figures.measure_group
where groups.users_rule in ('reported', 'split') and figures.users is null and figures.expenditure_kr > 0
order by figures.municipality_code, figures.year, figures.area, figures.measure_group
