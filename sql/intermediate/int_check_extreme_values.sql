-- grain: one row per municipality, year, area and base measure group with an extreme value; source: int_key_figures_municipality, int_area_denominators, ref_constants
-- Extreme values: expenditure per inhabitant more than extreme_robust_z robust standard deviations (median/MAD on the log scale)
-- from all municipalities' that year.
with logs as (
    select *, ln(expenditure_per_inhabitant) as log_value
    from int_key_figures_municipality
    where kind = 'base' and expenditure_per_inhabitant > 0
),

stats as (
    select year, area, measure_group, median(log_value) as med, median(abs(log_value - med)) as mad
    from (select *, median(log_value) over (partition by year, area, measure_group) as med from logs)
    group by all
)

select
    logs.municipality_code, logs.municipality_name, logs.year, logs.area, logs.measure_group,
    (logs.log_value - stats.med) / (1.4826 * stats.mad) as robust_z,
    logs.municipality_name || ' ' || logs.year || ', ' || logs.label_da || ': ekstrem udgift på '
        || replace(format('{:,}', round(logs.expenditure_per_inhabitant)::bigint), ',', '.') || ' kr. ' || per.per || ' (' || replace(format('{:,}', round(exp(stats.med))::bigint), ',', '.') || ' kr. i midten af kommunerne)' as description,
    logs.label_da || ': ekstrem udgift ' || per.per || ' mod midten af alle kommuner' as issue,
    replace(format('{:,}', round(logs.expenditure_per_inhabitant)::bigint), ',', '.') || ' kr. (midten ' || replace(format('{:,}', round(exp(stats.med))::bigint), ',', '.') || ' kr.)' as detail,
from logs
inner join stats using (year, area, measure_group)
inner join int_area_denominators as per using (area)
cross join ref_constants as constants
where stats.mad > 0 and abs(logs.log_value - stats.med) / (1.4826 * stats.mad) > constants.extreme_robust_z
order by logs.municipality_code, logs.year, logs.area, logs.measure_group
