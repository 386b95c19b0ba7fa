"""Flows and counts from case periods: recipients on a day, spells, entries and exits, length of stay, refunds.

Recipients are cases (citizen x measure) running on the period's last day; a spell is a run of periods of
the same case with no gap (a rate change is not a new spell). Counts under 5 are suppressed in the report.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd

from helpers.analysis import forecast


def period_end(period: str) -> dt.date:
    """'2024-09' -> 30.09.2024; '2024-Q3' -> 30.09.2024."""
    if "-Q" in period.upper():
        year, quarter = period.upper().split("-Q")
        month = 3 * int(quarter)
    else:
        year, month = period.split("-")
    year, month = int(year), int(month)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period_start(period: str) -> dt.date:
    """The first day of a month ('2024-09') or quarter ('2024-Q3')."""
    end = period_end(period)
    months = 3 if "-Q" in period.upper() else 1
    return dt.date(end.year, end.month - months + 1, 1)


def spells(periods: pd.DataFrame) -> pd.DataFrame:
    """Merge each case's periods that follow on without a gap into spells: case_id, measure, start, end (NaT open), spell_no."""
    p = periods.assign(
        start=pd.to_datetime(periods["start_date"]), end=pd.to_datetime(periods["end_date"])
    ).sort_values(["case_id", "measure", "start"])
    end_filled = p["end"].fillna(pd.Timestamp("2262-01-01"))
    previous_end = (
        end_filled.groupby([p["case_id"], p["measure"]]).cummax().groupby([p["case_id"], p["measure"]]).shift()
    )
    new = previous_end.isna() | (p["start"] > previous_end + pd.Timedelta(days=1))
    p = p.assign(spell=new.groupby([p["case_id"], p["measure"]]).cumsum(), end_filled=end_filled)
    out = p.groupby(["case_id", "measure", "spell"], as_index=False).agg(
        start=("start", "min"), end=("end_filled", "max")
    )
    out["end"] = out["end"].where(out["end"] < pd.Timestamp("2262-01-01"))
    return out.rename(columns={"spell": "spell_no"})


def flows(periods: pd.DataFrame, start: dt.date, end: dt.date, population: pd.Series) -> pd.DataFrame:
    """Per measure between two dates: entries, exits, re-entries (a new spell after an earlier one of the same
    measure), median length of the finished spells (days), and each per 10,000 inhabitants of the age group
    (`population`: inhabitants per measure's age group, indexed by measure)."""
    s = spells(periods)
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    entered = s["start"].between(lo, hi)
    exited = s["end"].between(lo, hi)
    s = s.assign(
        entry=entered,
        exit=exited,
        reentry=entered & (s["spell_no"] > 1),
        days=((s["end"] - s["start"]).dt.days + 1).where(exited),
    )
    out = (
        s.groupby("measure")
        .agg(
            entries=("entry", "sum"),
            exits=("exit", "sum"),
            reentries=("reentry", "sum"),
            median_days=("days", "median"),
            finished=("exit", "sum"),
        )
        .reset_index()
    )
    inhabitants = out["measure"].map(population)
    for col in ("entries", "exits", "reentries"):
        out[f"{col}_per_10000"] = 10_000 * out[col] / inhabitants
    return out.drop(columns="finished")


def recipients(periods: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """Cases running on a day (start <= day <= end or open), one row per case with its measure."""
    day = pd.Timestamp(on)
    p = periods[
        (pd.to_datetime(periods["start_date"]) <= day)
        & (pd.to_datetime(periods["end_date"]).isna() | (pd.to_datetime(periods["end_date"]) >= day))
    ]
    return p.drop_duplicates(["case_id", "measure"])


def refunds(annual_cost: pd.Series, lower: float, upper: float) -> pd.Series:
    """Refund for particularly expensive single cases: 25 % of the part of a citizen's annual cost between the
    thresholds and 50 % of the part above the upper one (the thresholds are the year's official amounts)."""
    return 0.25 * (annual_cost.clip(upper=upper) - lower).clip(lower=0) + 0.5 * (annual_cost - upper).clip(lower=0)


def annual_cost_per_citizen(periods: pd.DataFrame, year: int) -> pd.Series:
    """Each citizen's computed cost for a year across measures (for expensive cases and refunds)."""
    fc = forecast.forecast(periods, year)
    return fc.cases.groupby("case_id")["year_total"].sum()


def length_of_stay(periods: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """Per measure: median days so far of the running spells on a day."""
    s = spells(periods)
    day = pd.Timestamp(on)
    running = s[(s["start"] <= day) & (s["end"].isna() | (s["end"] >= day))]
    return (
        running.assign(days=(day - running["start"]).dt.days + 1)
        .groupby("measure", as_index=False)
        .agg(running=("days", "count"), median_days=("days", "median"))
    )


def over_15(periods: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """Children's recipients aged 15 or more on a day, per measure (from the birth date)."""
    r = recipients(periods, on)
    age = (pd.Timestamp(on) - pd.to_datetime(r["birth_date"])).dt.days / 365.25
    return (
        r.assign(over_15=age >= 15)
        .groupby("measure", as_index=False)
        .agg(recipients=("case_id", "count"), over_15=("over_15", "sum"))
    )


def providers(periods: pd.DataFrame, on: dt.date) -> pd.DataFrame:
    """Recipients on a day by measure and whether the provider is the municipality itself or another."""
    r = recipients(periods, on)
    own = np.where(r["provider_type"].eq("own_municipality"), "own", "other")
    return (
        r.assign(own=own)
        .pivot_table(index="measure", columns="own", values="case_id", aggfunc="count", fill_value=0)
        .reset_index()
    )


def followed_up_on_time(registrations: pd.DataFrame, limit_months: int = 12) -> pd.DataFrame:
    """Per service: follow-up registrations, and how many came within `limit_months` calendar months of the previous one."""
    from helpers.analysis.progression import consecutive

    pairs = consecutive(registrations)
    pairs = pairs.assign(on_time=pairs["months"] <= limit_months)
    return (
        pairs.groupby("service_start", as_index=False)
        .agg(follow_ups=("on_time", "size"), on_time=("on_time", "sum"))
        .rename(columns={"service_start": "service"})
    )
