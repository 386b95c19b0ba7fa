"""Progression and goal fulfilment (domain brief section 3): do citizens progress, are goals met, does support follow?

Every measure works on a registrations frame with the columns of stg_progression__registrations, one row
per case and registration number, so the CLI (one file) and the report (the warehouse) compute alike.
VUM scores: 0 no problem ... 4 complete; a lower score is an improvement. Parameter scores 0-4: 4 = most problems.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from helpers import labels

PAIRS = ((1, 2), (2, 3))
OUTCOMES = ("improved", "same", "worse", "not_assessed")
MET = ("fully", "partially")
DAYS_PER_YEAR = 365.0


def select(
    frame: pd.DataFrame,
    municipality: str = labels.COUNTRY_CODE,
    service: str = "all",
    period: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Whole cases: all registrations of the cases that match (a case's first registration decides service and period)."""
    first = frame[frame["registration_no"] == frame.groupby("case_id")["registration_no"].transform("min")]
    keep = pd.Series(True, index=first.index)
    if str(municipality) not in (labels.COUNTRY_CODE, "all", ""):
        keep &= first["municipality_code"] == str(municipality).zfill(3)
    if service != "all":
        keep &= first["service"] == service
    if period:
        dates = pd.to_datetime(first["registration_date"])
        keep &= dates.between(pd.Timestamp(period[0]), pd.Timestamp(period[1]))
    return frame[frame["case_id"].isin(first.loc[keep, "case_id"])].reset_index(drop=True)


def score_key(value: float) -> str:
    """A VUM score as a key: 2.0 -> '2', 3.5 -> '3.5'."""
    return f"{value:g}"


def months_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """Calendar months from one date to another: the difference in year x 12 + month (31 Jan -> 1 Feb is 1)."""
    a, b = pd.to_datetime(start), pd.to_datetime(end)
    return (b.dt.year - a.dt.year) * 12 + (b.dt.month - a.dt.month)


def pairs(frame: pd.DataFrame, first: int, second: int) -> pd.DataFrame:
    """Registration `first` of each case beside its registration `second` (suffixes _start and _end)."""
    a = frame[frame["registration_no"] == first]
    b = frame[frame["registration_no"] == second]
    out = a.merge(b, on="case_id", suffixes=("_start", "_end"))
    return out.assign(months=months_between(out["registration_date_start"], out["registration_date_end"]))


def consecutive(frame: pd.DataFrame) -> pd.DataFrame:
    """Every registration k beside registration k+1 of the same case."""
    nxt = frame.assign(registration_no=frame["registration_no"] - 1)
    out = frame.merge(nxt, on=["case_id", "registration_no"], suffixes=("_start", "_end"))
    return out.assign(months=months_between(out["registration_date_start"], out["registration_date_end"]))


def outcome(start: pd.Series, end: pd.Series) -> pd.Series:
    """improved (lower score), same, worse, or not_assessed when either score is missing."""
    out = np.select(
        [start.isna() | end.isna(), end < start, end == start], ["not_assessed", "improved", "same"], "worse"
    )
    return pd.Series(out, index=start.index)


def vum_transitions(frame: pd.DataFrame, first: int = 1, second: int = 2) -> pd.DataFrame:
    """Cases by VUM score at `first` and outcome at `second` (counts; start 'not_assessed' when unscored)."""
    p = pairs(frame, first, second)
    start = p["vum_score_start"].map(lambda v: "not_assessed" if pd.isna(v) else score_key(v))
    table = pd.crosstab(start, outcome(p["vum_score_start"], p["vum_score_end"])).reindex(
        columns=list(OUTCOMES), fill_value=0
    )
    keys = sorted((k for k in table.index if k != "not_assessed"), key=float) + [
        k for k in table.index if k == "not_assessed"
    ]
    return table.reindex(keys).rename_axis("start_score").rename_axis(None, axis=1)


def wilson(successes: float, n: float, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a share (95 % by default); (nan, nan) for n = 0."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def goal_fulfilment(frame: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Goals met at registration k+1 (previous_goal_met there), grouped by `by` of registration k.

    Among the assessed pairs: n, fully, partially, not, the share fully or partially met and its 95 % Wilson interval.
    """
    c = consecutive(frame)
    c = c[c["previous_goal_met_end"].notna()]
    key = f"{by}_start" if by else None
    groups = c.groupby(c[key].fillna("ukendt")) if key else [("overall", c)]
    rows = []
    for name, g in groups:
        counts = g["previous_goal_met_end"].value_counts()
        n, met = len(g), int(counts.reindex(list(MET), fill_value=0).sum())
        low, high = wilson(met, n)
        rows.append(
            {
                "group": name,
                "n": n,
                "fully": int(counts.get("fully", 0)),
                "partially": int(counts.get("partially", 0)),
                "not": int(counts.get("not", 0)),
                "met": met,
                "fully_or_partially": met / n if n else math.nan,
                "low": low,
                "high": high,
            }
        )
    return pd.DataFrame(
        rows, columns=["group", "n", "fully", "partially", "not", "met", "fully_or_partially", "low", "high"]
    )


def goal_fulfilment_by_step(frame: pd.DataFrame) -> pd.DataFrame:
    """Goal fulfilment per step, as the published analysis shows it: at the 2nd registration of the goals set at the 1st
    (group "1-2") and at the 3rd of those set at the 2nd ("2-3"); a step without assessed goals has n = 0."""
    step = (
        frame["registration_no"].astype(int).astype(str) + "-" + (frame["registration_no"].astype(int) + 1).astype(str)
    )
    table = goal_fulfilment(frame.assign(step=step), "step").set_index("group")
    steps = [f"{a}-{b}" for a, b in PAIRS]
    counts = ["n", "fully", "partially", "not", "met"]
    table = table.reindex(steps).fillna({c: 0 for c in counts}).astype({c: int for c in counts})
    return table.rename_axis("group").reset_index()


def summary(frame: pd.DataFrame) -> dict:
    """The CLI's figures: cases, follow-up, goals set, VUM transitions, goal fulfilment and months between registrations."""
    per_case = frame.groupby("case_id")["registration_no"].agg(["count", "min"])
    first = frame[frame["registration_no"] == frame["case_id"].map(per_case["min"])]
    transitions = {}
    for a, b in PAIRS:
        table = vum_transitions(frame, a, b)
        transitions[f"{a}-{b}"] = {key: {o: int(row[o]) for o in OUTCOMES} for key, row in table.iterrows()}

    def fulfilment(table: pd.DataFrame) -> dict:
        return {
            str(r.group): {"n": int(r.n), "fully_or_partially": _share(r.fully_or_partially)}
            for r in table.itertuples()
        }

    months = {}
    for a, b in PAIRS:
        p = pairs(frame, a, b)
        months[f"{a}-{b}"] = round(float(p["months"].mean()), 2) if len(p) else None
    return {
        "cases": int(len(per_case)),
        "with_2_registrations": int((per_case["count"] >= 2).sum()),
        "with_3_registrations": int((per_case["count"] >= 3).sum()),
        "goals_set_share": _share(first["goals_set"].astype(bool).mean() if len(first) else math.nan),
        "vum_transitions": transitions,
        "goal_fulfilment": {
            "overall": fulfilment(goal_fulfilment(frame))["overall"],
            "by_goal_type": fulfilment(goal_fulfilment(frame, "goal_type")),
            "by_municipality": fulfilment(goal_fulfilment(frame, "municipality_code")),
            "by_step": fulfilment(goal_fulfilment_by_step(frame)),
        },
        "months_between_registrations": months,
    }


def _share(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def first_registrations(frame: pd.DataFrame) -> pd.DataFrame:
    """Each case's first registration, with the age band (under 40 / 40 and over / unknown) used in the report: a missing
    age is its own band, never counted as 40 or over."""
    first = frame[frame["registration_no"] == frame.groupby("case_id")["registration_no"].transform("min")]
    age = pd.to_numeric(first["age"], errors="coerce")
    return first.assign(age_band=np.select([age.isna(), age < 40], ["unknown", "under_40"], "40_plus"))


def support_by(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """§ 85 hours per month and § 107 daily rate at the first registration, averaged by `by` (with n per service)."""
    first = first_registrations(frame)
    first = first.assign(vum=first["vum_score"].map(lambda v: "ikke vurderet" if pd.isna(v) else score_key(v)))
    column = "vum" if by == "vum_score" else by
    hours = (
        first[first["service"] == "sel_85"].groupby(column)["hours_per_month"].agg(n_85="count", hours_per_month="mean")
    )
    rate = first[first["service"] == "sel_107"].groupby(column)["daily_rate"].agg(n_107="count", daily_rate="mean")
    out = hours.join(rate, how="outer").reset_index().rename(columns={column: "group"})
    return out.fillna({"n_85": 0, "n_107": 0}).astype({"n_85": int, "n_107": int})


def support_change_by_goal(frame: pd.DataFrame) -> pd.DataFrame:
    """Change from registration k to k+1 in § 85 hours or § 107 daily rate (%), by whether the goal of k was met at k+1."""
    c = consecutive(frame)
    c = c[c["previous_goal_met_end"].notna()]
    c = c.assign(
        goal=np.where(c["previous_goal_met_end"].isin(MET), "met", "not_met"),
        amount_start=c["hours_per_month_start"].where(c["service_start"] == "sel_85", c["daily_rate_start"]),
        amount_end=c["hours_per_month_end"].where(c["service_start"] == "sel_85", c["daily_rate_end"]),
    )
    c = c[(c["amount_start"] > 0) & c["amount_end"].notna() & (c["service_start"] == c["service_end"])]
    grouped = c.groupby(["service_start", "goal"])
    out = grouped.agg(n=("case_id", "count"), start=("amount_start", "sum"), end=("amount_end", "sum")).reset_index()
    out["change_pct"] = 100 * (out["end"] / out["start"] - 1)  # sums over sums: the change in the total amount
    return out.rename(columns={"service_start": "service"})[["service", "goal", "n", "change_pct"]]


def parameter_improvement(scores: pd.DataFrame) -> pd.DataFrame:
    """Average improvement (first minus last score, 0-4 scale where 4 is most problems) per theme and sex, with n."""
    s = scores.sort_values(["case_id", "theme", "assessment_date"])
    per = s.groupby(["case_id", "theme", "sex"], as_index=False).agg(
        first=("score", "first"), last=("score", "last"), assessments=("score", "count")
    )
    per = per[per["assessments"] >= 2]
    out = (
        per.assign(improvement=per["first"] - per["last"])
        .groupby(["theme", "sex"], as_index=False)
        .agg(n=("case_id", "count"), improvement=("improvement", "mean"))
    )
    return out


def cost_per_outcome(
    frame: pd.DataFrame, hourly_rate: float, by: tuple[str, ...] = ("service", "municipality_code")
) -> pd.DataFrame:
    """Cost of support per case-year and per citizen who progressed (VUM improved, or a goal met), per service and municipality.

    Support between registration k and k+1 costs § 85: hours per month x 12 x `hourly_rate`, § 107: daily rate x 365,
    a year, for the calendar months between them. Only the follow-up between registrations is counted.
    """
    c = consecutive(frame)
    yearly = np.where(
        c["service_start"] == "sel_85",
        c["hours_per_month_start"] * 12 * hourly_rate,
        c["daily_rate_start"] * DAYS_PER_YEAR,
    )
    c = c.assign(cost=yearly * c["months"] / 12, years=c["months"] / 12)
    per_case = c.groupby("case_id").agg(cost=("cost", "sum"), years=("years", "sum"))
    first = first_registrations(frame).set_index("case_id")
    last = frame.sort_values("registration_no").groupby("case_id").last()
    improved = (last["vum_score"] < first["vum_score"]).reindex(per_case.index, fill_value=False)
    met = c[c["previous_goal_met_end"].isin(MET)].groupby("case_id").size().reindex(per_case.index, fill_value=0) > 0
    per_case = per_case.join(first[list(by)]).assign(improved=improved, goal_met=met)
    out = (
        per_case.groupby(list(by))
        .agg(
            cases=("cost", "size"),
            case_years=("years", "sum"),
            cost=("cost", "sum"),
            improved=("improved", "sum"),
            goal_met=("goal_met", "sum"),
        )
        .reset_index()
    )
    out["cost_per_case_year"] = out["cost"] / out["case_years"]
    out["cost_per_improved"] = out["cost"] / out["improved"].where(out["improved"] > 0)
    out["cost_per_goal_met"] = out["cost"] / out["goal_met"].where(out["goal_met"] > 0)
    return out
