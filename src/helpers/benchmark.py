"""Benchmark key figures (price x quantity) per region or municipality, read from the marts."""

from __future__ import annotations

import pandas as pd

from helpers.warehouse import connect

AREAS = ("children", "adults")
COLUMNS = ["code", "name", "measure_group", "expenditure_per_inhabitant", "users_per_10000", "unit_cost"]


def key_figures(area: str, year: int, by: str = "region", region: str | None = None, prices: str = "current",
                price_base_year: int | None = None) -> pd.DataFrame:
    """Expenditure per inhabitant, users per 10,000 and unit cost per measure group.

    `by="region"` gives the 5 regions and the whole country ('000'); `by="municipality"` every
    municipality, or those of `region`. Fixed prices are in prices of `price_base_year` (default:
    the latest year). Region and country figures are sums over sums (see mart_benchmark_region).
    """
    if area not in AREAS:
        raise ValueError(f"area must be one of {', '.join(AREAS)}, not {area!r}")
    if by not in ("region", "municipality"):
        raise ValueError(f"by must be region or municipality, not {by!r}")
    if prices not in ("current", "fixed"):
        raise ValueError(f"prices must be current or fixed, not {prices!r}")
    suffix = "_fixed" if prices == "fixed" else ""
    if by == "region":
        sql = f"""select code, name, measure_group, expenditure_per_inhabitant{suffix} as expenditure_per_inhabitant,
                         users_per_10000, unit_cost{suffix} as unit_cost
                  from mart_benchmark_region where area = ? and year = ? and (? is null or code in (?, '000'))
                  order by code = '000', code, sort_order"""
    else:
        sql = f"""select municipality_code as code, municipality_name as name, measure_group,
                         expenditure_per_inhabitant{suffix} as expenditure_per_inhabitant, users_per_10000, unit_cost{suffix} as unit_cost
                  from mart_benchmark_municipality where area = ? and year = ? and (? is null or region_code = ?)
                  order by municipality_name, sort_order"""
    con = connect()
    try:
        if price_base_year is not None:
            con.execute(f"set variable price_base_year = {int(price_base_year)}")
        frame = con.execute(sql, [area, year, region, region]).df()
        years = [r[0] for r in con.execute("select distinct year from mart_benchmark_region order by year").fetchall()]
    finally:
        con.close()
    if year not in years:
        raise ValueError(f"no data for {year}; the warehouse has {years[0]}-{years[-1]}")
    if price_base_year is not None and price_base_year not in years:
        raise ValueError(f"no price index for {price_base_year}; the warehouse has {years[0]}-{years[-1]}")
    if region is not None and frame.empty:
        raise ValueError(f"unknown region {region!r}; regions are 081-085")
    return frame[COLUMNS]


def as_json(frame: pd.DataFrame, area: str, year: int, by: str) -> dict:
    """The CLI's JSON: {area, year, by, rows} with nulls where a figure is not defined."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return {"area": area, "year": year, "by": by, "rows": rows}
