"""The data-quality report (notebooks/data_quality.ipynb): ingestion counts per kind and the findings of the checks.

A region's report covers only its own municipalities: their findings, the rejected rows and the intake of their own
extracts (the municipality of an extract comes from its rows, see sql/intermediate/int_extract_municipality.sql); the
whole country's report covers everything, also the national extracts. Reasons for rejected rows are Danish sentences.
"""

from __future__ import annotations

import re

import pandas as pd

from helpers import labels
from helpers.render.formats import danish_key
from helpers.warehouse import marts

KEY_FIGURE_FINDINGS = ("break", "impossible", "missing_users", "extreme")  # the checks of an area's key figures

COLUMN_NAMES = {
    "municipality_code": "kommunekode",
    "function": "funktion",
    "account_group": "dranst",
    "year": "år",
    "area": "område",
    "measure_group": "indsatsgruppe",
    "case_id": "sag",
    "measure": "delområde",
    "month": "måned",
    "registration_no": "registreringsnummer",
    "start_date": "startdato",
    "age": "alder",
    "sex": "køn",
}


def _columns(text: str) -> str:
    names = [COLUMN_NAMES.get(c.strip(), c.strip()) for c in text.split(",")]
    return ", ".join(names[:-1]) + " og " + names[-1] if len(names) > 1 else names[0]


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


# The intake's reasons (English, for developers) as sentences a reader understands; the first pattern that matches wins.
REASONS: list[tuple[str, object]] = [
    (
        r"duplicate of line (\d+) \(same (.+)\)",
        lambda m: f"rækken er en dublet af linje {m[1]} (samme {_columns(m[2])})",
    ),
    (
        r"duplicate of line (\d+) \(identical in every column\)",
        lambda m: f"rækken er identisk med linje {m[1]} i alle kolonner",
    ),
    (
        r"a unit that cannot become money: '([^']*)'",
        lambda m: f"enheden {m[1]} kan ikke omregnes til kroner pr. dag eller måned",
    ),
    (r"a one-off amount without a stop date.*", lambda m: "et engangsbeløb uden slutdato kan ikke fordeles på måneder"),
    (
        r"'([^']*)' can be read with a decimal comma or a decimal point.*",
        lambda m: f"tallet {m[1]} kan læses med decimalkomma eller decimalpunktum; angiv --decimal",
    ),
    (
        r"the column mixes decimal commas and decimal points",
        lambda m: "kolonnen blander decimalkomma og decimalpunktum",
    ),
    (r"not a CPR number.*", lambda m: "CPR-nummeret kan ikke læses"),
    (r"impossible birth date in CPR number.*", lambda m: "CPR-nummerets fødselsdato findes ikke"),
    (r"not a date \(an Excel serial number out of range\)", lambda m: "tallet er ikke en dato"),
    (r"not a sex[^:]*: '([^']*)'", lambda m: f"{m[1]} er ikke et køn"),
    (r"impossible or unreadable date: '([^']*)'.*", lambda m: f"datoen {m[1]} findes ikke eller kan ikke læses"),
    (
        r"open-ended sentinel where a date is required: '([^']*)'",
        lambda m: f"datoen {m[1]} betyder 'ingen slutdato', men her skal stå en dato",
    ),
    (r"stop date (\S+) before start date (\S+)", lambda m: f"slutdatoen {m[1]} ligger før startdatoen {m[2]}"),
    (r"negative amount: '([^']*)'", lambda m: f"beløbet {m[1]} er negativt"),
    (r"negative count: '([^']*)'", lambda m: f"antallet {m[1]} er negativt"),
    (r"not a whole number: '([^']*)'", lambda m: f"{m[1]} er ikke et helt tal"),
    (r"not a number: '([^']*)'", lambda m: f"{m[1]} er ikke et tal"),
    (r"not a date: '([^']*)'", lambda m: f"{m[1]} er ikke en dato"),
    (r"probability outside 0-1: '([^']*)'", lambda m: f"sandsynligheden {m[1]} ligger ikke mellem 0 og 1"),
    (
        r"not one of \[([^\]]*)\]: '([^']*)'",
        lambda m: (
            f"værdien '{m[2]}' er ikke tilladt her (tilladt: {', '.join(v.strip(chr(39)) for v in m[1].split(', '))})"
        ),
    ),
    (r"VUM score not in [^:]*: '([^']*)'", lambda m: f"VUM-scoren {m[1]} findes ikke (tilladt: 0, 1, 2, 3, 3,5 og 4)"),
    (
        r"registration number out of sequence: (\d+) where (\d+) was expected",
        lambda m: f"registreringsnummer {m[1]} springer over: nummer {m[2]} var ventet",
    ),
    (
        r"registration date (\S+) not after registration (\d+) \((\S+)\)",
        lambda m: f"registreringsdatoen {m[1]} ligger ikke efter registrering {m[2]} ({m[3]})",
    ),
    (r"(\d+) fields where the header has (\d+)", lambda m: f"rækken har {m[1]} felter, men overskriften {m[2]}"),
    (r"missing person id.*", lambda m: "rækken har hverken CPR-nummer eller sagsnummer"),
    (r"missing value", lambda m: "en påkrævet værdi mangler"),
    (r"not a municipality code: '([^']*)'", lambda m: f"{m[1]} er ikke en kommunekode"),
    (r"unknown municipality code: '([^']*)'", lambda m: f"kommunekoden {m[1]} findes ikke"),
    (r"unknown area \(code or name\): '([^']*)'", lambda m: f"området {m[1]} findes ikke"),
    (r"unknown measure group for area (\S+)", lambda m: f"indsatsgruppen hører ikke til området {m[1]}"),
    (r"unknown measure or measure group: '([^']*)'", lambda m: f"indsatsen {m[1]} findes ikke"),
    (r"unknown measure \(see [^)]*\): '([^']*)'", lambda m: f"delområdet {m[1]} findes ikke"),
    (r"impossible age: '([^']*)'", lambda m: f"alderen {m[1]} er ikke mulig"),
    (r"not a StatBank period[^:]*: '([^']*)'", lambda m: f"{m[1]} er ikke en periode fra Statistikbanken"),
    (r"not an account function[^:]*: '([^']*)'", lambda m: f"{m[1]} er ikke en kontofunktion"),
    (r"not an account group[^:]*: '([^']*)'", lambda m: f"{m[1]} er ikke en dranst (3 cifre)"),
    (r"not a month \(YYYY-MM\): '([^']*)'", lambda m: f"{m[1]} er ikke en måned (ÅÅÅÅ-MM)"),
    (r"no such month: '([^']*)'", lambda m: f"måneden {m[1]} findes ikke"),
    (r"(.+) outside (\S+)-(\S+): '([^']*)'", lambda m: f"{m[4]} ligger uden for {m[2]}-{m[3]}"),
]


def danish_reason(reason: str) -> str:
    """The intake's reason(s) for rejecting a row (several joined by '; ') as one Danish sentence."""
    parts = []
    for part in str(reason).split("; "):
        for pattern, sentence in REASONS:
            m = re.fullmatch(pattern, part.strip())
            if m:
                parts.append(sentence(m))
                break
        else:
            parts.append(f"rækken opfylder ikke udtrækkets regler ({part})")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def ingest_log(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Rows read, accepted and quarantined per kind of extract (Danish names): the region's own extracts, or all."""
    frame = marts.ingest_log(region_code)
    return frame.assign(kind=frame["kind"].map(labels.KIND_LABELS).fillna(frame["kind"]))


def _describe(row: pd.Series) -> str:
    """A finding's description; a rejected row's reason in Danish ('fil, linje 12: Beløbet -9,5 er negativt.')."""
    m = (
        re.fullmatch(r"(.+) linje (\d+): (.*)", row["description"], flags=re.S)
        if row["finding"] == "quarantined_row"
        else None
    )
    return f"{m[1]}, linje {m[2]}: {danish_reason(m[3])}" if m else row["description"]


def findings(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Every finding for a region's municipalities (the country: all, also those tied to no municipality)."""
    frame = marts.findings(region_code)
    frame = frame.assign(description=frame.apply(_describe, axis=1))[
        ["finding", "municipality_name", "year", "description"]
    ]
    # a year, shown as 2019, not 2.019 (render.tables: a column headed "År" is a year), a number in the workbook
    return frame.assign(finding=frame["finding"].map(labels.FINDING_LABELS), year=frame["year"].astype("Int64"))


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
    return sorted(rows["municipality_name"].unique(), key=danish_key)


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
