-- grain: one row per municipality, year, area and measure group with an impossible key figure; source: int_key_figures_*, ref_constants
-- Impossible ratios: negative net expenditure, more users than inhabitants, or a unit cost above impossible_unit_cost_kr
-- a year or above impossible_unit_cost_factor times the whole country's for that measure group and year.
with country as (
    select year, area, measure_group, unit_cost as country_unit_cost
    from int_key_figures_region
    where is_country
)

select
    municipal.municipality_code, municipal.municipality_name, municipal.year, municipal.area, municipal.measure_group, municipal.unit_cost,
    municipal.municipality_name || ' ' || municipal.year || ', ' || municipal.label_da || ': ' || case
        when municipal.expenditure_kr < 0 then 'negative nettoudgifter (' || replace(format('{:,}', round(municipal.expenditure_kr / 1000)::bigint), ',', '.') || ' t.kr.) - salg af pladser over egne udgifter?'
        when municipal.users > municipal.user_population then 'flere brugere end indbyggere i aldersgruppen'
        -- counts under 5 are not shown, nor a unit cost built on them (expenditure / unit cost gives the count back)
        when municipal.users < constants.small_count then 'enhedsudgiften er ikke mulig (den bygger på under ' || constants.small_count
            || ' brugere og vises derfor ikke; hele landet: ' || replace(format('{:,}', round(country.country_unit_cost)::bigint), ',', '.') || ' kr.)'
        else 'enhedsudgift på ' || replace(format('{:,}', round(municipal.unit_cost)::bigint), ',', '.') || ' kr. pr. bruger er ikke mulig ('
            || municipal.users::varchar || ' brugere; hele landet: '
            || replace(format('{:,}', round(country.country_unit_cost)::bigint), ',', '.') || ' kr.)'
    end as description,
    municipal.label_da || ': ' || case
        when municipal.expenditure_kr < 0 then 'negative nettoudgifter - salg af pladser over egne udgifter?'
        when municipal.users > municipal.user_population then 'flere brugere end indbyggere i aldersgruppen'
        when municipal.users < constants.small_count then 'enhedsudgiften er ikke mulig (den bygger på under ' || constants.small_count
            || ' brugere og vises derfor ikke)'
        else 'enhedsudgiften er ikke mulig'
    end as issue,
    case
        when municipal.expenditure_kr < 0 then replace(format('{:,}', round(municipal.expenditure_kr / 1000)::bigint), ',', '.') || ' t.kr.'
        when municipal.users > municipal.user_population then 'flere brugere end indbyggere'
        when municipal.users < constants.small_count then 'hele landet: ' || replace(format('{:,}', round(country.country_unit_cost)::bigint), ',', '.') || ' kr. pr. bruger'
        else replace(format('{:,}', round(municipal.unit_cost)::bigint), ',', '.') || ' kr. pr. bruger (' || municipal.users::varchar || ' brugere; hele landet '
            || replace(format('{:,}', round(country.country_unit_cost)::bigint), ',', '.') || ' kr.)'
    end as detail,
from int_key_figures_municipality as municipal
inner join country using (year, area, measure_group)
cross join ref_constants as constants
where municipal.kind in ('base', 'user_group')
    and (municipal.expenditure_kr < 0 or municipal.users > municipal.user_population
         or municipal.unit_cost > constants.impossible_unit_cost_kr
         or municipal.unit_cost > constants.impossible_unit_cost_factor * country.country_unit_cost)
order by municipal.municipality_code, municipal.year, municipal.area, municipal.measure_group
