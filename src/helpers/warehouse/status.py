"""What the warehouse holds per municipality and kind of extract, whose data it is (the sample's, the municipality's own,
Statistics Denmark's), and what each report lacks ("no budget for 2025"): `python -m helpers status`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from helpers import labels, paths
from helpers.intake import workspace
from helpers.intake.parsers import area_code
from helpers.warehouse import marts

ORIGINS = {"sample": "sample", "own": "own", "statbank": "StatBank"}
PUBLIC_KINDS = ("population", "expenditure", "users", "price_index", "municipal_facts")


@dataclass
class Facts:
    """Everything status reads from the warehouse, once."""

    inventory: pd.DataFrame
    snapshots: pd.DataFrame
    budgets: pd.DataFrame
    actuals: pd.DataFrame
    transitions: pd.DataFrame
    progression: pd.DataFrame
    population: pd.DataFrame
    benchmark: pd.DataFrame
    benchmark_year: int | None
    names: dict[str, str]

    @classmethod
    def read(cls) -> Facts:
        try:
            year = marts.benchmark_years()[1]
        except (IndexError, TypeError, ValueError):
            year = None
        return cls(
            marts.extracts(),
            marts.snapshot_counts(),
            marts.budget_years(),
            marts.actual_months(),
            marts.transition_counts(),
            marts.progression_periods(),
            marts.population_years(),
            marts.benchmark_coverage(year) if year else pd.DataFrame(columns=["municipality_code", "area"]),
            year,
            marts.municipality_names(),
        )


def _period(rows: pd.DataFrame) -> str:
    starts, ends = rows["period_start"].dropna(), rows["period_end"].dropna()
    return f"{starts.min()} to {ends.max()}" if len(starts) else "no rows"


def _used(inventory: pd.DataFrame) -> pd.DataFrame:
    """The extracts whose rows the warehouse uses: a sample extract whose every row the workspace replaced is left out."""
    replaced = inventory["replaced"].fillna(0)
    return inventory[(replaced == 0) | (replaced < inventory["accepted"])]


def _kind_line(kind: str, rows: pd.DataFrame) -> str:
    """One kind's extracts of one municipality: whose, how many files, the period and the rows."""
    origins = ", ".join(ORIGINS.get(o, o) for o in sorted(set(rows["origin"])))
    failed = rows["failed"].notna().sum()
    used = int(rows["accepted"].sum() - rows["replaced"].fillna(0).sum())
    text = (
        f"    {kind:<17} {origins:<9} {len(rows)} file(s), {_period(rows)}: {used:,} rows used, "
        f"{int(rows['rejected'].sum()):,} quarantined, {int(rows['unmapped'].sum()):,} with unmapped values"
    )
    return text + (f", {failed} could not be read" if failed else "")


def lacks(code: str, facts: Facts) -> list[str]:
    """What each report of a municipality lacks, one line per report (ok when nothing)."""
    lines = []
    snaps = facts.snapshots[facts.snapshots["municipality_code"] == code]
    registered = code in set(facts.progression["municipality_code"])
    populated = code in set(facts.population["municipality_code"])
    if snaps.empty:
        lines.append("forecast and key-figure packs: no case snapshots (add a case extract)")
    for snap in snaps.itertuples():
        as_of = pd.Timestamp(snap.last).date()
        missing = []
        budget = facts.budgets[
            (facts.budgets["municipality_code"] == code)
            & (facts.budgets["area"] == snap.area)
            & (facts.budgets["year"] == as_of.year)
        ]
        if budget.empty:
            missing.append(f"no budget for {as_of.year}")
        booked = facts.actuals[
            (facts.actuals["municipality_code"] == code)
            & (facts.actuals["area"] == snap.area)
            & (facts.actuals["year"] == as_of.year)
        ]
        if booked.empty:
            missing.append(f"no bookings (actuals) in {as_of.year}: the months to date are computed from the rates")
        elif booked["last"].max() < f"{as_of:%Y-%m}":
            missing.append(f"bookings only to {booked['last'].max()}, the snapshot is of {as_of:%d.%m.%Y}")
        if snap.area == "adults" and code not in set(facts.transitions["municipality_code"]):
            missing.append("no transition list: no inflow from the children's area")
        if snap.snapshots < 2:
            missing.append("one snapshot only: no change since last month")
        what = "; ".join(missing) if missing else "ok"
        lines.append(f"forecast, {labels.AREA_NAMES_LOWER[snap.area]}, as of {as_of:%d.%m.%Y}: {what}")
    if not snaps.empty:
        missing = []
        if not populated:
            missing.append("no population: no figures per 10,000 inhabitants")
        if not registered:
            missing.append("no progression registrations: follow-ups on time not shown")
        lines.append(f"key-figure packs: {'; '.join(missing) if missing else 'ok'}")
    if facts.benchmark_year:
        for area in labels.AREAS:
            row = facts.benchmark[(facts.benchmark["municipality_code"] == code) & (facts.benchmark["area"] == area)]
            missing = []
            if row.empty or pd.isna(row["expenditure"].iloc[0]):
                missing.append(f"no expenditure for {facts.benchmark_year}")
            if row.empty or pd.isna(row["users"].iloc[0]):
                missing.append(f"no users for {facts.benchmark_year}: no unit costs")
            what = "; ".join(missing) if missing else "ok"
            lines.append(f"benchmark, {labels.AREA_NAMES_LOWER[area]}, {facts.benchmark_year}: {what}")
    lines.append("progression: " + ("ok" if registered else "no progression registrations"))
    return lines


def _municipality(code: str, facts: Facts) -> list[str]:
    rows = _used(facts.inventory[facts.inventory["municipality_code"] == code])
    lines = [f"  {code} {facts.names.get(code, '')}"]
    for kind in workspace.OWN_KINDS + PUBLIC_KINDS:
        part = rows[rows["kind"] == kind]
        if len(part):
            lines.append(_kind_line(kind, part))
    national = facts.inventory[facts.inventory["municipality_code"].isna() & facts.inventory["kind"].isin(PUBLIC_KINDS)]
    for kind in PUBLIC_KINDS:
        part = national[national["kind"] == kind]
        if len(part) and not (rows["kind"] == kind).any():
            lines.append(
                f"    {kind:<17} {', '.join(ORIGINS.get(o, o) for o in sorted(set(part['origin'])))} (all municipalities)"
            )
    lines += [f"    - {line}" for line in lacks(code, facts)]
    return lines


def _code(text: str) -> str:
    code = area_code(text)
    if code is None:
        raise ValueError(f"--municipality: no municipality {text!r} (give a 3-digit code or a name)")
    return code


def report(municipality: str | None = None) -> list[str]:
    """The status as lines: the warehouse and the workspace, per municipality with its own data (or the one asked for)
    each kind and what its reports lack, then the rest by kind."""
    target = paths.warehouse_path()
    if not target.exists():
        raise FileNotFoundError(f"{target}: no warehouse yet; run `python -m helpers build`")
    facts = Facts.read()
    built = dt.datetime.fromtimestamp(target.stat().st_mtime)
    inv = facts.inventory
    own = inv[inv["origin"] != "sample"]
    lines = [
        f"warehouse {target}, built {built:%d.%m.%Y %H:%M} from {len(inv)} extract(s), {len(own)} of them the "
        "workspace's"
    ]
    space = paths.workspace_dir()
    listed = workspace.manifest(space)
    manifest = space / paths.MANIFEST
    lines.append(f"workspace {space}: {len(listed)} extract(s)")
    if manifest.exists() and manifest.stat().st_mtime > target.stat().st_mtime:
        lines.append("  the workspace changed after the build: run python -m helpers build")
    built_files = set(inv["file"])
    for row in listed.itertuples():
        if workspace.warehouse_name(row.file, row.origin) not in built_files:
            lines.append(f"  not built yet: {row.file}")
    failed = inv[inv["failed"].notna()]
    for row in failed.itertuples():
        lines.append(f"  FAILED {row.file}: {row.failed}")
    if municipality:
        codes = [_code(municipality)]
        lines.append("")
        lines.append("municipality:")
    else:
        codes = sorted(set(own["municipality_code"].dropna()))
        lines.append("")
        lines.append("municipalities with their own data:" if codes else "municipalities with their own data: none")
    for code in codes:
        lines += _municipality(code, facts)
    if not municipality:
        lines.append("")
        lines.append("all data by kind:")
        for kind in PUBLIC_KINDS + workspace.OWN_KINDS:
            part = _used(inv[inv["kind"] == kind])
            if part.empty:
                lines.append(f"    {kind:<17} none")
                continue
            for origin, rows in part.groupby("origin", sort=True):
                whose = sorted(set(rows["municipality_code"].dropna()))
                scope = (
                    f"{len(whose)} municipalit{'y' if len(whose) == 1 else 'ies'}" if whose else "all municipalities"
                )
                lines.append(
                    f"    {kind:<17} {ORIGINS.get(origin, origin):<9} {len(rows)} file(s), {_period(rows)}, {scope}"
                    + (f": {', '.join(f'{c} {facts.names.get(c, c)}' for c in whose)}" if 0 < len(whose) <= 12 else "")
                )
    return lines
