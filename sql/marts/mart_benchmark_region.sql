-- grain: one row per region (081-085) or the whole country, year, area and measure group; source: int_key_figures_region
-- Key figures per region and for the whole country: sums over sums of the municipalities (is_country marks the country).
select * from int_key_figures_region
