"""Benchmark key figures (price x quantity): sums over sums for any group, changes, decomposition, small counts, peer extremes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import labels
from helpers.analysis import disclosure

FIGURES = list(labels.FIGURES)


def leaves(groups: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Each measure group's leaves: the groups of its users that are not sums of others (user_components, else
    components, recursively); a base group and each half of a split is its own leaf (§ 85 is its two halves)."""

    def listed(value: object) -> list[str]:
        return [p for p in value.split("|") if p] if isinstance(value, str) else []

    parts = {
        g.measure_group: [] if g.users_rule == "split" else listed(g.user_components) or listed(g.components)
        for g in groups.itertuples()
    }

    def of(group: str) -> frozenset[str]:
        return frozenset().union(*(of(p) for p in parts[group])) if parts.get(group) else frozenset([group])

    return {group: of(group) for group in parts}


def protect_users(
    municipal: pd.DataFrame, regions: pd.DataFrame, groups: pd.DataFrame, threshold: int = labels.SMALL
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hide user counts of 1-4 and every count a reader could subtract them back from, in both frames.

    Equations (analysis.disclosure): a measure group and the groups it adds up to, every way it does (I alt minus the
    other groups), within each municipality, region and the country and year; a region and its reporting
    municipalities, and the country and its regions or municipalities, within each group and year. Hidden cells lose
    users, users per 10,000 and unit cost (the unit cost gives users back from expenditure); `protection` says why:
    "small" (the count is 1-4) or "complement" (hidden so a small one elsewhere cannot be computed back).
    """
    keys = ["code", "year", "measure_group"]
    cells = pd.concat(
        [
            municipal[keys + ["region_code", "users"]].assign(level="municipality"),
            regions[keys + ["users"]].assign(level="region", region_code=None),
        ],
        ignore_index=True,
    )
    cells.loc[(cells["level"] == "region") & (cells["code"] == labels.COUNTRY_CODE), "level"] = "country"
    users = cells["users"].to_numpy(dtype=float)
    counts = np.nan_to_num(users)
    equations: list[list[int]] = []
    sums = disclosure.partitions(leaves(groups))
    # plain lists: the equations are built cell by cell (cells' index is 0..n-1, so a position is a row)
    code, year, group = cells["code"].tolist(), cells["year"].tolist(), cells["measure_group"].tolist()
    level, region_of = cells["level"].tolist(), cells["region_code"].tolist()
    position = dict(zip(zip(code, year, group), range(len(cells))))
    for place, when in dict.fromkeys(zip(code, year)):  # each place and year, in order of appearance
        equations += [
            [position[place, when, g] for g in eq] for eq in sums if all((place, when, g) in position for g in eq)
        ]
    reported: dict[tuple, list[int]] = {}  # each year and measure group: the cells with users reported, in order
    for i in np.flatnonzero(~np.isnan(users)).tolist():
        reported.setdefault((year[i], group[i]), []).append(i)
    for at in reported.values():
        country = [i for i in at if level[i] == "country"]
        equations.append(country + [i for i in at if level[i] == "region"])
        equations.append(country + [i for i in at if level[i] == "municipality"])
        members: dict[str, list[int]] = {}
        for i in at:
            if level[i] == "municipality" and isinstance(region_of[i], str):
                members.setdefault(region_of[i], []).append(i)
        for region in sorted(members):
            equations.append([i for i in at if level[i] == "region" and code[i] == region] + members[region])
    primary = disclosure.small(counts, threshold)
    mask = disclosure.complementary(counts, equations, primary, unknown=np.isnan(users))
    why = np.where(primary, "small", np.where(mask, "complement", ""))

    def hidden(
        frame: pd.DataFrame, rows: slice
    ) -> pd.DataFrame:  # cells are the municipalities' rows, then the regions'
        keep = pd.Series(~mask[rows], index=frame.index)
        return frame.assign(
            users=frame["users"].where(keep),
            users_per_10000=frame["users_per_10000"].where(keep),
            unit_cost=frame["unit_cost"].where(keep),
            protection=why[rows],
        )

    return hidden(municipal, slice(0, len(municipal))), hidden(regions, slice(len(municipal), None))


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
    sums = f.groupby(keys, sort=False)[
        ["expenditure_kr_fixed", "potential_users", "users", "reported_population", "unit_expenditure", "unit_users"]
    ].sum(min_count=1)
    out = pd.DataFrame(
        {
            "expenditure_per_inhabitant": sums["expenditure_kr_fixed"] / sums["potential_users"],
            "users_per_10000": 10_000 * sums["users"] / sums["reported_population"],
            "unit_cost": sums["unit_expenditure"] / sums["unit_users"],
        }
    )
    return out.reset_index()


def peer_averages(year_frame: pd.DataFrame, peers: pd.DataFrame) -> pd.DataFrame:
    """Each municipality's peer average per measure group (sums over its peers), columns `peer_<figure>`."""
    joined = peers[["municipality_code", "peer_code"]].merge(year_frame, left_on="peer_code", right_on="code")
    out = pooled(joined, ["municipality_code", "measure_group"]).rename(columns={f: f"peer_{f}" for f in FIGURES})
    return out.rename(columns={"municipality_code": "code"})


def change(
    frame: pd.DataFrame, start: int, end: int, keys: tuple[str, ...] = ("code", "measure_group")
) -> pd.DataFrame:
    """Each key figure at `start` and `end` and its change in percent (empty where either end is missing or 0)."""
    wide = frame[frame["year"].isin([start, end])].pivot_table(
        index=list(keys), columns="year", values=FIGURES, dropna=False
    )
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
    parts = decompose(
        ch["expenditure_per_inhabitant_start"],
        ch["expenditure_per_inhabitant_end"],
        ch["users_per_10000_start"],
        ch["users_per_10000_end"],
        ch["unit_cost_start"],
        ch["unit_cost_end"],
    )
    return pd.concat([ch[["code", "measure_group"]], parts], axis=1)


def peer_extremes(
    year_frame: pd.DataFrame, averages: pd.DataFrame, factor: float = labels.PEER_EXTREME_FACTOR
) -> pd.DataFrame:
    """Municipalities whose expenditure per inhabitant is over `factor` times or under 1/`factor` of their peers'.

    Only base measure groups with positive values; the comparison is with the peer average (sums over the
    peers), so a municipality is judged against municipalities like it, not against the whole country.
    """
    joined = year_frame[year_frame["kind"] == "base"].merge(averages, on=["code", "measure_group"])
    value, peer = joined["expenditure_per_inhabitant"], joined["peer_expenditure_per_inhabitant"]
    ratio = value / peer.where(peer > 0)
    out = joined[(value > 0) & ((ratio > factor) | (ratio < 1 / factor))].assign(ratio=ratio)
    return out[
        [
            "code",
            "name",
            "year",
            "measure_group",
            "label_da",
            "ratio",
            "expenditure_per_inhabitant",
            "peer_expenditure_per_inhabitant",
        ]
    ].reset_index(drop=True)
