"""Individual-based commitment accounting (dispositionsregnskab): the year's expected result built case by case.

The rules (docs/forecast.md has worked examples): a case (citizen x measure) has one or more periods, each
with a rate per `day` or per `month` and inclusive start and end dates (no end: open-ended). A `day` rate
costs rate x days in the month; a `month` rate costs the rate for a whole month and rate x covered days /
days in the month for a part. `expected` periods count with their probability, `current` ones fully.
With an as-of date the year splits at the last month-end on or before it; booked actuals replace the
computed amount of that case and month up to there. The next year and three shadow-budget years follow
the same rules. Vectorised over periods: one pass per month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OPEN_END = np.iinfo(np.int64).max // 2
SHADOW_YEARS = 3
KEY = ["case_id", "measure"]


def month_grid(year: int) -> list[tuple[str, int, int, int]]:
    """(YYYY-MM, first day, last day, days) for the 12 months of a year, days as integers since 1970-01-01."""
    out = []
    for m in range(1, 13):
        days = calendar.monthrange(year, m)[1]
        first = (dt.date(year, m, 1) - dt.date(1970, 1, 1)).days
        out.append((f"{year}-{m:02d}", first, first + days - 1, days))
    return out


def _days(values: pd.Series, open_value: int | None = None) -> np.ndarray:
    """Dates as integer days since 1970-01-01; missing (open-ended) as `open_value`."""
    dates = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    ints = dates.astype("int64")
    if open_value is not None:
        ints = np.where(np.isnat(dates), open_value, ints)
    return ints


@dataclass
class Forecast:
    """The forecast of a year: per case and month, and the totals the CLI and report show."""

    year: int
    as_of: dt.date | None
    months: list[str]
    cases: pd.DataFrame  # one row per case (case_id, measure): status, year_total, to_date, rest_of_year, next years
    monthly: (
        pd.DataFrame
    )  # one row per case and month of the year: current, expected, booked (True where actuals replaced)
    pool: float = 0.0
    overlaps: list[dict] = field(default_factory=list)

    @property
    def current_total(self) -> float:
        return float(self.monthly["current"].sum())

    @property
    def expected_total(self) -> float:
        return float(self.monthly["expected"].sum())

    @property
    def forecast_total(self) -> float:
        return self.current_total + self.expected_total + self.pool

    def by_month(self) -> pd.Series:
        """current + expected per month (YYYY-MM), pool excluded."""
        amount = self.monthly["current"] + self.monthly["expected"]
        return amount.groupby(self.monthly["month"].astype(str)).sum().reindex(self.months, fill_value=0.0)

    def by_measure(self) -> pd.DataFrame:
        """current and expected per measure for the year (actuals included), pool excluded."""
        measure = self.monthly["case"].map(self.cases["measure"])
        return self.monthly[["current", "expected"]].groupby(measure).sum().rename_axis("measure")

    def as_json(self) -> dict:
        """The CLI's JSON: totals, 12 months and one entry per case (amounts in kr. to the øre)."""
        cases = self.cases.assign(
            **{c: self.cases[c].round(2) for c in ("year_total", "next_year_total", "to_date", "rest_of_year")}
        )
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "current_total": round(self.current_total, 2),
            "expected_total": round(self.expected_total, 2),
            "pool": round(self.pool, 2),
            "forecast_total": round(self.forecast_total, 2),
            "months": {m: round(float(v), 2) for m, v in self.by_month().items()},
            "cases": cases[
                ["case_id", "measure", "status", "year_total", "next_year_total", "to_date", "rest_of_year"]
            ].to_dict(orient="records"),
            "overlaps": self.overlaps,
        }


def _amounts(
    start: np.ndarray,
    end: np.ndarray,
    rate: np.ndarray,
    per_day: np.ndarray,
    weight: np.ndarray,
    first: int,
    last: int,
    days: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Each period's amount and (weighted) covered days in one month."""
    covered = np.clip(np.minimum(end, last) - np.maximum(start, first) + 1, 0, None).astype(float)
    amount = rate * covered * np.where(per_day, 1.0, 1.0 / days) * weight
    return amount, covered * weight


def overlapping_periods(periods: pd.DataFrame, codes: np.ndarray, start: np.ndarray, end: np.ndarray) -> list[dict]:
    """Periods of the same case (citizen and measure) that overlap: reported, since they would be costed twice."""
    order = np.lexsort((start, codes))
    same = codes[order][1:] == codes[order][:-1]
    hit = order[1:][same & (start[order][1:] <= end[order][:-1])]
    rows = periods.iloc[np.sort(hit)]
    return [
        {"case_id": r.case_id, "measure": r.measure, "start_date": pd.Timestamp(r.start_date).date().isoformat()}
        for r in rows.itertuples()
    ]


@dataclass
class _Periods:
    """Case periods as arrays: each period's case number (`codes`, 0..n-1; by default in order of first appearance)
    and its terms."""

    frame: pd.DataFrame
    codes: np.ndarray
    n: int
    first_rows: np.ndarray
    start: np.ndarray
    end: np.ndarray
    rate: np.ndarray
    per_day: np.ndarray
    expected: np.ndarray
    weight: np.ndarray

    @classmethod
    def of(cls, periods: pd.DataFrame, codes: np.ndarray | None = None, n: int | None = None) -> _Periods:
        """`codes` and `n`: case numbers shared with another extract (the diff's), instead of this extract's own."""
        p = periods.reset_index(drop=True)
        codes = p.groupby(KEY, sort=False).ngroup().to_numpy() if codes is None else codes
        expected = (p["status"] == "expected").to_numpy()
        probability = (
            pd.to_numeric(p.get("probability", pd.Series(1.0, index=p.index))).fillna(1.0).to_numpy(dtype=float)
        )
        first_rows = np.unique(codes, return_index=True)[1]
        return cls(
            p,
            codes,
            len(first_rows) if n is None else n,
            first_rows,
            _days(p["start_date"]),
            _days(p["end_date"], OPEN_END),
            pd.to_numeric(p["rate"]).to_numpy(dtype=float),
            (p["rate_unit"] == "day").to_numpy(),
            expected,
            np.where(expected, probability, 1.0),
        )

    def months(self, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per case and month of `year`: the current and the expected amount (cases x 12), and the weighted days covered."""
        n = self.n
        current, expect, days_covered = np.zeros((n, 12)), np.zeros((n, 12)), np.zeros(n)
        for j, (_, first, last, days) in enumerate(month_grid(year)):
            amount, covered = _amounts(self.start, self.end, self.rate, self.per_day, self.weight, first, last, days)
            current[:, j] = np.bincount(self.codes, np.where(self.expected, 0.0, amount), minlength=n)
            expect[:, j] = np.bincount(self.codes, np.where(self.expected, amount, 0.0), minlength=n)
            days_covered += np.bincount(self.codes, covered, minlength=n)
        return current, expect, days_covered


def forecast(
    periods: pd.DataFrame,
    year: int,
    as_of: dt.date | None = None,
    actuals: pd.DataFrame | None = None,
    pool: float = 0.0,
    shadow_years: int = SHADOW_YEARS,
) -> Forecast:
    """The forecast of `year` from case periods (columns case_id, measure, rate, rate_unit, start_date, end_date,
    status, probability), with booked actuals (case_id, [measure,] month YYYY-MM, amount) replacing computed
    months up to `as_of`, and the next year and `shadow_years` more computed by the same rules."""
    arrays = _Periods.of(periods)
    p, codes, first_rows, start, end = arrays.frame, arrays.codes, arrays.first_rows, arrays.start, arrays.end
    rate, per_day, expected, weight = arrays.rate, arrays.per_day, arrays.expected, arrays.weight
    n = len(first_rows)

    months = month_grid(year)
    current, expect, days_covered = arrays.months(year)
    later = []
    for k in range(1, shadow_years + 2):
        total = np.zeros(n)
        for _, first, last, days in month_grid(year + k):
            total += np.bincount(codes, _amounts(start, end, rate, per_day, weight, first, last, days)[0], minlength=n)
        later.append(total)

    cases = p.loc[first_rows, KEY].reset_index(drop=True)
    has_current = np.bincount(codes, ~expected, minlength=n) > 0
    cases["status"] = np.where(has_current, "current", "expected")
    for col in ("area", "municipality_code"):
        if col in p:
            cases[col] = p[col].to_numpy()[first_rows]
    cases["days_in_year"] = days_covered
    for k, total in enumerate(later, start=1):
        cases["next_year_total" if k == 1 else f"shadow_{k - 1}_total"] = total

    month_names = [m[0] for m in months]
    monthly = pd.DataFrame(
        {
            "case": np.repeat(np.arange(n), 12),
            "month": pd.Categorical.from_codes(np.tile(np.arange(12), n), categories=month_names),
            "current": current.ravel(),
            "expected": expect.ravel(),
            "booked": False,
        }
    )
    cutoff = _cutoff(year, as_of)
    if actuals is not None and cutoff:
        monthly, cases = _apply_actuals(monthly, cases, actuals, month_names[:cutoff], n)
    amount = monthly["current"] + monthly["expected"]
    to_date = monthly["month"].isin(month_names[:cutoff])
    cases["year_total"] = amount.groupby(monthly["case"]).sum().reindex(range(len(cases)), fill_value=0.0).to_numpy()
    cases["to_date"] = (
        amount[to_date]
        .groupby(monthly.loc[to_date, "case"])
        .sum()
        .reindex(range(len(cases)), fill_value=0.0)
        .to_numpy()
    )
    cases["rest_of_year"] = cases["year_total"] - cases["to_date"]
    return Forecast(year, as_of, month_names, cases, monthly, float(pool), overlapping_periods(p, codes, start, end))


def _cutoff(year: int, as_of: dt.date | None) -> int:
    """How many months of `year` are to date: those ending on or before the as-of date."""
    if as_of is None:
        return 0
    if as_of.year != year:
        return 12 if as_of.year > year else 0
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    return as_of.month if as_of.day == last_day else as_of.month - 1


def _apply_actuals(
    monthly: pd.DataFrame, cases: pd.DataFrame, actuals: pd.DataFrame, to_date: list[str], n: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Booked amounts replace the computed ones for the months to date; bookings on cases not in the
    extract are added as current cases (money already spent). Without a measure, a booking is shared
    over the citizen's measures in proportion to their computed amounts that month (equally if none)."""
    booked = actuals[actuals["month"].isin(to_date)].copy()
    if booked.empty:
        return monthly, cases
    by_measure = "measure" in booked and booked["measure"].notna().all()
    keys = KEY if by_measure else ["case_id"]
    booked = booked.groupby([*keys, "month"], as_index=False)["amount"].sum()
    frame = monthly.assign(
        case_id=monthly["case"].map(cases["case_id"]),
        measure=monthly["case"].map(cases["measure"]),
        month=monthly["month"].astype(str),
    )
    frame = frame.merge(booked, on=[*keys, "month"], how="left")
    hit = frame["amount"].notna()
    computed = frame["current"] + frame["expected"]
    group = frame.groupby([*keys, "month"])
    total = group["current"].transform("sum") + group["expected"].transform("sum")
    share = np.where(total > 0, computed / total.where(total > 0, 1.0), 1.0 / group["case"].transform("count"))
    value = frame["amount"] * share
    is_current = frame["case"].map(cases["status"]).eq("current")
    frame.loc[hit, "current"] = np.where(is_current[hit], value[hit], 0.0)
    frame.loc[hit, "expected"] = np.where(is_current[hit], 0.0, value[hit])
    frame.loc[hit, "booked"] = True
    monthly = frame[["case", "month", "current", "expected", "booked"]]
    known = booked.merge(cases[keys].drop_duplicates(), on=keys, how="left", indicator=True)
    unknown = known[known["_merge"] == "left_only"].drop(columns="_merge")
    if not unknown.empty:
        extra = unknown[keys].drop_duplicates().reset_index(drop=True)
        if "measure" not in extra:
            extra["measure"] = "ukendt"
        extra = extra.assign(status="current", days_in_year=0.0, **{c: 0.0 for c in cases if c.endswith("_total")})
        extra.index = range(n, n + len(extra))
        cases = pd.concat([cases, extra], ignore_index=False)
        index = extra.reset_index().set_index(keys)["index"]
        rows = unknown.assign(
            case=[index[tuple(k) if len(keys) > 1 else k[0]] for k in unknown[keys].itertuples(index=False)]
        )
        monthly = pd.concat(
            [
                monthly,
                pd.DataFrame(
                    {
                        "case": rows["case"],
                        "month": rows["month"],
                        "current": rows["amount"],
                        "expected": 0.0,
                        "booked": True,
                    }
                ),
            ],
            ignore_index=True,
        )
    return monthly, cases.reset_index(drop=True)


# ---------------------------------------------------------------- change since last month

REASONS = (
    "new case",
    "ended",
    "end date moved",
    "start moved",
    "rate changed",
    "status or probability changed",
    "several",
    "booked",
)


def _ore(values: np.ndarray) -> np.ndarray:
    """Kroner to whole øre (integers), so totals and their parts add up exactly."""
    return (values * 100).round().astype("int64")


def _year_totals(periods: _Periods, year: int) -> np.ndarray:
    """Each case's amount in `year` (current and expected, before any booked actuals), summed over the months as
    forecast() sums them, so a case's total is the same to the last bit: without the later years and overlaps."""
    current, expect, _ = periods.months(year)
    return pd.Series((current + expect).ravel()).groupby(np.repeat(np.arange(periods.n), 12)).sum().to_numpy()


def _case_codes(before: pd.DataFrame, after: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """One number per case (case_id and measure) across both extracts: each period's number in either, and the cases."""
    keys = pd.concat([before[KEY], after[KEY]], ignore_index=True)
    ids, id_values = pd.factorize(keys["case_id"])
    measures, measure_values = pd.factorize(keys["measure"])
    codes, pairs = pd.factorize(ids.astype(np.int64) * len(measure_values) + measures)  # integers factorize fast
    cases = pd.DataFrame(
        {
            "case_id": np.asarray(id_values)[pairs // len(measure_values)],
            "measure": np.asarray(measure_values)[pairs % len(measure_values)],
        }
    )
    return codes[: len(before)], codes[len(before) :], cases


def _multiset_changed(before: pd.DataFrame, after: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Per case (in both extracts): True where its periods' values of `columns`, counted as a multiset, differ."""
    counts = pd.concat(
        [
            before.groupby([*KEY, *columns], dropna=False).size().rename("before"),
            after.groupby([*KEY, *columns], dropna=False).size().rename("after"),
        ],
        axis=1,
    ).fillna(0)
    return (counts["before"] != counts["after"]).groupby(level=KEY).any()


def reasons(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Why each case's forecast changed, from its periods before and after; indexed by case_id and measure.

    One reason when exactly one thing changed: the case is new, it ended (no periods left, or its open end got a date),
    its last end date moved, its first start moved, its rates (with units) or its statuses and probabilities changed;
    otherwise "several"."""

    def terms(periods: pd.DataFrame) -> pd.DataFrame:
        end = pd.to_datetime(periods["end_date"])
        frame = periods.assign(start_date=pd.to_datetime(periods["start_date"]), end_date=end, open=end.isna())
        return frame.groupby(KEY).agg(
            first_start=("start_date", "min"), last_end=("end_date", "max"), open=("open", "any")
        )

    tb, ta = terms(before), terms(after)
    keys = tb.index.union(ta.index)
    out = pd.Series("several", index=keys, dtype=object)
    both = tb.index.intersection(ta.index)
    b, a = tb.loc[both], ta.loc[both]
    ended = b["open"] & ~a["open"]
    found = pd.DataFrame(
        {
            "ended": ended,
            "end date moved": ~ended
            & ~(b["open"] & a["open"])
            & ((b["open"] != a["open"]) | (b["last_end"] != a["last_end"])),
            "start moved": b["first_start"] != a["first_start"],
            "rate changed": _multiset_changed(before, after, ["rate", "rate_unit"]).reindex(both),
            "status or probability changed": _multiset_changed(
                before.assign(probability=pd.to_numeric(before["probability"]).fillna(1.0)),
                after.assign(probability=pd.to_numeric(after["probability"]).fillna(1.0)),
                ["status", "probability"],
            ).reindex(both),
        }
    )
    single = found.sum(axis=1) == 1
    out.loc[both[single.to_numpy()]] = found[single].idxmax(axis=1).to_numpy()
    out.loc[tb.index.difference(ta.index)] = "ended"
    out.loc[ta.index.difference(tb.index)] = "new case"
    return out


def diff(before: pd.DataFrame, after: pd.DataFrame, year: int, as_of: dt.date | None = None) -> dict:
    """The change in the year's forecast between two case extracts, one item per changed case with a reason.

    Amounts are summed in whole øre, so the items add up exactly to the change. `as_of` does not change a year's total
    (it splits the year at a month-end; without booked actuals nothing is replaced), so the totals are computed for
    the whole year and only the changed cases get a reason: a national extract (300,000 periods) in about the time of
    one forecast."""
    del as_of  # kept for the callers: the year's totals are the same at any as-of date without actuals
    codes_before, codes_after, cases = _case_codes(before, after)
    n = len(cases)
    totals = [
        _ore(_year_totals(_Periods.of(frame, codes, n), year))
        for frame, codes in ((before, codes_before), (after, codes_after))
    ]
    change = totals[1] - totals[0]  # a case missing from one extract counts 0 there
    hit = np.flatnonzero(change)
    changed = cases.iloc[hit].assign(change=change[hit]).sort_values(KEY)
    why = reasons(before[np.isin(codes_before, hit)], after[np.isin(codes_after, hit)])
    why = why.reindex(pd.MultiIndex.from_frame(changed[KEY]))
    items = [
        {"case_id": case_id, "measure": measure, "change": int(amount) / 100, "reason": reason}
        for case_id, measure, amount, reason in zip(changed["case_id"], changed["measure"], changed["change"], why)
    ]
    return {
        "before_total": int(totals[0].sum()) / 100,
        "after_total": int(totals[1].sum()) / 100,
        "change": int(change.sum()) / 100,
        "items": items,
    }


def itemise(b: pd.Series, a: pd.Series, before: pd.DataFrame, after: pd.DataFrame) -> dict:
    """Per case (index case_id, measure) year totals before and after, as øre-exact items with the reason from the
    periods ("booked" where the periods are the same and a month's booking replaced its computed amount)."""
    both = pd.concat([_ore(b).rename("before"), _ore(a).rename("after")], axis=1).fillna(0).astype("int64")
    both["change"] = both["after"] - both["before"]
    changed = both[both["change"] != 0].sort_index()
    keys = changed.index
    b_rows, a_rows = before.merge(keys.to_frame(index=False), on=KEY), after.merge(keys.to_frame(index=False), on=KEY)
    why = reasons(b_rows, a_rows).reindex(keys)
    columns = [
        c
        for c in ("start_date", "end_date", "rate", "rate_unit", "status", "probability")
        if c in b_rows and c in a_rows
    ]
    same = ~_multiset_changed(b_rows, a_rows, columns).reindex(keys, fill_value=True)
    why = why.where(~same.to_numpy(), "booked")  # the same periods: a month's booking replaced the computed amount
    items = [
        {"case_id": case_id, "measure": measure, "change": int(amount) / 100, "reason": reason}
        for (case_id, measure), amount, reason in zip(keys, changed["change"], why)
    ]
    return {
        "before_total": int(both["before"].sum()) / 100,
        "after_total": int(both["after"].sum()) / 100,
        "change": int(both["change"].sum()) / 100,
        "items": items,
    }


# ---------------------------------------------------------------- deviation from budget


def budget_deviation(fc: Forecast, budget: pd.DataFrame) -> pd.DataFrame:
    """Per measure: forecast against budget, split into a quantity and a price effect that add up exactly.

    Full-year-equivalent cases = case-days in the year (expected ones weighted) / days in the year; the
    forecast price is forecast / full-year cases; the budget price is budget amount / budgeted cases.
    quantity effect = (full-year cases - budgeted cases) x budget price, taken first, at the budget price;
    price effect = full-year cases x (forecast price - budget price), at the forecast quantity.
    """
    days_in_year = 366 if calendar.isleap(fc.year) else 365
    amount = fc.by_measure().sum(axis=1)
    cases = fc.cases.groupby("measure")["days_in_year"].sum() / days_in_year
    b = budget.set_index("measure")
    out = (
        pd.DataFrame({"forecast": amount, "full_year_cases": cases})
        .join(b[["amount", "cases"]].rename(columns={"amount": "budget", "cases": "budget_cases"}), how="outer")
        .fillna(0.0)
    )
    out["deviation"] = out["forecast"] - out["budget"]
    out["budget_price"] = out["budget"] / out["budget_cases"].where(out["budget_cases"] > 0)
    out["forecast_price"] = out["forecast"] / out["full_year_cases"].where(out["full_year_cases"] > 0)
    out["quantity_effect"] = ((out["full_year_cases"] - out["budget_cases"]) * out["budget_price"]).fillna(
        out["forecast"] - out["budget"]
    )
    out["price_effect"] = out["deviation"] - out["quantity_effect"]
    return out.rename_axis("measure").reset_index()


# ---------------------------------------------------------------- the expected result and its pool

RESULT_COLUMNS = ["sub_area", "current", "expected", "pool", "expected_result", "budget", "deviation"]


def case_amounts(fc: Forecast) -> pd.DataFrame:
    """Per case (case_id, measure): current and expected amounts of the year, each rounded to whole øre, so every
    sum built from them (sub-area, total, change since last month) adds up exactly."""
    sums = fc.monthly.groupby("case")[["current", "expected"]].sum().reindex(range(len(fc.cases)), fill_value=0.0)
    out = fc.cases[KEY].copy()
    for col in ("current", "expected"):
        out[col] = _ore(sums[col]).to_numpy() / 100
    return out


def expected_result(fc: Forecast, budget: pd.DataFrame, pool: pd.Series) -> pd.DataFrame:
    """Per sub-area (measure): current + expected + pool = expected result; the budget; deviation = expected result -
    budget (positive = overspend). Summed in whole øre; sub-areas with only a budget or only a pool are kept."""
    cases = case_amounts(fc)
    ore = pd.DataFrame(
        {"current": _ore(cases["current"]), "expected": _ore(cases["expected"]), "measure": cases["measure"]}
    )
    table = ore.groupby("measure")[["current", "expected"]].sum()
    table = table.join(_ore(pool.astype(float)).rename("pool"), how="outer")
    table = table.join(_ore(budget.set_index("measure")["amount"].astype(float)).rename("budget"), how="outer")
    table = table.fillna(0).astype("int64")
    table["expected_result"] = table["current"] + table["expected"] + table["pool"]
    table["deviation"] = table["expected_result"] - table["budget"]
    return (table / 100).rename_axis("sub_area").reset_index()[RESULT_COLUMNS]


def suggested_pool(booked: pd.DataFrame, forecasts: pd.DataFrame) -> pd.Series:
    """The pool per measure: the mean over earlier complete years of (booked year result - the forecast made at the
    same month-end of that year, without pool).

    `booked` and `forecasts` have columns year, measure, amount; the years are those of `forecasts`. A measure
    missing from one side in a year counts 0 there, and a year in which a measure has neither counts 0 in its mean.
    """
    years = sorted(forecasts["year"].unique())
    if not years:
        return pd.Series(dtype=float, name="pool").rename_axis("measure")

    def wide(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["year"].isin(years)]
        return frame.pivot_table(index="measure", columns="year", values="amount", aggfunc="sum").reindex(columns=years)

    gap = wide(booked).sub(wide(forecasts), fill_value=0.0).fillna(0.0)
    return gap.mean(axis=1).rename("pool")


# ---------------------------------------------------------------- inflow and outflow


def transitions_as_cases(transitions: pd.DataFrame) -> pd.DataFrame:
    """Young people listed by the children's area as expected adult cases from their transition date
    (monthly rate = annual cost / 12, probability from the list, open-ended)."""
    t = transitions[transitions["expected_measure"].notna() & (transitions["probability"] > 0)]
    return pd.DataFrame(
        {
            "case_id": t["case_id"],
            "measure": t["expected_measure"],
            "rate": pd.to_numeric(t["annual_cost_kr"]) / 12,
            "rate_unit": "month",
            "start_date": pd.to_datetime(t["expected_transition_date"]),
            "end_date": pd.NaT,
            "status": "expected",
            "probability": t["probability"],
            "area": "adults",
            "source": "overgang",
        }
    )


def end_at_65(periods: pd.DataFrame, birth_dates: pd.Series) -> pd.DataFrame:
    """Adult periods end the day before the citizen turns 65 (moved to the elderly area), where a municipality does so."""
    born = pd.to_datetime(birth_dates)
    turns_65 = born + pd.DateOffset(years=65)
    last_day = turns_65 - pd.Timedelta(days=1)
    end = pd.to_datetime(periods["end_date"])
    capped = end.isna() | (end > last_day)
    out = periods.copy()
    out["end_date"] = end.where(~(capped & last_day.notna()), last_day)
    return out[pd.to_datetime(out["start_date"]) <= pd.to_datetime(out["end_date"]).fillna(pd.Timestamp.max)]
