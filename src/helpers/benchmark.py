"""Benchmark key figures (price x quantity) per region or municipality, read from the marts."""

from __future__ import annotations

import pandas as pd

from helpers.danish import format_number
from helpers.tables import SMALL, is_small
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


SERIES_SQL = {
    "municipality": """select municipality_code as code, municipality_name as name, region_code, year, measure_group, label_da, kind,
                              sort_order, expenditure_kr_fixed, potential_users, users, user_population,
                              expenditure_per_inhabitant_fixed as expenditure_per_inhabitant, users_per_10000,
                              unit_cost_fixed as unit_cost
                       from mart_benchmark_municipality where area = ? and year between ? and ?
                       order by code, year, sort_order""",
    "region": """select code, name, code as region_code, year, measure_group, label_da, kind, sort_order, expenditure_kr_fixed,
                        potential_users, users, user_population, expenditure_per_inhabitant_fixed as expenditure_per_inhabitant,
                        users_per_10000, unit_cost_fixed as unit_cost, n_reporting_users, n_unit_cost
                 from mart_benchmark_region where area = ? and year between ? and ?
                 order by code = '000', code, year, sort_order""",
}
FIGURES = ["expenditure_per_inhabitant", "users_per_10000", "unit_cost"]
SMALL_USERS = SMALL  # user shares and unit costs of fewer users than this would point at persons


def series(area: str, start: int, end: int, price_base_year: int, level: str = "municipality") -> pd.DataFrame:
    """Key figures for every year start..end and measure group, in fixed prices of `price_base_year`.

    `level="municipality"` gives every municipality (with its region code), `level="region"` the five
    regions and the whole country ('000'), summed over municipalities in the mart.
    """
    if area not in AREAS:
        raise ValueError(f"area must be one of {', '.join(AREAS)}, not {area!r}")
    con = connect()
    try:
        years = [r[0] for r in con.execute("select distinct year from stg_kl__price_index order by year").fetchall()]
        if price_base_year not in years:
            raise ValueError(f"no price index for {price_base_year}; the warehouse has {years[0]}-{years[-1]}")
        con.execute(f"set variable price_base_year = {int(price_base_year)}")
        frame = con.execute(SERIES_SQL[level], [area, start, end]).df()
    finally:
        con.close()
    missing = sorted(set(range(start, end + 1)) - set(frame["year"]))
    if missing:
        raise ValueError(f"no {area} key figures for {', '.join(map(str, missing))}")
    return frame


def suppress_small_users(frame: pd.DataFrame, threshold: int = SMALL_USERS) -> pd.DataFrame:
    """Blank user shares and unit costs built on 1-4 users (they would identify persons); flag them."""
    small = is_small(frame["users"], threshold)
    return frame.assign(users_per_10000=frame["users_per_10000"].where(~small), unit_cost=frame["unit_cost"].where(~small),
                        small_users=small)


def pooled(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sums over sums within `keys`: the same rules as mart_benchmark_region, for any group of municipalities.

    Expenditure per inhabitant over all rows; users per 10,000 over rows that reported users; unit cost
    over rows that have a unit cost, so numerator and denominator always cover the same municipalities.
    """
    f = frame.assign(
        reported_population=frame["user_population"].where(frame["users"].notna()),
        unit_expenditure=frame["expenditure_kr_fixed"].where(frame["unit_cost"].notna()),
        unit_users=frame["users"].where(frame["unit_cost"].notna()),
    )
    sums = f.groupby(keys, sort=False)[["expenditure_kr_fixed", "potential_users", "users", "reported_population",
                                        "unit_expenditure", "unit_users"]].sum(min_count=1)
    out = pd.DataFrame({
        "expenditure_per_inhabitant": sums["expenditure_kr_fixed"] / sums["potential_users"],
        "users_per_10000": 10_000 * sums["users"] / sums["reported_population"],
        "unit_cost": sums["unit_expenditure"] / sums["unit_users"],
    })
    return out.reset_index()


def peer_averages(year_frame: pd.DataFrame, peers: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's peer average per measure group (sums over its peers), columns `peer_<figure>`."""
    joined = peers[["municipality_code", "peer_code"]].merge(year_frame, left_on="peer_code", right_on="code")
    out = pooled(joined, ["municipality_code", "measure_group"]).rename(columns={f: f"peer_{f}" for f in FIGURES})
    return out.rename(columns={"municipality_code": "code"})


def change(frame: pd.DataFrame, start: int, end: int, keys: tuple[str, ...] = ("code", "measure_group")) -> pd.DataFrame:
    """Each key figure at `start` and `end` and its change in percent (empty where either end is missing or 0)."""
    wide = frame[frame["year"].isin([start, end])].pivot_table(index=list(keys), columns="year", values=FIGURES, dropna=False)
    out = pd.DataFrame(index=wide.index)
    for figure in FIGURES:
        first, last = wide.get((figure, start)), wide.get((figure, end))
        out[f"{figure}_start"], out[f"{figure}_end"] = first, last
        out[f"{figure}_change_pct"] = 100 * (last / first.where(first > 0) - 1)
    return out.reset_index()


def decompose_changes(frame: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Split each change in expenditure per inhabitant into user-share, unit-cost and population-mix parts.

    Only rows where all three figures are positive at both ends can be split; the parts add up exactly
    to `change_pct` (see helpers.decomposition).
    """
    from helpers.decomposition import decompose

    ch = change(frame, start, end)
    ok = ch[[f"{f}_{e}" for f in FIGURES for e in ("start", "end")]].gt(0).all(axis=1)
    ch = ch[ok].reset_index(drop=True)
    parts = decompose(ch["expenditure_per_inhabitant_start"], ch["expenditure_per_inhabitant_end"],
                      ch["users_per_10000_start"], ch["users_per_10000_end"], ch["unit_cost_start"], ch["unit_cost_end"])
    return pd.concat([ch[["code", "measure_group"]], parts], axis=1)


def peer_extremes(year_frame: pd.DataFrame, averages: pd.DataFrame, factor: float = 2.0) -> pd.DataFrame:
    """Municipalities whose expenditure per inhabitant is over `factor` times or under 1/`factor` of their peers'.

    Only base measure groups with positive values; the comparison is with the peer average (sums over the
    peers), so a municipality is judged against municipalities like it, not against the whole country.
    """
    joined = year_frame[year_frame["kind"] == "base"].merge(averages, on=["code", "measure_group"])
    value, peer = joined["expenditure_per_inhabitant"], joined["peer_expenditure_per_inhabitant"]
    ratio = value / peer.where(peer > 0)
    out = joined[(value > 0) & ((ratio > factor) | (ratio < 1 / factor))].assign(ratio=ratio)
    out = out.assign(description=[
        f"{r.name} {r.year}, {r.label_da}: {format_number(r.expenditure_per_inhabitant)} kr. pr. indbygger, "
        f"{format_number(r.ratio, 1)} gange gennemsnittet for de sammenlignelige kommuner ({format_number(r.peer_expenditure_per_inhabitant)} kr.)"
        for r in out.itertuples()])
    return out[["code", "name", "year", "measure_group", "label_da", "ratio", "description"]].reset_index(drop=True)
