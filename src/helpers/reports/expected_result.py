"""The expected result (forventet regnskab) per municipality, area and sub-area: the one place it is computed.

The forecast report, the three key-figure packs and `python -m helpers forecast --municipality` all read it
from here, so they show the same figures: per sub-area current + expected cases + pool = expected result,
the budget and the deviation (positive = overspend), at an as-of date. The rules are in docs/forecast.md.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd

from helpers.analysis import backtest as backtests
from helpers.analysis import forecast
from helpers.labels import HIDDEN, SMALL_TEXT
from helpers.render import cache
from helpers.render.tables import protected, whole_kroner
from helpers.warehouse import marts, query

UNPLACED_LABEL = "Bogført uden indsats (ikke placeret)"

# The deviation's parts under the headers every page gives them (deviation_shown's columns: forecast report, packs)
DEVIATION_NAMES = {
    "budget": "Budget, kr.",
    "expected_result": "Forventet regnskab, kr.",
    "deviation": "Afvigelse (+ = merforbrug), kr.",
    "quantity_effect": "Heraf mængde, kr.",
    "price_effect": "Heraf pris, kr.",
    "cases_effect": "Heraf mængde og pris i alt, kr.",
    "pool": "Heraf pulje, kr.",
}

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
    periods: pd.DataFrame  # the snapshot's case periods, as the extract gives them (result.periods: as costed)
    engine_periods: pd.DataFrame  # the periods the engine ran on (adults: with the transition list as expected cases)
    actuals: pd.DataFrame
    budget: pd.DataFrame
    transitions: pd.DataFrame
    pool: pd.Series  # per measure, for the rest of the year (forecast.suggested_pool at the as-of date)
    result: forecast.Forecast
    labels: dict[str, str]
    rules: forecast.Rules = field(default_factory=forecast.Rules)
    without_area: pd.DataFrame = field(default_factory=pd.DataFrame)  # the year's bookings neither measure nor function
    # places in an area (marts.actuals with area None): in no forecast, listed

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

    @cached_property
    def backtest(self) -> Backtest:
        """The forecasts made at each month-end of the complete years before this one, against their final results;
        computed once for the same warehouse, code, municipality, area, year, rules, bookings and transitions, and kept
        in the data folder's cache for every process (a municipality's forecast report and its three packs, rendered
        by different kernels, show the same one), and in the process."""
        identity = query.identity()
        inputs = (
            self.municipality,
            self.area,
            self.year,
            repr(self.rules),
            _digest(self.actuals),
            _digest(self.transitions),
        )
        key = (identity, *inputs)
        if key not in _BACKTESTS:
            while len(_BACKTESTS) >= BACKTESTS_KEPT:
                _BACKTESTS.pop(next(iter(_BACKTESTS)))  # the oldest first
            _BACKTESTS[key] = _stored_backtest(self, _stored_key(identity, inputs))
        return _BACKTESTS[key]

    @property
    def interval_month(self) -> int:
        """The month-end whose past errors give the interval: the last one on or before the as-of date (January's before
        the first month-end of the year)."""
        return max(forecast._cutoff(self.year, self.as_of), 1)

    @cached_property
    def interval(self) -> backtests.Interval:
        """The 80 % interval of the signed relative error: the errors of the forecasts made at the same month-end in the
        complete years before this one, pooled over years and sub-areas (backtest.interval: below 9, the fallback)."""
        errors = self.backtest.errors
        return backtests.interval(errors.loc[errors["month"] == self.interval_month, "error"])

    def interval_table(self) -> pd.DataFrame:
        """Per sub-area and for the area (last row, sub_area None): the expected result and the bounds of its 80 %
        interval (the same relative interval on each; for the area it is wider than the errors of sums need)."""
        table = self.table[["sub_area", "label", "expected_result"]]
        total = pd.DataFrame([{"sub_area": None, "label": "I alt", "expected_result": self.total}])
        table = pd.concat([table, total], ignore_index=True)
        bounds = [self.interval.bounds(v) for v in table["expected_result"]]
        return table.assign(low=[b[0] for b in bounds], high=[b[1] for b in bounds])

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

    @cached_property
    def deviation_shown(self) -> pd.DataFrame:
        """deviation_parts as every page shows it (Danish text; `cases_effect` = quantity + price added): full-year cases
        in the forecast count people (1,3 is about one citizen), so 1-4 are `<5` and, the area's total following from the
        days costed, a complement within the area `..` (helpers.render.tables.protected); where they are hidden, so is
        what gives them back beside the budget's own figures: the forecast price (forecast / full-year cases), and the
        split into quantity ((full-year - budgeted cases) x budget price) and price; their sum stays. The one protection
        of these figures: the forecast report, the finance and department packs show these cells. Kroner in whole kroner
        that add up as the summary's do (WHOLE_KRONER; quantity + price + pool = the deviation)."""
        parts = self.deviation_parts()
        parts["cases_effect"] = parts["quantity_effect"] + parts["price_effect"]
        kroner = whole_kroner(
            parts,
            WHOLE_KRONER["anchors"],
            WHOLE_KRONER["differences"],
            WHOLE_KRONER["splits"] | {"deviation": ["quantity_effect", "price_effect", "pool"]},
            sums={"cases_effect": ["quantity_effect", "price_effect"]},
        )
        shown = protected(
            kroner,
            ["full_year_cases"],
            column_totals=True,
            means={"forecast_price": "full_year_cases"},
            decimals={"full_year_cases": 1, "budget_cases": 1},
        )
        hidden = shown["full_year_cases"].isin([SMALL_TEXT, HIDDEN])
        shown.loc[hidden, ["quantity_effect", "price_effect"]] = ""
        return shown.assign(cases_hidden=hidden)

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
            "interval": self.interval_json(),
            "bookings_without_area": {
                "rows": len(self.without_area),
                "amount": round(float(self.without_area["amount"].sum()), 2) if len(self.without_area) else 0.0,
            },
        }
        return out

    def interval_json(self) -> dict:
        """The interval in the CLI's JSON: level, the error quantiles, how many errors, method, month-end, years, and the
        bounds for the area and each sub-area (kr.; null where there is no interval, or the bound is open)."""
        bounds = self.interval_table()

        def kr(value: float) -> float | None:
            return round(float(value), 2) if math.isfinite(value) else None

        found, errors = self.interval, self.backtest.errors
        return {
            "level": backtests.LEVEL,
            "method": found.method,
            "errors": found.n,
            "month": self.interval_month,
            "years": sorted(int(y) for y in errors.loc[errors["month"] == self.interval_month, "year"].unique()),
            "error_low": None if found.method == "none" else round(found.low, 6),
            "error_high": None if found.method == "none" else round(found.high, 6),
            "low": kr(bounds["low"].iloc[-1]),
            "high": kr(bounds["high"].iloc[-1]),
            "sub_areas": {r.sub_area: [kr(r.low), kr(r.high)] for r in bounds.iloc[:-1].itertuples()},
        }


@dataclass
class Backtest:
    """The backtest of one municipality and area: per past year, month-end and sub-area the forecast made then and the
    final result (`errors`), and per year and month-end the area's forecast, final result, baselines and the interval the
    page would have shown then (`rows`)."""

    errors: pd.DataFrame
    rows: pd.DataFrame

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.errors["year"].unique())

    def by_month(self) -> pd.DataFrame:
        """Mean absolute and signed errors per month-end for the forecast and each baseline, skill, coverage."""
        return backtests.scores(self.rows, ["month"]) if len(self.rows) else pd.DataFrame()

    def overall(self) -> dict:
        """The same over every year and month-end."""
        return backtests.scores(self.rows, []).iloc[0].to_dict() if len(self.rows) else {}

    def as_json(self) -> dict:
        """The backtest command's JSON: the years, every row, the scores by month and overall (NaN as null)."""

        def clean(records: list[dict]) -> list[dict]:
            return [
                {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()}
                for r in records
            ]

        rows = self.rows.astype(object).where(self.rows.notna(), None)
        return {
            "years": self.years,
            "baselines": backtests.BASELINES,
            "rows": clean(rows.to_dict(orient="records")),
            "by_month": clean(self.by_month().to_dict(orient="records")),
            "overall": clean([self.overall()])[0] if len(self.rows) else {},
        }


def complete_years(actuals: pd.DataFrame, snaps: list[dt.date], before: int) -> list[int]:
    """The years before `before` with case snapshots and bookings in all twelve months: the years whose final result is
    known (the pool's and the backtest's)."""
    months = actuals["month"].drop_duplicates()
    booked = months.str[:4].value_counts()
    return [y for y in sorted({s.year for s in snaps}) if y < before and booked.get(str(y), 0) == 12]


BACKTESTS_KEPT = 16  # a batch worker's kernel renders the reports of a few municipalities, two areas each
_BACKTESTS: dict[tuple, Backtest] = {}
_DIGESTS: dict[object, str] = {}  # the process's digests of the code and of each warehouse file it read


def _stored_key(identity: tuple, inputs: tuple) -> str:
    """A backtest's key in the cache: its inputs with the warehouse and the code by content (the sha256 of the file's
    bytes and cache.code_digest), so that another file with the same bytes reads the same backtest."""
    if identity not in _DIGESTS:
        _DIGESTS[identity] = cache.file_digest(Path(identity[0]))
    if "code" not in _DIGESTS:
        _DIGESTS["code"] = cache.code_digest()
    return cache.key_of(["backtest", _DIGESTS[identity], _DIGESTS["code"], *inputs])


def _stored_backtest(er: ExpectedResult, key: str) -> Backtest:
    """The backtest kept under `key` in the cache, or computed now (one process at a time) and kept."""
    with cache.lock(key):  # another process computing it: wait and read what it kept
        kept = cache.get_kept(key)
        if kept is None:
            kept = backtest_for(er)
            cache.keep(key, kept)
        return kept


def _digest(frame: pd.DataFrame) -> tuple:
    """A frame's columns, length and a hash of its values: what a backtest read from it."""
    return (
        tuple(frame.columns),
        len(frame),
        int(pd.util.hash_pandas_object(frame, index=False).sum()) if len(frame) else 0,
    )


def backtest_for(er: ExpectedResult) -> Backtest:
    """The forecasts made at each month-end of the complete years before the expected result's year (the same rules;
    no pool: backtest.pools adds the pool of then), the final results, bookings per month and budgets."""
    snaps = marts.snapshots(er.municipality, er.area)
    years = complete_years(er.actuals, snaps, er.year)
    raw, finals = [], []
    for year in years:
        for month in range(1, 13):
            day = dt.date(year, month, calendar.monthrange(year, month)[1])
            fc = forecast_made_at(er.municipality, er.area, year, day, er.actuals, er.transitions, snaps, er.rules)
            if fc is not None:
                made = fc.by_measure().sum(axis=1).rename("amount").reset_index()
                raw.append(made.assign(year=year, month=month))
        booked = booked_by_measure(er.municipality, er.area, year, er.actuals, er.transitions, snaps, er.rules)
        finals.append(booked.assign(year=year))
    columns = ["year", "month", "measure", "amount"]
    raw_frame = pd.concat(raw, ignore_index=True)[columns] if raw else pd.DataFrame(columns=columns)
    final = pd.concat(finals, ignore_index=True) if finals else pd.DataFrame(columns=["year", "measure", "amount"])
    errors = backtests.sub_area_errors(raw_frame, final)
    if errors.empty:
        return Backtest(errors, pd.DataFrame())
    months = er.actuals.assign(year=er.actuals["month"].str[:4].astype(int), m=er.actuals["month"].str[5:7].astype(int))
    booked_months = months.groupby(["year", "m"], as_index=False)["amount"].sum().rename(columns={"m": "month"})
    budgets = pd.Series({y: _budget_total(er.municipality, er.area, y) for y in years}, dtype=float)
    by_year = months.groupby("year").agg(amount=("amount", "sum"), months=("m", "nunique"))
    final_years = by_year.loc[by_year["months"] == 12, "amount"]  # last year's result: a year with all 12 months booked
    return Backtest(errors, backtests.area_rows(errors, booked_months, budgets, final_years))


def _budget_total(municipality: str, area: str, year: int) -> float:
    budget = marts.budget(municipality, area, year)
    return float(budget["amount"].sum()) if len(budget) else math.nan


def _snapshot_on_or_before(snaps: list[dt.date], day: dt.date) -> dt.date | None:
    usable = [s for s in snaps if s <= day]
    return usable[-1] if usable else None


def rules_for(municipality: str, area: str) -> forecast.Rules:
    """The reference rules of the forecast for a municipality and area: measures' age limits, account functions, 65."""
    munis = marts.municipalities().set_index("municipality_code")
    moves = area == "adults" and bool(munis.loc[municipality, "move_to_elderly_at_65"])
    return forecast.Rules.of(marts.measures(), moves)


def engine_periods(
    municipality: str, area: str, snapshot: dt.date, transitions: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A snapshot's periods and those the forecast runs on: for adults with the children's area's transition list as
    expected adult cases (the young person is counted once: the forecast's rules end a child's measure where the law
    ends it, 18 or efterværn 23, and adult periods at 65 where the municipality moves citizens to the elderly area)."""
    periods = marts.case_periods(municipality, area, snapshot)
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
    rules: forecast.Rules,
    pool: float = 0.0,
) -> forecast.Forecast | None:
    """The forecast of `year` as it was made on `day` (with `pool`, default none): that year's latest snapshot on or before
    the day, actuals to it, the same rules as today's; None when the year has no snapshot by then."""
    snap = _snapshot_on_or_before([s for s in snaps if s.year == year], day)
    if snap is None:
        return None
    _, periods = engine_periods(municipality, area, snap, transitions)
    return forecast.forecast(periods, year, day, actuals, pool, shadow_years=0, rules=rules)


def _same_day(day: dt.date, year: int) -> dt.date:
    """The same month-end or day in another year (29 February: the 28th)."""
    return day.replace(year=year, day=min(day.day, 28)) if day.month == 2 else day.replace(year=year)


def pool_at(
    municipality: str,
    area: str,
    year: int,
    as_of: dt.date,
    actuals: pd.DataFrame,
    transitions: pd.DataFrame,
    snaps: list[dt.date],
    rules: forecast.Rules,
) -> pd.Series:
    """The suggested pool at an as-of date: for up to three earlier complete years, the forecast made on the same day of
    that year (its latest snapshot on or before that day, actuals to then, no pool) against the year's booked result."""
    booked, made = [], []
    complete = complete_years(actuals, snaps, year)
    for past in range(year - 3, year):
        fc = forecast_made_at(municipality, area, past, _same_day(as_of, past), actuals, transitions, snaps, rules)
        if fc is None or past not in complete:
            continue
        made.append(fc.by_measure().sum(axis=1).rename("amount").reset_index().assign(year=past))
        booked.append(booked_by_measure(municipality, area, past, actuals, transitions, snaps, rules).assign(year=past))
    if not made:
        return pd.Series(dtype=float, name="pool").rename_axis("measure")
    return forecast.suggested_pool(pd.concat(booked, ignore_index=True), pd.concat(made, ignore_index=True))


def booked_by_measure(
    municipality: str,
    area: str,
    year: int,
    actuals: pd.DataFrame,
    transitions: pd.DataFrame,
    snaps: list[dt.date],
    rules: forecast.Rules,
) -> pd.DataFrame:
    """A complete year's booked result per measure (measure, amount), its lines placed as the forecast places them: by
    their measure, and a line without one as the forecast made on 31 December shares it (within its account function,
    else unplaced), so the pool and the backtest compare like with like."""
    rows = actuals[actuals["month"].str.startswith(str(year))]
    fc = (
        forecast_made_at(municipality, area, year, dt.date(year, 12, 31), actuals, transitions, snaps, rules)
        if rows["measure"].isna().any()
        else None
    )
    if fc is None:  # every line has its measure (or no snapshot to share by): by the lines' own measures
        return (
            rows.assign(measure=rows["measure"].fillna(forecast.UNPLACED))
            .groupby("measure", as_index=False)["amount"]
            .sum()
        )
    booked = fc.monthly[fc.monthly["booked"]]
    return (
        booked.assign(measure=booked["case"].map(fc.cases["measure"]))
        .groupby("measure", as_index=False)["current"]
        .sum()
        .rename(columns={"current": "amount"})
    )


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
    reference_rules = rules_for(municipality, area)
    periods, engine = engine_periods(municipality, area, snapshot, transitions)
    actuals = marts.actuals(municipality, area)
    pool = pool_at(municipality, area, year, as_of, actuals, transitions, snaps, reference_rules)
    result = forecast.forecast(engine, year, as_of, actuals, float(pool.sum()), rules=reference_rules)
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
        dict(zip(measures["measure"], measures["label_da"])) | {forecast.UNPLACED: UNPLACED_LABEL},
        reference_rules,
        _of_year(marts.actuals(municipality, None), year, as_of),
    )


def _of_year(actuals: pd.DataFrame, year: int, as_of: dt.date) -> pd.DataFrame:
    """Booking lines of the year's months to the as-of date."""
    months = actuals["month"]
    return actuals[months.str.startswith(str(year)) & (months <= f"{as_of:%Y-%m}")].reset_index(drop=True)


def change(before: ExpectedResult, after: ExpectedResult) -> dict:
    """From last month's expected result to this month's: one item per case whose year amount changed (with a reason)
    and the pool's change per sub-area; in whole øre, so `before_total` + the items + the pool change = `after_total`."""
    b, a = forecast.case_amounts(before.result), forecast.case_amounts(after.result)
    cases = forecast.itemise(
        (b["current"] + b["expected"]).set_axis(pd.MultiIndex.from_frame(b[forecast.KEY])),
        (a["current"] + a["expected"]).set_axis(pd.MultiIndex.from_frame(a[forecast.KEY])),
        before.result.periods,
        after.result.periods,
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
