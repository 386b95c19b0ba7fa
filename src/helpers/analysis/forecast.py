"""Individual-based commitment accounting (dispositionsregnskab): the year's expected result built case by case.

The rules (docs/forecast.md has worked examples): a case (citizen x measure) has one or more periods, each
with a rate as the case system gives it (per `day`, `week`, `month` or `year`, or `one_off` for the whole period)
and inclusive start and end dates (no end: open-ended). A `month` rate costs the rate for a whole month and
rate x covered days / days in the month for a part; the others cost a daily rate (week / 7, year / 365, a one-off
amount over its days) x the days in the month. `expected` periods count with their probability, `current` ones
fully; an ended period without an end date is costed to the as-of date. With an as-of date the year splits at the
last month-end on or before it; booked actuals replace the computed amounts up to there, line by line. The next
year and three shadow-budget years follow the same rules. Vectorised over periods: one pass per month.
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
RATE_UNITS = ("day", "week", "month", "year", "one_off")  # as the case system gives the rate; month by the month rule
PER_DAY = {"day": 1.0, "week": 7.0, "year": 365.0}  # a daily rate is rate / this (one_off: / the period's days)
UNPLACED = "ikke_placeret"  # the sub-area of booked money that no measure of the citizen could take


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
    cases: pd.DataFrame  # one row per case (case_id, measure): status, year_total, to_date, rest_of_year, later years
    monthly: (
        pd.DataFrame
    )  # one row per case and month of the year: current, expected, booked (True where actuals replaced)
    pool: float = 0.0
    overlaps: list[dict] = field(default_factory=list)
    periods: pd.DataFrame | None = None  # the periods as costed: ended ones closed, expected ones with bookings current
    unplaced: pd.DataFrame | None = None  # booking lines no measure of the citizen could take (case_id, month, amount)
    ended_without_end: list[dict] = field(
        default_factory=list
    )  # ended lines without an end date, costed to the as-of date

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

    def later_years(self) -> dict[int, str]:
        """{year: column of `cases`} for the next year and the shadow-budget years."""
        columns = [
            c for c in self.cases if c == "next_year_total" or (c.startswith("shadow_") and c.endswith("_total"))
        ]
        return {self.year + 1 + (int(c.split("_")[1]) if c.startswith("shadow_") else 0): c for c in columns}

    def as_json(self) -> dict:
        """The CLI's JSON: totals, 12 months, the later years and one entry per case (amounts in kr. to the øre)."""
        cases = self.cases.assign(
            **{c: self.cases[c].round(2) for c in ("year_total", "next_year_total", "to_date", "rest_of_year")}
        )
        later = {year: int(_ore(self.cases[c]).sum()) / 100 for year, c in self.later_years().items()}
        unplaced = self.unplaced if self.unplaced is not None else pd.DataFrame(columns=["case_id", "month", "amount"])
        ore = case_amounts(self)  # each case to the øre, summed: the totals the warehouse path gives too
        current, expected, pool = (
            int(_ore(ore["current"]).sum()),
            int(_ore(ore["expected"]).sum()),
            round(self.pool * 100),
        )
        return {
            "year": self.year,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "current_total": current / 100,
            "expected_total": expected / 100,
            "pool": pool / 100,
            "forecast_total": (current + expected + pool) / 100,
            "months": {m: round(float(v), 2) for m, v in self.by_month().items()},
            "next_year_total": later.get(self.year + 1, 0.0),
            "shadow_years": {str(y): v for y, v in later.items() if y > self.year + 1},
            "cases": cases[
                ["case_id", "measure", "status", "year_total", "next_year_total", "to_date", "rest_of_year"]
            ].to_dict(orient="records"),
            "overlaps": self.overlaps,
            "unplaced": unplaced.assign(amount=unplaced["amount"].astype(float).round(2)).to_dict(orient="records"),
            "ended_without_end_date": self.ended_without_end,
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


def daily_rates(rate: np.ndarray, unit: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The rate a period costs per day, as the rules give it (a `month` rate stays per month): week / 7, year / 365, a
    one-off amount / the days from start to end. An unknown unit is an error, never a guess."""
    unknown = sorted(set(unit.tolist()) - set(RATE_UNITS))
    if unknown:
        raise ValueError(f"rate_unit must be one of {', '.join(RATE_UNITS)}, not {', '.join(map(repr, unknown))}")
    days = np.where(end >= OPEN_END, np.inf, end - start + 1).astype(float)
    divisor = np.select([unit == u for u in PER_DAY] + [unit == "one_off"], [*PER_DAY.values(), days], 1.0)
    return rate / divisor


@dataclass
class _Periods:
    """Case periods as arrays: each period's case number (`codes`, 0..n-1; by default in order of first appearance)
    and its terms (`rate` per day, or per month where `per_day` is False)."""

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
        start, end = _days(p["start_date"]), _days(p["end_date"], OPEN_END)
        unit = p["rate_unit"].to_numpy(dtype=object)
        return cls(
            p,
            codes,
            len(first_rows) if n is None else n,
            first_rows,
            start,
            end,
            daily_rates(pd.to_numeric(p["rate"]).to_numpy(dtype=float), unit, start, end),
            unit != "month",
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

    def year_total(self, year: int) -> np.ndarray:
        """Each case's amount in a later year (the next year, a shadow-budget year): no actuals."""
        total = np.zeros(self.n)
        for _, first, last, days in month_grid(year):
            amount = _amounts(self.start, self.end, self.rate, self.per_day, self.weight, first, last, days)[0]
            total += np.bincount(self.codes, amount, minlength=self.n)
        return total


def close_ended(periods: pd.DataFrame, as_of: dt.date | None) -> tuple[pd.DataFrame, list[dict]]:
    """Ended lines (status `ended`, or the warehouse's `ended` flag) count as current until their end date; those without
    one end on the as-of date, not never (without an as-of date they are not costed: the day before their start).
    Returns the periods (status current or expected) and one finding per line closed so."""
    if periods.empty:
        return periods, []
    ended = periods["status"].eq("ended")
    if "ended" in periods:
        ended |= periods["ended"].fillna(False).astype(bool)
    hit = ended & pd.to_datetime(periods["end_date"]).isna()
    out = periods.assign(status=periods["status"].where(~periods["status"].eq("ended"), "current"))
    if not hit.any():
        return out, []
    start = pd.to_datetime(periods.loc[hit, "start_date"])
    day_before = start - pd.Timedelta(days=1)
    end = pd.Series(pd.Timestamp(as_of), index=start.index).clip(lower=day_before) if as_of else day_before
    out["end_date"] = pd.to_datetime(out["end_date"])
    out.loc[hit, "end_date"] = end
    findings = [
        {
            "case_id": r.case_id,
            "measure": r.measure,
            "start_date": pd.Timestamp(r.start_date).date().isoformat(),
            "costed_to": as_of.isoformat() if as_of else None,
        }
        for r in periods[hit].itertuples()
    ]
    return out, findings


def forecast(
    periods: pd.DataFrame,
    year: int,
    as_of: dt.date | None = None,
    actuals: pd.DataFrame | None = None,
    pool: float = 0.0,
    shadow_years: int = SHADOW_YEARS,
    rules: Rules | None = None,
) -> Forecast:
    """The forecast of `year` from case periods (columns case_id, measure, rate, rate_unit, start_date, end_date,
    status, probability; optionally ended, and area and birth_date for the age limits), with booked actuals (case_id,
    [measure,] [function,] month YYYY-MM, amount) replacing computed months up to `as_of` line by line, and the next
    year and `shadow_years` more computed by the same rules. `rules`: the reference rules (age limits; a booking without
    a measure stays within its account function's measures)."""
    rules = rules or Rules()
    periods, ended = close_ended(periods, as_of)
    periods = rules.apply(periods)
    cutoff = _cutoff(year, as_of)
    to_date = [m[0] for m in month_grid(year)][:cutoff]
    booked = (
        actuals[actuals["month"].isin(to_date)].copy()
        if actuals is not None and cutoff
        else pd.DataFrame(columns=["case_id", "measure", "month", "amount"])
    )
    fc = _forecast(periods, year, as_of, booked, pool, shadow_years, rules.function_measures)
    started = fc.cases.loc[fc.cases["status"].eq("expected") & fc.cases["has_booking"], KEY]
    if len(started):  # money booked on an expected case: it started, so its periods count as current from now on
        hit = pd.MultiIndex.from_frame(periods[KEY]).isin(pd.MultiIndex.from_frame(started))
        periods = periods.assign(status=periods["status"].where(~hit, "current"))
        fc = _forecast(periods, year, as_of, booked, pool, shadow_years, rules.function_measures)
    fc.ended_without_end = ended
    return fc


def _forecast(
    periods: pd.DataFrame,
    year: int,
    as_of: dt.date | None,
    booked: pd.DataFrame,
    pool: float,
    shadow_years: int,
    function_measures: dict[str, list[str]],
) -> Forecast:
    """One pass of the rules over the periods (forecast() makes a second when bookings show an expected case started)."""
    arrays = _Periods.of(periods)
    p, codes, first_rows = arrays.frame, arrays.codes, arrays.first_rows
    n = len(first_rows)
    month_names = [m[0] for m in month_grid(year)]
    current, expect, days_covered = arrays.months(year)

    cases = p.loc[first_rows, KEY].reset_index(drop=True)
    has_current = np.bincount(codes, ~arrays.expected, minlength=n) > 0
    cases["status"] = np.where(has_current, "current", "expected")
    for col in ("area", "municipality_code"):
        if col in p:
            cases[col] = p[col].to_numpy()[first_rows]
    cases["days_in_year"] = days_covered
    for k in range(1, shadow_years + 2):
        cases["next_year_total" if k == 1 else f"shadow_{k - 1}_total"] = arrays.year_total(year + k)

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
    monthly, cases, unplaced = _apply_actuals(monthly, cases, booked, n, function_measures)
    # an expected case with nothing booked in a month to date did not start then: nothing to date
    to_date = monthly["month"].isin(month_names[:cutoff])
    monthly.loc[to_date & ~monthly["booked"], "expected"] = 0.0
    amount = monthly["current"] + monthly["expected"]
    cases["year_total"] = amount.groupby(monthly["case"]).sum().reindex(range(len(cases)), fill_value=0.0).to_numpy()
    cases["to_date"] = (
        amount[to_date]
        .groupby(monthly.loc[to_date, "case"])
        .sum()
        .reindex(range(len(cases)), fill_value=0.0)
        .to_numpy()
    )
    cases["rest_of_year"] = cases["year_total"] - cases["to_date"]
    cases["has_booking"] = (
        monthly["booked"].groupby(monthly["case"]).any().reindex(range(len(cases)), fill_value=False).to_numpy()
    )
    overlaps = overlapping_periods(p, codes, arrays.start, arrays.end)
    return Forecast(year, as_of, month_names, cases, monthly, float(pool), overlaps, p, unplaced)


def _cutoff(year: int, as_of: dt.date | None) -> int:
    """How many months of `year` are to date: those ending on or before the as-of date."""
    if as_of is None:
        return 0
    if as_of.year != year:
        return 12 if as_of.year > year else 0
    last_day = calendar.monthrange(as_of.year, as_of.month)[1]
    return as_of.month if as_of.day == last_day else as_of.month - 1


def _apply_actuals(
    monthly: pd.DataFrame,
    cases: pd.DataFrame,
    booked: pd.DataFrame,
    n: int,
    function_measures: dict[str, list[str]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Booking lines of the months to date, line by line: several lines of a case (or of a citizen without a measure)
    in a month are summed; with a measure they replace that case's month only (a case not in the extract is added:
    money spent); without one they are shared over the citizen's cases that month that have a computed amount and no
    booking of their own (of the line's account function, where it has one), in proportion to their computed amounts;
    a line no case can take is added under UNPLACED and listed. Booked money counts as current."""
    none = pd.DataFrame(columns=["case_id", "month", "function", "amount"])
    if booked.empty:
        return monthly, cases, none
    booked = booked.assign(
        measure=booked["measure"] if "measure" in booked else None,
        function=booked["function"] if "function" in booked else None,
    )
    has_measure = booked["measure"].notna()
    frame = monthly.assign(
        case_id=monthly["case"].map(cases["case_id"]),
        measure=monthly["case"].map(cases["measure"]),
        month=monthly["month"].astype(str),
    )
    # lines with a measure: that case's month only
    direct = booked[has_measure].groupby([*KEY, "month"], as_index=False)["amount"].sum()
    frame = frame.merge(direct.rename(columns={"amount": "direct"}), on=[*KEY, "month"], how="left")
    # lines without one: shared over the citizen's cases with a computed amount and no booking of their own that month
    loose = (
        booked[~has_measure]
        .assign(function=booked.loc[~has_measure, "function"].fillna(""))
        .groupby(["case_id", "function", "month"], as_index=False)["amount"]
        .sum()
    )
    frame["computed"] = frame["current"] + frame["expected"]
    frame["shared"] = np.nan
    unplaced = loose.iloc[0:0]
    if not loose.empty:
        loose["line"] = np.arange(len(loose))
        takers = loose.merge(
            frame.loc[frame["direct"].isna() & (frame["computed"] > 0), ["case_id", "measure", "month", "computed"]],
            on=["case_id", "month"],
        )
        allowed = [f == "" or m in function_measures.get(f, [m]) for f, m in zip(takers["function"], takers["measure"])]
        takers = takers[np.asarray(allowed, dtype=bool)]
        takers["share"] = takers["amount"] * takers["computed"] / takers.groupby("line")["computed"].transform("sum")
        shares = takers.groupby([*KEY, "month"], as_index=False)["share"].sum()
        frame = frame.drop(columns="shared").merge(
            shares.rename(columns={"share": "shared"}), on=[*KEY, "month"], how="left"
        )
        unplaced = loose[~loose["line"].isin(takers["line"])].drop(columns="line")
    hit = frame["direct"].notna() | frame["shared"].notna()
    value = frame["direct"].fillna(0.0) + frame["shared"].fillna(0.0)
    frame.loc[hit, "current"] = value[hit]
    frame.loc[hit, "expected"] = 0.0
    frame.loc[hit, "booked"] = True
    monthly = frame[["case", "month", "current", "expected", "booked"]]
    # bookings no case of the extract takes: new current cases (a measure not in the extract, or UNPLACED)
    unknown = ~pd.MultiIndex.from_frame(direct[KEY]).isin(pd.MultiIndex.from_frame(cases[KEY]))
    extra_lines = pd.concat(
        [direct[unknown], unplaced.assign(measure=UNPLACED)[[*KEY, "month", "amount"]]], ignore_index=True
    )
    if not extra_lines.empty:
        extra = extra_lines[KEY].drop_duplicates().reset_index(drop=True)
        extra = extra.assign(status="current", days_in_year=0.0, **{c: 0.0 for c in cases if c.endswith("_total")})
        numbers = pd.Series(range(n, n + len(extra)), index=pd.MultiIndex.from_frame(extra[KEY]))
        rows = extra_lines.groupby([*KEY, "month"], as_index=False)["amount"].sum()
        monthly = pd.concat(
            [
                monthly,
                pd.DataFrame(
                    {
                        "case": numbers.reindex(pd.MultiIndex.from_frame(rows[KEY])).to_numpy(),
                        "month": rows["month"],
                        "current": rows["amount"],
                        "expected": 0.0,
                        "booked": True,
                    }
                ),
            ],
            ignore_index=True,
        )
        cases = pd.concat([cases, extra], ignore_index=True)
    listed = unplaced.assign(function=unplaced["function"].astype(object).where(unplaced["function"] != "", None))
    listed = listed[["case_id", "month", "function", "amount"]]
    return monthly, cases.reset_index(drop=True), listed.reset_index(drop=True)


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


def _ore(values: np.ndarray | pd.Series) -> np.ndarray | pd.Series:
    """Kroner to whole øre (integers), so totals and their parts add up exactly."""
    return (values * 100).round().astype("int64")


def _year_totals(periods: _Periods, year: int, cutoff: int = 0) -> np.ndarray:
    """Each case's amount in `year` (current and expected, before any booked actuals; expected ones nothing in the
    `cutoff` months to date), summed over the months as forecast() sums them, so a case's total is the same to the last
    bit: without the later years and overlaps."""
    current, expect, _ = periods.months(year)
    expect[:, :cutoff] = 0.0
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


def _value_changes(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per case in both extracts, its periods compared by value, day by day (however the lines are written: one line or
    a new line from a date, 3.500 a week or 500 a day): `rate` where on some day both cover the rates differ, `weight`
    where the statuses and probabilities the rates count with differ, `coverage` where one covers a day the other does not.

    The days are cut at every start and end of either side; on each piece each side's active lines give the sum of their
    daily rates and of their monthly rates, the share of these counting as expected and the mean weight."""
    frame = pd.concat([before.assign(side=0), after.assign(side=1)], ignore_index=True)
    if before.empty or after.empty:
        return pd.DataFrame(
            columns=["rate", "weight", "coverage"], index=pd.MultiIndex.from_arrays([[], []], names=KEY)
        )
    code = frame.groupby(KEY, sort=False).ngroup().to_numpy()
    arrays = _Periods.of(frame, code)
    rate = arrays.rate
    daily, monthly = np.where(arrays.per_day, rate, 0.0), np.where(arrays.per_day, 0.0, rate)
    terms = pd.DataFrame(
        {
            "code": code,
            "side": frame["side"].to_numpy(),
            "s": arrays.start,
            "e": arrays.end,
            "rd": daily,
            "rm": monthly,
            "wd": daily * arrays.weight,
            "wm": monthly * arrays.weight,
            "xd": daily * arrays.expected,
            "xm": monthly * arrays.expected,
        }
    )
    cuts = pd.concat(
        [
            terms[["code", "s"]].rename(columns={"s": "at"}),
            (terms.loc[terms["e"] < OPEN_END, ["code", "e"]] + [0, 1]).rename(columns={"e": "at"}),
        ],
        ignore_index=True,
    ).drop_duplicates()
    active = cuts.merge(terms, on="code")
    active = active[(active["s"] <= active["at"]) & (active["at"] <= active["e"])]
    sums = active.groupby(["code", "at", "side"])[["rd", "rm", "wd", "wm", "xd", "xm"]].sum().unstack("side")
    covered = sums["rd"].notna()
    both = covered.all(axis=1)

    def per(column: str, side: int, over: str) -> pd.Series:
        return (sums[(column, side)] / sums[(over, side)].where(sums[(over, side)] != 0)).round(9).fillna(-1.0)

    rate = (sums[("rd", 0)].round(6) != sums[("rd", 1)].round(6)) | (
        sums[("rm", 0)].round(6) != sums[("rm", 1)].round(6)
    )
    weight = pd.concat(
        [per(c, 0, over) != per(c, 1, over) for c, over in (("wd", "rd"), ("wm", "rm"), ("xd", "rd"), ("xm", "rm"))],
        axis=1,
    ).any(axis=1)
    found = pd.DataFrame({"rate": rate & both, "weight": weight & both, "coverage": ~both}).groupby(level="code").any()
    keys = frame.loc[np.unique(code, return_index=True)[1], KEY]
    return found.set_axis(pd.MultiIndex.from_frame(keys.reset_index(drop=True)).take(found.index.to_numpy()))


UNCHANGED = "unchanged"  # reasons(): the periods are the same by value (the change is a booking's)


def reasons(before: pd.DataFrame, after: pd.DataFrame) -> pd.Series:
    """Why each case's forecast changed, from its periods before and after, compared by value; indexed by case_id and
    measure.

    One reason when exactly one thing changed: the case is new, it ended (no periods left, or its open end got a date),
    its last end date moved, its first start moved, its rates (on the days both cover, however written) or the
    statuses and probabilities they count with changed; "several" when more than one did or only days in between
    changed; UNCHANGED when the periods are the same by value."""

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
    in_both = pd.MultiIndex.from_frame(before[KEY]).isin(both), pd.MultiIndex.from_frame(after[KEY]).isin(both)
    values = _value_changes(before[in_both[0]], after[in_both[1]]).reindex(both, fill_value=False)
    found = pd.DataFrame(
        {
            "ended": ended,
            "end date moved": ~ended
            & ~(b["open"] & a["open"])
            & ((b["open"] != a["open"]) | (b["last_end"] != a["last_end"])),
            "start moved": b["first_start"] != a["first_start"],
            "rate changed": values["rate"],
            "status or probability changed": values["weight"],
        }
    )
    single = found.sum(axis=1) == 1
    out.loc[both[single.to_numpy()]] = found[single].idxmax(axis=1).to_numpy()
    same = (found.sum(axis=1) == 0) & ~values["coverage"]
    out.loc[both[same.to_numpy()]] = UNCHANGED
    out.loc[tb.index.difference(ta.index)] = "ended"
    out.loc[ta.index.difference(tb.index)] = "new case"
    return out


def diff(
    before: pd.DataFrame, after: pd.DataFrame, year: int, as_of: dt.date | None = None, rules: Rules | None = None
) -> dict:
    """The change in the year's forecast between two case extracts, one item per changed case with a reason.

    Amounts are summed in whole øre, so the items add up exactly to the change. Without booked actuals `as_of` only
    closes ended lines without an end date and gives expected cases nothing to date, so the totals are computed for the
    whole year and only the changed cases get a reason: a national extract (300,000 periods) in about the time of one
    forecast."""
    rules = rules or Rules()
    before, after = rules.apply(close_ended(before, as_of)[0]), rules.apply(close_ended(after, as_of)[0])
    codes_before, codes_after, cases = _case_codes(before, after)
    n = len(cases)
    cutoff = _cutoff(year, as_of)
    totals = [
        _ore(_year_totals(_Periods.of(frame, codes, n), year, cutoff))
        for frame, codes in ((before, codes_before), (after, codes_after))
    ]
    change = totals[1] - totals[0]  # a case missing from one extract counts 0 there
    hit = np.flatnonzero(change)
    changed = cases.iloc[hit].assign(change=change[hit]).sort_values(KEY)
    why = reasons(before[np.isin(codes_before, hit)], after[np.isin(codes_after, hit)])
    why = why.reindex(pd.MultiIndex.from_frame(changed[KEY])).replace(UNCHANGED, "several")
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
    periods ("booked" where the periods are the same by value and a month's booking replaced its computed amount)."""
    both = pd.concat([_ore(b).rename("before"), _ore(a).rename("after")], axis=1).fillna(0).astype("int64")
    both["change"] = both["after"] - both["before"]
    changed = both[both["change"] != 0].sort_index()
    keys = changed.index
    b_rows, a_rows = before.merge(keys.to_frame(index=False), on=KEY), after.merge(keys.to_frame(index=False), on=KEY)
    why = reasons(b_rows, a_rows).reindex(keys).replace(UNCHANGED, "booked")
    why = why.fillna("booked")  # a booking on a case without periods on either side (money spent, or unplaced)
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


@dataclass(frozen=True)
class Rules:
    """What the forecast takes from the reference data besides the periods: each measure's end age by law, each account
    function's measures (a booking without a measure stays within its function) and whether the municipality moves
    citizens to the elderly area at 65."""

    end_ages: dict[str, float] = field(default_factory=dict)
    function_measures: dict[str, list[str]] = field(default_factory=dict)
    move_to_elderly_at_65: bool = False
    child_age: float | None = None  # the limit of a children's measure the reference does not know (of(): CHILD_AGE)

    @classmethod
    def of(cls, measures: pd.DataFrame, move_to_elderly_at_65: bool = False) -> Rules:
        """From the measures table (measure, function, end_age) and the municipality's setting."""
        ages = measures.dropna(subset=["end_age"])
        functions = measures.dropna(subset=["function"]).groupby("function")["measure"].agg(list)
        end_ages = dict(zip(ages["measure"], ages["end_age"].astype(float)))
        return cls(end_ages, functions.to_dict(), move_to_elderly_at_65, float(CHILD_AGE))

    def apply(self, periods: pd.DataFrame) -> pd.DataFrame:
        """The periods cut at their age limits (end_at_age, age_limits); without birth dates, as they are."""
        if "birth_date" not in periods:
            return periods
        return end_at_age(periods, age_limits(periods, self.end_ages, self.move_to_elderly_at_65, self.child_age))


CHILD_AGE = 18  # a children's measure the reference does not know ends at 18, the law's general limit
ELDERLY_AGE = 65


def age_limits(
    periods: pd.DataFrame, end_ages: dict[str, float], move_to_elderly_at_65: bool, child_age: float | None = None
) -> pd.Series:
    """Per period the age at which it ends: its measure's end age by law (children's measures 18, efterværn 23; a
    children's measure the reference does not know `child_age`), and 65 for adult periods where the municipality moves
    citizens to the elderly area then; NaN where none applies."""
    area = periods["area"] if "area" in periods else pd.Series(None, index=periods.index, dtype=object)
    ages = periods["measure"].map(end_ages).astype(float)
    if child_age is not None:
        ages = ages.where(ages.notna() | (area != "children"), child_age)
    if move_to_elderly_at_65:
        ages = ages.where(area != "adults", float(ELDERLY_AGE))
    return ages


def end_at_age(periods: pd.DataFrame, ages: pd.Series) -> pd.DataFrame:
    """Periods end the day before the citizen turns the period's age limit (`ages`; NaN or no birth date: no limit); a
    period starting on or after that day is left out. `age_limit` says where a period was cut (the limit, else NaN) and
    `end_by_extract` what its end was before (NaT: open)."""
    born = pd.to_datetime(periods["birth_date"])
    last_day = pd.Series(pd.NaT, index=periods.index, dtype="datetime64[ns]")
    for age in ages.dropna().unique():
        rows = (ages == age) & born.notna()
        last_day[rows] = born[rows] + pd.DateOffset(years=int(age)) - pd.Timedelta(days=1)
    end = pd.to_datetime(periods["end_date"])
    capped = last_day.notna() & (end.isna() | (end > last_day))
    out = periods.assign(
        end_date=end.where(~capped, last_day), age_limit=ages.where(capped), end_by_extract=end.where(capped)
    )
    return out[out["end_date"].isna() | (pd.to_datetime(out["start_date"]) <= out["end_date"])]
