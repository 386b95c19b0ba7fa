"""Which municipalities a figure leaves out, and why: the analyst's exclusions and the data-quality findings.

A figure never drops a municipality silently: every one of the region's municipalities that is not in
a figure gets a note under it ("Køge indgår ikke i figuren: ..."). A note left out of one measure group only
belongs to that group ("Køge indgår ikke i figuren (Opholdssteder mv.): ..."), and the rendered figure shows it
only while that group is picked in the drop-down (helpers.render.charts.Figure).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import labels

SMALL_REASON = f"færre end {labels.SMALL} brugere, vises ikke af hensyn til persondata"
COMPLEMENT_REASON = (
    f"skjult ({labels.HIDDEN}), så et antal under {labels.SMALL} i en anden indsatsgruppe eller kommune ikke kan "
    "regnes ud som forskel"
)


@dataclass(frozen=True)
class Note:
    """A note under a figure: true for every measure group (group None), or only for the group with this Danish label."""

    text: str
    group: str | None = None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Exclusion:
    """One municipality left out: of every figure (manual), or of one measure group and year (a finding)."""

    code: str
    name: str
    reason: str
    kind: str = "manual"  # manual | break | impossible
    measure_group: str | None = None
    year: int | None = None

    def applies(self, measure_group: str, years: tuple[int, ...]) -> bool:
        """Does this exclusion hit a figure of `measure_group` over `years` (one year: a level; two: a change)?"""
        if self.kind == "manual":
            return True
        if self.measure_group != measure_group:
            return False
        if self.kind == "break":  # a break between year-1 and year only spoils changes across it
            return len(years) == 2 and years[0] < self.year <= years[1]
        return self.year in years


def manual(exclude: dict[str, str], names: dict[str, str]) -> list[Exclusion]:
    """The analyst's exclusions {municipality code: reason}; an unknown code or an empty reason is an error."""
    out = []
    for code, reason in (exclude or {}).items():
        code = str(code).zfill(3)
        if code not in names:
            raise ValueError(f"exclude: unknown municipality code {code!r}")
        if not str(reason).strip():
            raise ValueError(f"exclude: give a reason for leaving out {names[code]} ({code})")
        out.append(Exclusion(code, names[code], str(reason).strip()))
    return out


def from_findings(findings: pd.DataFrame) -> list[Exclusion]:
    """Breaks in series and impossible key figures (mart_data_quality) as exclusions for their group and year."""
    rows = findings[findings["finding"].isin(["break", "impossible"]) & findings["municipality_code"].notna()]
    out = []
    for r in rows.itertuples():
        reason = r.description.removeprefix(f"{r.municipality_name} ")  # descriptions start with the name
        out.append(Exclusion(r.municipality_code, r.municipality_name, reason, r.finding, r.measure_group, int(r.year)))
    return out


def apply(
    frame: pd.DataFrame,
    exclusions: list[Exclusion],
    years: tuple[int, ...],
    value: str | None = None,
    labels: dict[str, str] | None = None,
    expected: dict[str, str] | None = None,
    missing_reason: str = "tallet mangler",
) -> tuple[pd.DataFrame, list[Note]]:
    """Drop excluded rows (columns code, measure_group) and write one note per municipality and measure group left out.

    With `value`, rows where that figure is empty are also notes ("tallet mangler" or `missing_reason`);
    `expected` ({code: name}) are the municipalities the figure should show. A manual exclusion and a municipality
    missing from the whole figure give a note for every group; the others a note for their group (`labels` name it).
    """
    labels = labels or {}
    drop = pd.Series(False, index=frame.index)
    reasons: dict[tuple[str, str | None], list[str]] = {}
    names = dict(expected or {})
    for ex in exclusions:
        if expected is not None and ex.code not in expected:
            continue
        hit = (frame["code"] == ex.code) & frame["measure_group"].map(lambda g, ex=ex: ex.applies(g, years))
        if hit.any():
            drop |= hit
            names.setdefault(ex.code, ex.name)
            groups = [None] if ex.kind == "manual" else frame.loc[hit, "measure_group"].drop_duplicates()
            for group in groups:
                reasons.setdefault((ex.code, group), []).append(ex.reason)
    kept = frame[~drop]
    if value is not None:
        empty = kept[kept[value].isna()]
        why = empty["protection"] if "protection" in empty else pd.Series("", index=empty.index)
        empty = empty.assign(
            reason=why.map({"small": SMALL_REASON, "complement": COMPLEMENT_REASON}).fillna(missing_reason)
        )
        for (code, group, reason), rows in empty.groupby(["code", "measure_group", "reason"], sort=True):
            reasons.setdefault((code, group), []).append(reason)
            names.setdefault(code, rows["name"].iloc[0])
        kept = kept[kept[value].notna()]
    if expected is not None:
        for code in sorted(set(expected) - set(frame["code"])):
            reasons.setdefault((code, None), []).append(missing_reason)
    notes = []
    for (code, group), r in sorted(
        reasons.items(), key=lambda kv: (names[kv[0][0]], kv[0][1] is not None, str(kv[0][1]))
    ):
        label = None if group is None else labels.get(group, group)
        where = "" if label is None else f" ({label})"
        notes.append(Note(f"{names[code]} indgår ikke i figuren{where}: {'; '.join(dict.fromkeys(r))}.", label))
    return kept.reset_index(drop=True), notes
