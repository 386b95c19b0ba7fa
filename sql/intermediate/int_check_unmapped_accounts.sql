-- grain: one row per municipality, year, function and account group left out of the key figures; source:
-- stg_finance__expenditure, ref_account_functions
-- Expenditure on a function the mapping splits by account group, on a group the mapping does not know, or without a
-- group where the function cannot be used without one (5.32.32 in REGK31 mixes home help for the elderly and
-- §§ 95-96): it is left out of every key figure.
with mapped_functions as (
    select
        function,
        list(account_group) as groups,
        list(account_group) filter (where account_group <> '' or measure_group <> '') as usable,
    from ref_account_functions
    group by function
    having bool_or(account_group <> '')
),

expenditure as (
    select municipality_code, year, function, account_group, sum(amount_kr) as amount_kr,
    from stg_finance__expenditure
    group by all
)

select
    expenditure.municipality_code, expenditure.year, expenditure.function, expenditure.account_group,
    'Kommune ' || expenditure.municipality_code || ' ' || expenditure.year || ': ' || replace(format('{:,}', round(expenditure.amount_kr / 1000)::bigint), ',', '.')
        || ' t.kr. på ' || expenditure.function
        || case when expenditure.account_group = '' then ' uden gruppering' else ' gruppering ''' || expenditure.account_group || '''' end
        || ' indgår ikke i nøgletallene' as description,
from expenditure
inner join mapped_functions on mapped_functions.function = expenditure.function
where not list_contains(mapped_functions.groups, expenditure.account_group)
    or (expenditure.account_group = '' and not list_contains(mapped_functions.usable, ''))
order by expenditure.municipality_code, expenditure.year
