"""How good the forecast has been, and the interval today's expected result carries (docs/forecast.md, "Interval and
backtest"). Frames in, frames out.

For every complete past year and month-end the forecast made then (cases, actuals to then, and the pool that could be
computed then from up to three earlier complete years) is set against the year's final booked result, per sub-area and
for the area, and so are naive baselines: the budget, last year's result, booked to date x 12 / m and last month's
forecast. The signed relative error is forecast / final - 1 (positive: the forecast was above the result). Today's
80 % interval comes from the errors at the same month-end of earlier years, pooled over years and sub-areas.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers.analysis.forecast import suggested_pool

LEVEL = 0.8  # the interval covers 80 % of past errors: from their 10 % to their 90 % quantile
QUANTILES = ((1 - LEVEL) / 2, (1 + LEVEL) / 2)
MIN_ERRORS = 9  # below this, the empirical quantiles say too little: the fallback (the largest error either way)
POOL_YEARS = 3  # the pool of a year: the mean gap of up to this many earlier complete years (as suggested_pool)
BASELINES = {
    "budget": "the year's budget",
    "last_year": "last year's booked result",
    "run_rate": "booked to date x 12 / months booked",
    "last_month": "the forecast made a month earlier",
}


@dataclass(frozen=True)
class Interval:
    """The spread of past errors as an interval for a forecast: `low` and `high` bound the signed relative error
    (forecast / final - 1); `method` is "empirical" (quantiles of n >= MIN_ERRORS errors), "fallback" (1 to 8 errors:
    the largest error either way, symmetric) or "none" (no error to learn from)."""

    low: float
    high: float
    n: int
    method: str

    def bounds(self, forecast: float) -> tuple[float, float]:
        """The interval of the final result for a forecast: forecast / (1 + high) .. forecast / (1 + low); a bound whose
        error is -100 % or below (a forecast of nothing) is open (inf); no interval: (nan, nan)."""
        if self.method == "none":
            return math.nan, math.nan
        return tuple(forecast / (1 + e) if 1 + e > 0 else math.inf for e in (self.high, self.low))


def interval(errors: pd.Series) -> Interval:
    """The interval from signed relative errors (forecast / final - 1): their 10 % and 90 % quantiles from MIN_ERRORS
    errors on, else the largest absolute error either way, else none."""
    e = pd.to_numeric(errors, errors="coerce").dropna().to_numpy(dtype=float)
    if len(e) >= MIN_ERRORS:
        low, high = np.quantile(e, QUANTILES)
        return Interval(float(low), float(high), len(e), "empirical")
    if len(e):
        largest = float(np.abs(e).max())
        return Interval(-largest, largest, len(e), "fallback")
    return Interval(math.nan, math.nan, 0, "none")


def pools(raw: pd.DataFrame, final: pd.DataFrame) -> pd.DataFrame:
    """The pool each past forecast had when it was made: for year y and month-end m, per measure, suggested_pool over the
    forecasts made at m in up to POOL_YEARS earlier complete years against their final results. `raw`: year, month,
    measure, amount (forecasts without pool); `final`: year, measure, amount. Returns year, month, measure, pool."""
    out = []
    for (year, month), _ in raw.groupby(["year", "month"]):
        earlier = raw[(raw["month"] == month) & raw["year"].between(year - POOL_YEARS, year - 1)]
        if earlier.empty:
            continue
        pool = suggested_pool(final, earlier.drop(columns="month"))
        out.append(pool.rename("pool").reset_index().assign(year=year, month=month))
    columns = ["year", "month", "measure", "pool"]
    return pd.concat(out, ignore_index=True)[columns] if out else pd.DataFrame(columns=columns)


def sub_area_errors(raw: pd.DataFrame, final: pd.DataFrame) -> pd.DataFrame:
    """Per past year, month-end and sub-area: the forecast made then (with its pool then), the final result and the signed
    relative error (forecast / final - 1; none where the final result is not above 0)."""
    made = raw.groupby(["year", "month", "measure"], as_index=False)["amount"].sum()
    made = made.merge(pools(raw, final), on=["year", "month", "measure"], how="outer").fillna(
        {"amount": 0.0, "pool": 0.0}
    )
    months = raw[["year", "month"]].drop_duplicates()
    finals = final.groupby(["year", "measure"], as_index=False)["amount"].sum().merge(months, on="year")
    out = made.merge(finals.rename(columns={"amount": "final"}), on=["year", "month", "measure"], how="outer")
    out = out.fillna({"amount": 0.0, "pool": 0.0, "final": 0.0})
    out["forecast"] = out["amount"] + out["pool"]
    out["error"] = (out["forecast"] / out["final"].where(out["final"] > 0) - 1).astype(float)
    out = out.rename(columns={"measure": "sub_area"})[["year", "month", "sub_area", "forecast", "final", "error"]]
    return out.sort_values(["year", "month", "sub_area"], ignore_index=True)


def area_rows(
    errors: pd.DataFrame, booked_months: pd.DataFrame, budgets: pd.Series, final_years: pd.Series
) -> pd.DataFrame:
    """Per past year and month-end, for the area: the forecast (sum of the sub-areas, pools included), the final result,
    the baselines (budget; last year's result where that year is complete; booked to date x 12 / m; the forecast made a
    month earlier) and the 80 % interval the page would have shown then (errors of earlier years at that month-end only)
    with whether it covered the final result. `booked_months`: year, month, amount (the area's bookings per month);
    `budgets` and `final_years`: by year."""
    rows = errors.groupby(["year", "month"], as_index=False)[["forecast", "final"]].sum()
    to_date = booked_months.sort_values(["year", "month"]).assign(
        cumulative=lambda f: f.groupby("year")["amount"].cumsum()
    )
    rows = rows.merge(to_date[["year", "month", "cumulative"]], on=["year", "month"], how="left")
    rows["budget"] = rows["year"].map(budgets).astype(float)
    rows["last_year"] = (rows["year"] - 1).map(final_years).astype(float)
    rows["run_rate"] = rows["cumulative"].fillna(0.0) * 12 / rows["month"]
    previous = rows.set_index(["year", "month"])["forecast"]
    rows["last_month"] = [previous.get((y, m - 1), math.nan) for y, m in zip(rows["year"], rows["month"])]
    bounds = []
    for y, m, f, final in zip(rows["year"], rows["month"], rows["forecast"], rows["final"]):
        found = interval(errors.loc[(errors["month"] == m) & (errors["year"] < y), "error"])
        low, high = found.bounds(f)
        bounds.append(
            (low, high, found.method, found.n, bool(low <= final <= high) if found.method != "none" else None)
        )
    found = pd.DataFrame(bounds, index=rows.index, columns=["low", "high", "method", "errors", "covered"])
    rows = rows.assign(**{c: found[c].astype(float) for c in ("low", "high")}, method=found["method"])
    rows = rows.assign(errors=found["errors"].astype(int), covered=found["covered"])
    numbers = ["forecast", "final", "budget", "last_year", "run_rate", "last_month"]
    return rows.drop(columns="cumulative").astype({c: float for c in numbers})


METHODS = ("forecast", *BASELINES)


def scores(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group (`by`: e.g. ["month"], or [] for all): for the forecast and each baseline the mean absolute error (kr. and
    % of the final result) and the mean signed error (%), over the years where it exists; each baseline's skill (1 - the
    forecast's mean absolute error / the baseline's, on the same years: above 0 the forecast did better); the interval's
    coverage where there was one."""
    groups = rows.groupby(by) if by else [((), rows)]
    out = []
    for key, g in groups:
        row = dict(zip(by, key if isinstance(key, tuple) else (key,))) | {"years": int(g["year"].nunique())}
        g = g.assign(**{c: pd.to_numeric(g[c], errors="coerce").astype(float) for c in (*METHODS, "final")})
        final = g["final"].where(g["final"] != 0)  # a year without bookings has no relative error
        for method in METHODS:
            err = (g[method] - g["final"]).round(2)  # to the øre: a forecast that hit the result misses by 0
            rel = err / final
            row |= {
                f"{method}_mae_kr": float(err.abs().mean()) if err.notna().any() else math.nan,
                f"{method}_mae_pct": float(100 * rel.abs().mean()) if rel.notna().any() else math.nan,
                f"{method}_bias_pct": float(100 * rel.mean()) if rel.notna().any() else math.nan,
            }
            if method != "forecast":
                both = g[method].notna() & g["forecast"].notna()
                base = (g.loc[both, method] - g.loc[both, "final"]).round(2).abs().mean()
                mine = (g.loc[both, "forecast"] - g.loc[both, "final"]).round(2).abs().mean()
                row[f"{method}_skill"] = float(1 - mine / base) if both.any() and base > 0 else math.nan
        shown = g["covered"].dropna()
        row |= {"intervals": int(len(shown)), "coverage": float(shown.mean()) if len(shown) else math.nan}
        out.append(row)
    return pd.DataFrame(out)
