-- grain: one row per extract file, municipality, area and account function with booking lines on no measure; source:
-- stg_finance__actuals
-- Booking lines whose measure neither their name nor their account function gives (a function shared by several measures,
-- or none): the forecast shares them over the citizen's measures of the function in that month and shows what no measure
-- takes as "ikke placeret"; a line whose function names no area of the specialised social services counts in no forecast.
with lines as (
    select * from stg_finance__actuals where measure is null
),

final as (
    select
        lines.source_file as file,
        lines.municipality_code,
        lines.area,
        lines.function,
        count(*) as line_count,
        sum(lines.amount_kr) as amount_kr,
    from lines
    group by all
)

select
    file, municipality_code, area, function, line_count, amount_kr,
    file || ': ' || line_count || ' bogføringslinje(r) på ' || replace(format('{:,}', round(amount_kr)::bigint), ',', '.')
        || ' kr. uden indsats'
        || case when function is null then ' og uden funktion' else ' på funktion ' || function end
        || case when area is null then ': kan ikke henføres til et område og indgår ikke i prognosen'
                when function is null then ': fordeles i prognosen på borgerens indsatser i måneden; resten vises som ikke placeret'
                else ': fordeles i prognosen på borgerens indsatser under funktionen i måneden; resten vises som ikke placeret' end
        as description,
from final
order by file, function
