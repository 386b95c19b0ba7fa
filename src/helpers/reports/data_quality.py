"""The data-quality report (notebooks/data_quality.ipynb): ingestion counts per kind and the findings of the checks.

A region's report covers only its own municipalities: their findings, the rejected rows and the intake of their own
extracts (the municipality of an extract comes from its rows, see sql/intermediate/int_extract_municipality.sql); the
whole country's report covers everything, also the national extracts. Reasons for rejected rows, notes on files and
why a file could not be read are Danish sentences the intake's message catalogue wrote (helpers.intake.messages).
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from helpers import labels
from helpers.render.formats import danish_key, format_number
from helpers.warehouse import marts

KEY_FIGURE_FINDINGS = ("break", "impossible", "missing_users", "extreme")  # the checks of an area's key figures


def thresholds() -> str:
    """The checks and their limits with the values the warehouse uses (helpers.labels), as a Markdown list for readers."""
    rise, fall = format_number(100 * (labels.BREAK_RISE - 1)), format_number(100 * (1 - labels.BREAK_FALL))
    per = " eller ".join(  # each area's own denominator
        f"{labels.AREA_TEXT[area]['per']} ({labels.AREA_NAMES_LOWER[area]})" for area in labels.AREAS
    )
    return "\n".join(
        [
            "Kontrollerne og deres grænser:",
            "",
            f"- **{labels.FINDING_LABELS['break']}**: udgiften {per} i faste priser stiger mere end {rise} % eller falder mere end "
            f"{fall} % fra et år til det næste (når året før var mindst {format_number(labels.BREAK_MIN_PREVIOUS_KR)} kr.).",
            f"- **{labels.FINDING_LABELS['impossible']}**: negative nettoudgifter, flere brugere end indbyggere i aldersgruppen, eller en "
            f"enhedsudgift over {format_number(labels.IMPOSSIBLE_UNIT_COST_KR)} kr. om året eller over "
            f"{format_number(labels.IMPOSSIBLE_UNIT_COST_FACTOR)} gange hele landets.",
            f"- **{labels.FINDING_LABELS['missing_users']}**: udgifter bogført, men ingen brugere indberettet.",
            f"- **{labels.FINDING_LABELS['extreme']}**: udgiften {per} ligger mere end {format_number(labels.EXTREME_ROBUST_Z, 1)} "
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
    # a year, shown as 2019, not 2.019 (render.tables: a column headed "År" is a year), a number in the workbook
    return frame.assign(finding=frame["finding"].map(labels.FINDING_LABELS), year=frame["year"].astype("Int64"))


def year_ranges(years: list[int]) -> str:
    """Years as a reader scans them: runs joined ("2010-2013, 2015, 2017-2024")."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def issues(region_code: str = labels.COUNTRY_CODE, found: pd.DataFrame | None = None) -> pd.DataFrame:
    """The findings grouped by issue: one row per kind of finding, municipality and what is found (a measure group's
    extreme expenditure, its missing users), with the years it holds in and each year's value; a finding without a
    year (a rejected row) is a row of its own. `found`: mart_data_quality's rows (default: the region's)."""
    found = marts.findings(region_code) if found is None else found
    yearly = found["year"].notna() & found["detail"].notna()
    keys = ["finding", "municipality_name", "issue"]
    grouped = (
        found[yearly]
        .sort_values("year")
        .groupby(keys, sort=False, dropna=False)
        .agg(
            years=("year", lambda y: year_ranges([int(v) for v in y])),
            n_years=("year", "size"),
            values=("detail", lambda d: d.tolist()),
            year_list=("year", lambda y: [int(v) for v in y]),
        )
        .reset_index()
    )
    grouped["values"] = [
        " · ".join(f"{y}: {v}" for y, v in zip(ys, vs)) for ys, vs in zip(grouped["year_list"], grouped["values"])
    ]
    single = found[~yearly].assign(
        issue=found.loc[~yearly, "description"],
        years=found.loc[~yearly, "year"].map(lambda y: "" if pd.isna(y) else str(int(y))),
        n_years=found.loc[~yearly, "year"].notna().astype(int),
        values="",
    )
    out = pd.concat([grouped.drop(columns="year_list"), single[[*keys, "years", "n_years", "values"]]])
    out = out.assign(finding=out["finding"].map(labels.FINDING_LABELS).fillna(out["finding"]))
    order = out["municipality_name"].fillna("").map(danish_key)
    return out.assign(order=order).sort_values(["order", "finding", "issue"], ignore_index=True).drop(columns="order")


def summary(region_code: str = labels.COUNTRY_CODE) -> pd.DataFrame:
    """Per kind of finding and municipality: how many issues and how many findings (an issue's years), for an overview."""
    grouped = issues(region_code).groupby(["finding", "municipality_name"], dropna=False)
    out = grouped.agg(issues=("issue", "size"), findings=("n_years", lambda n: int(n.clip(lower=1).sum())))
    out = out.reset_index()
    return out.sort_values(["finding", "findings"], ascending=[True, False], ignore_index=True)


def intro(region_code: str = labels.COUNTRY_CODE) -> str:
    """What the report covers, from its own tables: which extracts were read (and how many rows were rejected), and
    whose findings it lists, so the words agree with the tables below."""
    log = ingest_log(region_code)
    kinds = [k.lower() for k in log["kind"]]
    listed = ", ".join(kinds[:-1]) + " og " + kinds[-1] if len(kinds) > 1 else "".join(kinds)
    read, rejected = int(log["rows_read"].sum()), int(log["rejected"].sum())
    country = region_code == labels.COUNTRY_CODE
    whose = "regionens kommuners egne udtræk" if not country else "alle udtræk, også de landsdækkende"
    text = (
        f"Indlæst er {whose}: {listed or 'ingen'}; i alt {format_number(read)} rækker, heraf "
        f"{format_number(rejected)} afvist."
        if kinds
        else f"Der er ingen {whose} i datagrundlaget."
    )
    found = marts.findings(region_code)
    loose = int(found["municipality_code"].isna().sum())
    if country and loose:
        text += (
            f" {_count_word(loose, 'fund', 'fund')} hører ikke til en bestemt kommune (fx en afvist række i et "
            "landsdækkende udtræk) og står uden kommunenavn."
        )
    elif not country:
        text += " Fund, der ikke hører til en bestemt kommune, står i rapporten for hele landet."
    return text


def _count_word(n: int, one: str, many: str) -> str:
    """'Ét fund', '3 fund': a count that may open a sentence."""
    return ("Ét " + one) if n == 1 else f"{format_number(n)} {many}"


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


def highlighted_name(highlight: str) -> str:
    """The name of the municipality a report highlights (reports --municipality), "" for none."""
    return marts.municipality_names()[highlight] if highlight else ""


def highlight_note(found: pd.DataFrame, name: str) -> Markdown | None:
    """`found`: the issues (issues()). For a report with a municipality highlighted: its name, its number of findings and how its rows are marked;
    nothing without a highlight."""
    if not name:
        return None
    own = found["municipality_name"].eq(name)  # the issues (quality.issues); each counts its years, at least one
    count = int(found.loc[own, "n_years"].clip(lower=1).sum())
    findings_text = "ingen fund" if count == 0 else "ét fund" if count == 1 else f"{format_number(count)} fund"
    return Markdown(
        f"**{name}** er fremhævet: kommunens rækker står med fed skrift på gul bund i tabellerne. "
        f"{name} har {findings_text} i kontrollen."
    )
