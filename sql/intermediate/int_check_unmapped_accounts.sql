-- grain: one row per municipality, year, function and unknown account group; source: stg_finance__expenditure, ref_account_functions
-- Expenditure on a mapped account function but on an account group the mapping does not know (it is left out of every key figure).
with mapped_functions as (
    select function, list(account_group) as groups from ref_account_functions group by function having min(account_group) <> ''
)

select
    expenditure.municipality_code, expenditure.year, expenditure.function, expenditure.account_group,
    'Kommune ' || expenditure.municipality_code || ' ' || expenditure.year || ': ' || replace(format('{:,}', round(expenditure.amount_kr / 1000)::bigint), ',', '.')
        || ' t.kr. på ' || expenditure.function || ' gruppering ''' || expenditure.account_group || ''' indgår ikke i nøgletallene' as description,
from stg_finance__expenditure as expenditure
inner join mapped_functions on mapped_functions.function = expenditure.function
where not list_contains(mapped_functions.groups, expenditure.account_group)
order by expenditure.municipality_code, expenditure.year
