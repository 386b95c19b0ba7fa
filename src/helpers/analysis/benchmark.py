"""Benchmark key figures (price x quantity): sums over sums for any group, changes, decomposition, small counts, peer extremes."""

from __future__ import annotations

import pandas as pd

from helpers import labels

FIGURES = list(labels.FIGURES)


def suppress_small_users(frame: pd.DataFrame, threshold: int = labels.SMALL) -> pd.DataFrame:
    """Blank user shares and unit costs built on 1-4 users (they would identify persons); flag them."""
    small = labels.is_small(frame["users"], threshold)
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
    from helpers.analysis.decomposition import decompose

    ch = change(frame, start, end)
    ok = ch[[f"{f}_{e}" for f in FIGURES for e in ("start", "end")]].gt(0).all(axis=1)
    ch = ch[ok].reset_index(drop=True)
    parts = decompose(ch["expenditure_per_inhabitant_start"], ch["expenditure_per_inhabitant_end"],
                      ch["users_per_10000_start"], ch["users_per_10000_end"], ch["unit_cost_start"], ch["unit_cost_end"])
    return pd.concat([ch[["code", "measure_group"]], parts], axis=1)


def peer_extremes(year_frame: pd.DataFrame, averages: pd.DataFrame, factor: float = labels.PEER_EXTREME_FACTOR) -> pd.DataFrame:
    """Municipalities whose expenditure per inhabitant is over `factor` times or under 1/`factor` of their peers'.

    Only base measure groups with positive values; the comparison is with the peer average (sums over the
    peers), so a municipality is judged against municipalities like it, not against the whole country.
    """
    joined = year_frame[year_frame["kind"] == "base"].merge(averages, on=["code", "measure_group"])
    value, peer = joined["expenditure_per_inhabitant"], joined["peer_expenditure_per_inhabitant"]
    ratio = value / peer.where(peer > 0)
    out = joined[(value > 0) & ((ratio > factor) | (ratio < 1 / factor))].assign(ratio=ratio)
    return out[["code", "name", "year", "measure_group", "label_da", "ratio", "expenditure_per_inhabitant",
                "peer_expenditure_per_inhabitant"]].reset_index(drop=True)
