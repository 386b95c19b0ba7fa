-- grain: one row per municipality, year, area and measure group; source: int_key_figures_municipality
-- Key figures per municipality (expenditure per potential user, users per 10,000, unit cost), current and fixed prices.
select * from int_key_figures_municipality
