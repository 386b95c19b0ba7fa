-- grain: one row per year; source: stg_kl__price_index (the price and wage index behind fixed prices)
select year, price_index
from stg_kl__price_index
