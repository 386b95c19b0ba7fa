-- Impossible ratios: negative net expenditure with users, a unit cost above 4 mio. kr. a year, or more users than inhabitants.
select
    municipality_code, municipality_name, year, area, measure_group, unit_cost,
    municipality_name || ' ' || year || ', ' || label_da || ': ' || case
        when expenditure_kr < 0 then 'negative nettoudgifter (' || round(expenditure_kr / 1000)::bigint || ' t.kr.) - salg af pladser over egne udgifter?'
        when users > user_population then 'flere brugere (' || users || ') end indbyggere i aldersgruppen'
        else 'enhedsudgift på ' || round(unit_cost)::bigint || ' kr. pr. bruger er ikke mulig (' || users || ' brugere)'
    end as description,
from mart_benchmark_municipality
where kind in ('base', 'user_group')
    and (expenditure_kr < 0 or unit_cost > 4000000 or users > user_population)
order by municipality_code, year, area, measure_group
