"""The data-quality report (notebooks/data_quality.ipynb): ingestion counts per kind and the findings of the checks.

A region's report covers only its own municipalities: their findings, the rejected rows and the intake of their own
extracts (the municipality of an extract comes from its rows, see sql/intermediate/int_extract_municipality.sql); the
whole country's report covers everything, also the national extracts. Reasons for rejected rows, notes on files and
why a file could not be read are Danish sentences the intake's message catalogue wrote (helpers.intake.messages).
"""

from __future__ import annotations

import pandas as pd

from helpers import labels
from helpers.warehouse import marts

KEY_FIGURE_FINDINGS = ("break", "impossible", "missing_users", "extreme")  # the checks of an area's key figures


def thresholds() -> str:
    """The checks and their limits with the values the warehouse uses (helpers.labels), as a Markdown list for readers."""
    from helpers.render.formats import format_number

    rise, fall = format_number(100 * (labels.BREAK_RISE - 1)), format_number(100 * (1 - labels.BREAK_FALL))
    return "\n".join(
        [
            "Kontrollerne og deres grænser:",
            "",
            f"- **{labels.FINDING_LABELS['break']}**: udgiften pr. indbygger i faste priser stiger mere end {rise} % eller falder mere end "
            f"{fall} % fra et år til det næste (når året før var mindst {format_number(labels.BREAK_MIN_PREVIOUS_KR)} kr. pr. indbygger).",
            f"- **{labels.FINDING_LABELS['impossible']}**: negative nettoudgifter, flere brugere end indbyggere i aldersgruppen, eller en "
            f"enhedsudgift over {format_number(labels.IMPOSSIBLE_UNIT_COST_KR)} kr. om året eller over "
            f"{format_number(labels.IMPOSSIBLE_UNIT_COST_FACTOR)} gange hele landets.",
            f"- **{labels.FINDING_LABELS['missing_users']}**: udgifter bogført, men ingen brugere indberettet.",
            f"- **{labels.FINDING_LABELS['extreme']}**: udgiften pr. indbygger ligger mere end {format_number(labels.EXTREME_ROBUST_Z, 1)} "
            "robuste standardafvigelser fra medianen for alle kommuner (beregnet på logaritmen).",
            f"- **{labels.FINDING_LABELS['peer_extreme']}** (i benchmarkrapporterne): over {format_number(labels.PEER_EXTREME_FACTOR, 0)} "
            f"gange eller under 1/{format_number(labels.PEER_EXTREME_FACTOR, 0)} af gennemsnittet for de sammenlignelige kommuner.",
            f"- Antal under {labels.SMALL} vises som {labels.SMALL_TEXT} og bruges ikke i en enhedsudgift, der vises.",
        ]
    )


def ingest_log(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Rows read, accepted and quarantined per kind of extract (Danish names): the region's own extracts, or all."""
    frame = marts.ingest_log(region_code)
    return frame.assign(kind=frame["kind"].map(labels.KIND_LABELS).fillna(frame["kind"]))


def findings(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Every finding for a region's municipalities (the country: all, also those tied to no municipality)."""
    frame = marts.findings(region_code)[["finding", "municipality_name", "year", "description"]]
    year = frame["year"].astype("Int64").astype("str").replace("<NA>", "")  # a year is a label, not 2.019
    return frame.assign(finding=frame["finding"].map(labels.FINDING_LABELS), year=year)


def summary(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Number of findings per kind of finding and municipality, for an overview table."""
    found = findings(region_code)
    grouped = found.groupby(["finding", "municipality_name"], dropna=False).size().rename("findings").reset_index()
    return grouped.sort_values(["finding", "findings"], ascending=[True, False], ignore_index=True)


def flagged(found: pd.DataFrame, area: str) -> list[str]:
    """The one definition of "a municipality with findings" that the benchmark and this report count: the
    municipalities with a finding of the key-figure checks (break, impossible, missing users, extreme) in the area,
    any year. `found` is mart_data_quality's rows (marts.findings) for the municipalities in question."""
    rows = found[
        found["finding"].isin(KEY_FIGURE_FINDINGS) & (found["area"] == area) & found["municipality_code"].notna()
    ]
    return sorted(rows["municipality_name"].unique())


def flagged_by_area(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Per area: how many of the region's municipalities have findings in the key figures (flagged) and which."""
    found = marts.findings(region_code, with_municipality=True)
    munis = marts.municipalities()
    members = munis if region_code == labels.COUNTRY_CODE else munis[munis["region_code"] == region_code]
    rows = [
        {
            "area": labels.AREA_LABELS[area],
            "flagged": len(names),
            "municipalities": len(members),
            "names": ", ".join(names),
        }
        for area in labels.AREAS
        for names in [flagged(found, area)]
    ]
    return pd.DataFrame(rows)
