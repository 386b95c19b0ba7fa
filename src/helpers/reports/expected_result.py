"""The expected result (forventet regnskab) per municipality, area and sub-area: the one place it is computed.

The forecast report, the three key-figure packs and `python -m helpers forecast --municipality` all read it
from here, so they show the same figures: per sub-area current + expected cases + pool = expected result,
the budget and the deviation (positive = overspend), at an as-of date. The rules are in docs/forecast.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from helpers.analysis import forecast
from helpers.warehouse import marts

# How every page rounds the table to whole kroner (helpers.render.tables.rounded_kroner): the sub-areas add up to the
# area's totals, current + expected + pool to the expected result, expected result - budget to the deviation; the
# forecast report and the packs round with this one rule, so they show the same kroner.
WHOLE_KRONER = {
    "anchors": ["expected_result", "budget", "pool"],
    "differences": {"deviation": ("expected_result", "budget")},
    "splits": {"expected_result": ["current", "expected", "pool"]},
}


@dataclass
class ExpectedResult:
    """One municipality, area and year at an as-of date: the engine's forecast and the table every report shows."""

    municipality: str
    area: str
    year: int
    as_of: dt.date
    snapshot: dt.date  # the case snapshot used: the latest on or before the as-of date
    previous: dt.date | None  # the snapshot before it (last month), if any
    periods: pd.DataFrame  # the snapshot's case periods (the 65 rule applied where the municipality uses it)
    engine_periods: pd.DataFrame  # the periods the engine ran on (adults: with the transition list as expected cases)
    actuals: pd.DataFrame
    budget: pd.DataFrame
    transitions: pd.DataFrame
    pool: pd.Series  # per measure, for the rest of the year (forecast.suggested_pool at the as-of date)
    result: forecast.Forecast
    labels: dict[str, str]

    @cached_property
    def table(self) -> pd.DataFrame:
        """Per sub-area: sub_area, label, current, expected, pool, expected_result, budget, deviation (kr., whole øre)."""
        table = forecast.expected_result(self.result, self.budget, self.pool)
        table.insert(1, "label", table["sub_area"].map(lambda m: self.labels.get(m, m)))
        return table

    @property
    def total(self) -> float:
        """The expected result of the area: the sum of the sub-areas' expected results."""
        return self._sum("expected_result")

    @property
    def budget_total(self) -> float:
        return self._sum("budget")

    @property
    def deviation(self) -> float:
        """Expected result - budget (positive = overspend)."""
        return self._sum("deviation")

    def deviation_parts(self) -> pd.DataFrame:
        """Per sub-area the deviation from budget in three parts that add up to it: quantity and price of the cases
        (forecast.budget_deviation, at budget and forecast prices) and the pool; with the cases and prices behind them."""
        cases = forecast.budget_deviation(self.result, self.budget).set_index("measure")
        out = self.table.set_index("sub_area").join(
            cases[
                ["budget_cases", "full_year_cases", "budget_price", "forecast_price", "quantity_effect", "price_effect"]
            ],
            how="left",
        )
        out[["quantity_effect", "price_effect"]] = out[["quantity_effect", "price_effect"]].fillna(0.0)
        # the case part in whole øre: what is left of the deviation after the pool, shared as budget_deviation shares it
        out["price_effect"] = out["deviation"] - out["pool"] - out["quantity_effect"]
        return out.reset_index()

    def _sum(self, column: str) -> float:
        return round(float(self.table[column].sum()), 2)  # whole øre summed: exact to the øre

    def as_json(self) -> dict:
        """The CLI's JSON: the engine's keys with the totals of the table, plus sub_areas, budget and deviation."""
        out = self.result.as_json()
        out |= {
            "municipality": self.municipality,
            "area": self.area,
            "snapshot": self.snapshot.isoformat(),
            "current_total": self._sum("current"),
            "expected_total": self._sum("expected"),
            "pool": self._sum("pool"),
            "forecast_total": self.total,
            "budget": self.budget_total,
            "deviation": self.deviation,
            "sub_areas": self.table.to_dict(orient="records"),
        }
        return out


def _snapshot_on_or_before(snaps: list[dt.date], day: dt.date) -> dt.date | None:
    usable = [s for s in snaps if s <= day]
    return usable[-1] if usable else None


def engine_periods(
    municipality: str, area: str, snapshot: dt.date, transitions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A snapshot's periods as the forecast uses them: adult periods end before the 65th birthday where the municipality
    moves citizens to the elderly area then, and the children's area's transition list joins as expected adult cases."""
    periods = marts.case_periods(municipality, area, snapshot)
    munis = marts.municipalities().set_index("municipality_code")
    if area == "adults" and bool(munis.loc[municipality, "move_to_elderly_at_65"]):
        periods = forecast.end_at_65(periods, periods["birth_date"])
    if area != "adults":
        return periods, periods
    return periods, pd.concat([periods, forecast.transitions_as_cases(transitions)], ignore_index=True)


def forecast_made_at(
    municipality: str,
    area: str,
    year: int,
    day: dt.date,
    actuals: pd.DataFrame,
    transitions: pd.DataFrame,
    snaps: list[dt.date],
) -> forecast.Forecast | None:
    """The forecast of `year` as it was made on `day` (no pool): that year's latest snapshot on or before the day, actuals
    to it, the same rules as today's; None when the year has no snapshot by then."""
    snap = _snapshot_on_or_before([s for s in snaps if s.year == year], day)
    if snap is None:
        return None
    _, periods = engine_periods(municipality, area, snap, transitions)
    return forecast.forecast(periods, year, day, actuals, shadow_years=0)


def pool_at(
    municipality: str,
    area: str,
    year: int,
    as_of: dt.date,
    actuals: pd.DataFrame,
    transitions: pd.DataFrame,
    snaps: list[dt.date],
) -> pd.Series:
    """The suggested pool at an as-of date: for up to three earlier complete years, the forecast made on the same day of
    that year (its latest snapshot on or before that day, actuals to then, no pool) against the year's booked result."""
    booked, made = [], []
    for past in range(year - 3, year):
        same_day = as_of.replace(year=past, day=min(as_of.day, 28)) if as_of.month == 2 else as_of.replace(year=past)
        fc = forecast_made_at(municipality, area, past, same_day, actuals, transitions, snaps)
        if fc is None or actuals["month"].max() < f"{past}-12":
            continue
        made.append(fc.by_measure().sum(axis=1).rename("amount").reset_index().assign(year=past))
        year_rows = actuals[actuals["month"].str.startswith(str(past))]
        booked.append(year_rows.groupby("measure", as_index=False)["amount"].sum().assign(year=past))
    if not made:
        return pd.Series(dtype=float, name="pool").rename_axis("measure")
    return forecast.suggested_pool(pd.concat(booked, ignore_index=True), pd.concat(made, ignore_index=True))


def compute(
    municipality: str, area: str, as_of: str | dt.date | None = None, year: int | None = None
) -> ExpectedResult:
    """The expected result at `as_of` (default: the latest snapshot, or the last one in `year`) for `year` (default: the
    as-of date's year): the snapshot on or before the as-of date, actuals booked to it, the budget and the pool."""
    municipality = str(municipality).zfill(3)
    snaps = marts.snapshots(municipality, area)
    if not snaps:
        raise ValueError(f"no case snapshots for municipality {municipality}, area {area}")
    if as_of is None:
        as_of = _snapshot_on_or_before(snaps, dt.date(int(year), 12, 31)) if year else snaps[-1]
        if as_of is None:
            raise ValueError(f"no case snapshot in or before {year}; the first is {snaps[0]}")
    as_of = dt.date.fromisoformat(str(as_of)) if not isinstance(as_of, dt.date) else as_of
    year = int(year) if year else as_of.year
    snapshot = _snapshot_on_or_before(snaps, as_of)
    if snapshot is None:
        raise ValueError(f"no case snapshot on or before {as_of}; the first is {snaps[0]}")
    previous = _snapshot_on_or_before(snaps, snapshot - dt.timedelta(days=1))
    transitions = marts.transitions(municipality)
    periods, engine = engine_periods(municipality, area, snapshot, transitions)
    actuals = marts.actuals(municipality, area)
    pool = pool_at(municipality, area, year, as_of, actuals, transitions, snaps)
    result = forecast.forecast(engine, year, as_of, actuals, float(pool.sum()))
    measures = marts.measures()
    return ExpectedResult(
        municipality,
        area,
        year,
        as_of,
        snapshot,
        previous,
        periods,
        engine,
        actuals,
        marts.budget(municipality, area, year),
        transitions,
        pool,
        result,
        dict(zip(measures["measure"], measures["label_da"])),
    )


def change(before: ExpectedResult, after: ExpectedResult) -> dict:
    """From last month's expected result to this month's: one item per case whose year amount changed (with a reason)
    and the pool's change per sub-area; in whole øre, so `before_total` + the items + the pool change = `after_total`."""
    b, a = forecast.case_amounts(before.result), forecast.case_amounts(after.result)
    cases = forecast.itemise(
        (b["current"] + b["expected"]).set_axis(pd.MultiIndex.from_frame(b[forecast.KEY])),
        (a["current"] + a["expected"]).set_axis(pd.MultiIndex.from_frame(a[forecast.KEY])),
        before.engine_periods,
        after.engine_periods,
    )
    pool = (
        after.table.set_index("sub_area")["pool"].sub(before.table.set_index("sub_area")["pool"], fill_value=0.0)
    ).round(2)
    return {
        "before_total": before.total,
        "after_total": after.total,
        "change": round(after.total - before.total, 2),
        "items": cases["items"],
        "cases_change": cases["change"],
        "pool_change": pool[pool != 0].to_dict(),
    }
