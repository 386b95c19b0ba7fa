-- grain: one row per municipality, year, area and base measure group with a break; source: int_key_figures_municipality, int_area_denominators, ref_constants
-- Breaks in series: fixed-price expenditure per inhabitant rises above break_rise or falls below break_fall times
-- the year before (+60 % / -40 %).
with series as (
    select
        *,
        lag(expenditure_per_inhabitant_fixed) over (partition by municipality_code, area, measure_group order by year) as previous,
    from int_key_figures_municipality
    where kind = 'base'
)

select
    municipality_code, municipality_name, year, area, measure_group,
    expenditure_per_inhabitant_fixed / previous - 1 as change,
    municipality_name || ' ' || year || ', ' || label_da || ': brud i serien, udgiften ' || per.per || ' ændrer sig '
        || round(100 * (expenditure_per_inhabitant_fixed / previous - 1))::bigint || ' % fra året før (kontering ændret?)' as description,
    label_da || ': brud i serien, udgiften ' || per.per || ' i faste priser ændrer sig fra året før (kontering ændret?)' as issue,
    case when expenditure_per_inhabitant_fixed > previous then '+' else '' end
        || round(100 * (expenditure_per_inhabitant_fixed / previous - 1))::bigint || ' %' as detail,
from series
inner join int_area_denominators as per using (area)
cross join ref_constants as constants
where previous > constants.break_min_previous_kr and expenditure_per_inhabitant_fixed > 0
    and (expenditure_per_inhabitant_fixed > constants.break_rise * previous or expenditure_per_inhabitant_fixed < constants.break_fall * previous)
order by municipality_code, year, area, measure_group
