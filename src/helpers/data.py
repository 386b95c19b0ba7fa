"""The analyst's pandas interface to the warehouse: one naming of columns, small counts protected by default.

Every function returns a pandas DataFrame whose columns are named as the marts name them (`municipality_code`,
`municipality_name`, `region_code`, `year`, `measure_group`, ...) and listed in sql/marts/_marts.yml (docs/marts.md).
Counts of users or young people under 5, and the cells they could be computed back from, are hidden as on the
published pages (`protection` says which and why); `protect=False` shows them, for the analyst's own work only:
such figures must not be published or shared (docs/analyst.md).

    from helpers import data
    figures = data.key_figures("children", years=(2020, 2024), region="085", prices="fixed")
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from helpers import labels
from helpers.analysis import benchmark, forecast
from helpers.render.tables import suppression_mask
from helpers.warehouse import marts

Years = int | tuple[int, int] | Iterable[int] | None

MUNICIPALITY = ["municipality_code", "municipality_name", "region_code", "region_name"]
REGION = ["region_code", "region_name"]
GROUP = ["measure_group", "measure_group_label"]
AMOUNTS = ["price_base_year", "expenditure_kr", "potential_users", "user_population", "users"]
FIGURES = list(labels.FIGURES)
CHANGE = [f"{figure}_{end}" for figure in FIGURES for end in ("start", "end", "change_pct")]
TRANSITION_COLUMNS = [
    "municipality_code",
    "case_id",
    "birth_date",
    "expected_transition_date",
    "age_at_transition",
    "aftercare",
    "colour",
    "probability",
    "measure",
    "measure_label",
    "annual_cost_kr",
    "year",
    "moves_in_year",
    "expected_cost_kr",
]


def _years(years: Years) -> tuple[int, int, list[int] | None]:
    """The span to read and the years to keep (None: all of them) for a `years` argument."""
    lo, hi = marts.benchmark_years()
    if years is None:
        return lo, hi, None
    if isinstance(years, int):
        wanted = [years]
    elif isinstance(years, tuple) and len(years) == 2:
        wanted = list(range(int(years[0]), int(years[1]) + 1))
    else:
        wanted = sorted({int(y) for y in years})
    outside = [y for y in wanted if not lo <= y <= hi]
    if not wanted or outside:
        raise ValueError(f"no key figures for {outside or 'no year'}; the warehouse has {lo}-{hi}")
    return wanted[0], wanted[-1], wanted


def _prices(frame: pd.DataFrame, prices: str) -> pd.DataFrame:
    """Kroner in the prices asked for: current (each year's own, price_base_year = the year) or fixed."""
    if prices not in ("current", "fixed"):
        raise ValueError(f"prices must be current or fixed, not {prices!r}")
    if prices == "current":
        return frame.assign(price_base_year=frame["year"])
    return frame.assign(
        expenditure_kr=frame["expenditure_kr_fixed"],
        expenditure_per_inhabitant=frame["expenditure_per_inhabitant_fixed"],
        unit_cost=frame["unit_cost_fixed"],
    )


def _key_figure_frames(
    area: str, years: Years, prices: str, price_base_year: int | None, protect: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    start, end, wanted = _years(years)
    municipal, regions = marts.key_figure_frames(area, start, end, price_base_year, protect)
    if wanted is not None:
        municipal, regions = municipal[municipal["year"].isin(wanted)], regions[regions["year"].isin(wanted)]
    names = {"code": "region_code", "name": "region_name"}
    return (
        _prices(municipal, prices).rename(columns={"code": "municipality_code", "name": "municipality_name"}),
        _prices(regions.drop(columns=["region_code", "region_name"]).rename(columns=names), prices),
    )


def municipalities() -> pd.DataFrame:
    """The 98 municipalities with their region and municipal facts (the expenditure-need index and others), in Danish
    alphabetical order of the names."""
    return marts.municipality_facts()


def regions() -> pd.DataFrame:
    """The five regions."""
    return marts.regions()


def measure_groups(area: str | None = None) -> pd.DataFrame:
    """The benchmark's measure groups (of one area, or both) in report order, with the groups each adds up to."""
    frames = [marts.measure_groups(a) for a in ([area] if area else labels.AREAS)]
    frame = pd.concat(frames, ignore_index=True).rename(columns={"label_da": "measure_group_label"})
    return frame[["area", *GROUP, "sort_order", "kind", "components", "users_rule", "user_components"]]


def measures() -> pd.DataFrame:
    """The case-level measures of the forecast: area, section of the Act, measure group and the age group of its rates."""
    frame = marts.measures().rename(columns={"label_da": "measure_label"})
    return frame[["measure", "measure_label", "area", "section", "measure_group", "age_group"]]


def price_index() -> pd.DataFrame:
    """The price and wage index per year (fixed prices are current prices x index of the base year / index of the year)."""
    return marts.price_index()


def population(years: Years = None) -> pd.DataFrame:
    """Inhabitants per municipality, year and age group (0_17, 0_22, 18_22, 18_64, 65_plus, all): public figures."""
    start, end, wanted = _years(years)
    frame = marts.municipal_population(start, end)
    return frame if wanted is None else frame[frame["year"].isin(wanted)].reset_index(drop=True)


def key_figures(
    area: str,
    years: Years = None,
    region: str | None = None,
    prices: str = "current",
    price_base_year: int | None = None,
    protect: bool = True,
) -> pd.DataFrame:
    """Per municipality, year and measure group: expenditure, users and the three key figures (expenditure per
    inhabitant, users per 10,000, unit cost), as the benchmark reports compute them.

    `years`: one year, a (first, last) span or a list (default: all); `region`: a region code (081-085) for its
    municipalities only; `prices`: "current" or "fixed" (in prices of `price_base_year`, default the latest year).
    Users under 5 and the cells they could be computed back from are hidden as on the benchmark pages (users, users
    per 10,000 and unit cost empty, `protection` "small" or "complement"); `protect=False` shows them, for your own
    work only.
    """
    municipal, _ = _key_figure_frames(area, years, prices, price_base_year, protect)
    if region is not None:
        if region not in labels.REGION_CODES:
            raise ValueError(f"unknown region {region!r}; regions are {', '.join(labels.REGION_CODES)}")
        municipal = municipal[municipal["region_code"] == region]
    columns = ["area", *MUNICIPALITY, "year", *GROUP, *AMOUNTS, *FIGURES, "protection"]
    return municipal.rename(columns={"label_da": "measure_group_label"})[columns].reset_index(drop=True)


def region_key_figures(
    area: str,
    years: Years = None,
    prices: str = "current",
    price_base_year: int | None = None,
    protect: bool = True,
) -> pd.DataFrame:
    """Per region and for the whole country (region_code 000), year and measure group: the key figures as sums over
    the municipalities (sums over sums, the benchmark's averages), protected like `key_figures`."""
    _, regions = _key_figure_frames(area, years, prices, price_base_year, protect)
    columns = ["area", *REGION, "year", *GROUP, *AMOUNTS, "n_municipalities", "n_reporting_users", "n_unit_cost"]
    frame = regions.rename(columns={"label_da": "measure_group_label"})
    return frame[[*columns, *FIGURES, "protection"]].reset_index(drop=True)


def _change(frame: pd.DataFrame, keys: list[str], start: int, end: int) -> pd.DataFrame:
    """Each key figure at `start` and `end` and its change in percent per key (analysis.benchmark.change)."""
    ids = [keys[0], "measure_group"]
    change = benchmark.change(frame, start, end, keys=tuple(ids))
    described = frame[[*keys, *GROUP, "area", "price_base_year"]].drop_duplicates(ids, keep="last")
    out = described.merge(change, on=ids, how="right").assign(start_year=start, end_year=end)
    return out


def key_figure_change(
    area: str,
    start: int,
    end: int,
    region: str | None = None,
    prices: str = "fixed",
    price_base_year: int | None = None,
    protect: bool = True,
) -> pd.DataFrame:
    """Per municipality and measure group: each key figure in `start` and in `end` and its change in percent, in fixed
    prices by default (a change in current prices is mostly the price rise). Empty where a figure is missing, hidden
    (protected, as in `key_figures`) or not positive at the start."""
    frame = key_figures(area, [start, end], region, prices, price_base_year, protect)
    out = _change(frame, MUNICIPALITY, start, end)
    columns = ["area", *MUNICIPALITY, *GROUP, "start_year", "end_year", "price_base_year", *CHANGE]
    return out[columns].sort_values(["municipality_code", "measure_group"], kind="stable").reset_index(drop=True)


def region_key_figure_change(
    area: str,
    start: int,
    end: int,
    prices: str = "fixed",
    price_base_year: int | None = None,
    protect: bool = True,
) -> pd.DataFrame:
    """Per region, the whole country and measure group: each key figure in `start` and `end` and its change in percent,
    in fixed prices by default (the average a municipality's change is measured against)."""
    frame = region_key_figures(area, [start, end], prices, price_base_year, protect)
    out = _change(frame, REGION, start, end)
    columns = ["area", *REGION, *GROUP, "start_year", "end_year", "price_base_year", *CHANGE]
    return out[columns].sort_values(["region_code", "measure_group"], kind="stable").reset_index(drop=True)


def findings(region: str | None = None) -> pd.DataFrame:
    """The data-quality checks' findings (breaks in series, impossible values, missing users, ...), of a region's
    municipalities or all; check them before trusting a municipality's figure."""
    return marts.findings(region)


def _next_year(municipality_code: str) -> int:
    """The year after the municipality's latest case snapshot (the budget year the transition list is planned for)."""
    latest = marts.latest_snapshots()
    dates = latest.loc[latest["municipality_code"] == municipality_code, "as_of"]
    if dates.empty:
        raise ValueError(f"no case snapshots for municipality {municipality_code}")
    return int(pd.Timestamp(dates.max()).year) + 1


def transitions(municipality_code: str, year: int | None = None) -> pd.DataFrame:
    """The children's area's transition list: one row per young person (keyed pseudonym, never a CPR number) expected to
    move to the adult area, with the expected adult measure, and the expected cost in `year` (default: the year after
    the latest case snapshot) as the adults' forecast counts it: from the transition date, times the probability.

    Personal data (pseudonymised): for the municipality's own case work, as the forecast report; publish only
    `transition_costs`."""
    municipality_code = str(municipality_code).zfill(3)
    year = int(year) if year else _next_year(municipality_code)
    t = marts.transitions(municipality_code).rename(columns={"expected_measure_label": "measure_label"})
    if t.empty:
        raise ValueError(f"no transition list for municipality {municipality_code}")
    cost = forecast.forecast(forecast.transitions_as_cases(t), year, shadow_years=0).cases
    expected = cost.groupby("case_id")["year_total"].sum()
    moving = pd.to_datetime(t["expected_transition_date"])
    age = moving.dt.year - pd.to_datetime(t["birth_date"]).dt.year
    age -= (moving.dt.strftime("%m%d") < pd.to_datetime(t["birth_date"]).dt.strftime("%m%d")).astype(int)
    out = t.rename(columns={"expected_measure": "measure"}).assign(
        age_at_transition=age,
        year=year,
        moves_in_year=moving.dt.year == year,
        expected_cost_kr=t["case_id"].map(expected).fillna(0.0).to_numpy(),
    )
    return out[TRANSITION_COLUMNS].sort_values(["expected_transition_date", "case_id"]).reset_index(drop=True)


def transition_costs(municipality_code: str, year: int | None = None, protect: bool = True) -> pd.DataFrame:
    """Per expected adult measure (and a total row, measure "i_alt"): how many young people move to the adult area in
    `year` (default: the year after the latest snapshot), the expected number (sum of probabilities), their expected cost
    that year and in a full year (x probability). Counts under 5 and a complement in the column are hidden with their
    amounts (`protection`), as in the forecast report; `protect=False` shows them."""
    t = transitions(municipality_code, year)
    moving = t[t["moves_in_year"]].assign(
        measure=lambda f: f["measure"].fillna("ingen"),
        measure_label=lambda f: f["measure_label"].fillna("Ingen voksenindsats"),
        full_year=lambda f: f["annual_cost_kr"] * f["probability"],
    )
    table = moving.groupby(["measure", "measure_label"], as_index=False, dropna=False).agg(
        young_people=("case_id", "count"),
        expected_young_people=("probability", "sum"),
        expected_cost_kr=("expected_cost_kr", "sum"),
        expected_full_year_cost_kr=("full_year", "sum"),
    )
    table = table.sort_values("measure_label", kind="stable").reset_index(drop=True)
    table["protection"] = ""
    if protect and len(table):
        hidden = suppression_mask(table, ["young_people"], column_totals=True)["young_people"]
        small = labels.is_small(table["young_people"])
        table["protection"] = np.where(hidden & small, "small", np.where(hidden, "complement", ""))
        amounts = ["young_people", "expected_young_people", "expected_cost_kr", "expected_full_year_cost_kr"]
        table[amounts] = table[amounts].astype(float).where(~hidden)
    total = moving.agg(
        {"case_id": "count", "probability": "sum", "expected_cost_kr": "sum", "full_year": "sum"}
    ).to_numpy()
    total_row = dict(
        zip(["young_people", "expected_young_people", "expected_cost_kr", "expected_full_year_cost_kr"], total)
    )
    total_hidden = protect and labels.is_small(pd.Series([total_row["young_people"]])).iloc[0]
    row = {"measure": labels.TOTAL_GROUP, "measure_label": "I alt"} | total_row | {"protection": ""}
    if total_hidden:
        row |= dict.fromkeys(total_row, np.nan) | {"protection": "small"}
    out = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    out.insert(0, "municipality_code", str(municipality_code).zfill(3))
    out.insert(1, "year", int(t["year"].iloc[0]))
    return out.astype({"young_people": "Int64"})
