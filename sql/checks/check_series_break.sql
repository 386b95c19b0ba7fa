-- Breaks in series: fixed-price expenditure per inhabitant changes by more than +60 % / -40 % from one year to the next.
with series as (
    select
        *,
        lag(expenditure_per_inhabitant_fixed) over (partition by municipality_code, area, measure_group order by year) as previous,
    from mart_benchmark_municipality
    where kind = 'base'
)

select
    municipality_code, municipality_name, year, area, measure_group,
    expenditure_per_inhabitant_fixed / previous - 1 as change,
    municipality_name || ' ' || year || ', ' || label_da || ': brud i serien, udgiften pr. indbygger ændrer sig '
        || round(100 * (expenditure_per_inhabitant_fixed / previous - 1))::bigint || ' % fra året før (kontering ændret?)' as description,
from series
where previous > 100 and expenditure_per_inhabitant_fixed > 0
    and (expenditure_per_inhabitant_fixed > 1.6 * previous or expenditure_per_inhabitant_fixed < 0.6 * previous)
order by municipality_code, year, area, measure_group
