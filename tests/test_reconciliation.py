"""Issue 15: one set of numbers. Renders the forecast reports and the three key-figure packs of one municipality, and
the benchmark and data-quality reports of its region, and checks that every figure appearing in more than one of them
(expected result, budget, deviation, per sub-area too, recipients, findings) is the same, and the same as the CLI's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import helpers_cli, page_charts
from helpers import labels
from helpers.render.formats import format_number, slugify
from helpers.render.workbook import html_tables

MUNICIPALITY, SLUG = "813", "frederikshavn"
REGION, REGION_SLUG = "085", "region-sjaelland"  # a region with findings in the adults' key figures
AUDIENCES = ("politicians", "finance", "department")


@pytest.fixture(scope="module")
def rendered(every_report) -> Path:
    """The batch run's folder: the municipality's forecast reports and packs, its region's reports."""
    return every_report[0]


def _tables(page: Path) -> list[list[list[str]]]:
    return html_tables(page.read_text(encoding="utf-8"))


def _table(page: Path, column: str) -> list[dict[str, str]]:
    """The rows (as {header: cell}) of the first table of a page with `column` in its header."""
    head, *rows = next(t for t in _tables(page) if column in t[0])
    return [dict(zip(head, row)) for row in rows]


def _forecast_page(rendered: Path, area: str) -> Path:
    return rendered / "forecast" / f"{slugify(f'{SLUG}, {labels.AREA_NAMES_LOWER[area]}')}.html"


def _forecast_total(rendered: Path, area: str) -> dict[str, str]:
    rows = _table(_forecast_page(rendered, area), "Forventet regnskab, kr.")
    return next(r for r in rows if r["Delområde"] == "I alt")


@pytest.mark.parametrize("area", labels.AREAS)
def test_expected_result_budget_and_deviation_agree_across_the_forecast_report_the_packs_and_the_cli(rendered, area):
    forecast = _forecast_total(rendered, area)
    cli = json.loads(
        helpers_cli(
            "forecast", "--municipality", MUNICIPALITY, "--area", area, "--as-of", "2024-09-30", "--json", check=True
        ).stdout
    )
    assert forecast["Forventet regnskab, kr."] == format_number(cli["forecast_total"])  # Danish whole kroner
    assert forecast["Budget, kr."] == format_number(cli["budget"])
    assert forecast["Afvigelse (+ = merforbrug), kr."] == format_number(cli["deviation"])
    for audience in AUDIENCES:
        pack = rendered / "indicators" / SLUG / f"{audience}.html"
        row = next(r for r in _table(pack, "Forventet regnskab, kr.") if r["Område"] == labels.AREA_LABELS[area])
        assert row["Forventet regnskab, kr."] == forecast["Forventet regnskab, kr."], audience
        assert row["Budget, kr."] == forecast["Budget, kr."], audience
        assert row["Afvigelse (+ = merforbrug), kr."] == forecast["Afvigelse (+ = merforbrug), kr."], audience


@pytest.mark.parametrize("area", labels.AREAS)
def test_every_sub_area_agrees_between_the_forecast_report_and_the_finance_pack(rendered, area):
    report = {r["Delområde"]: r for r in _table(_forecast_page(rendered, area), "Pulje (skøn), kr.")}
    finance = [
        r
        for r in _table(rendered / "indicators" / SLUG / "finance.html", "Heraf pulje, kr.")
        if r["Område"] == labels.AREA_LABELS[area]
    ]
    assert len(finance) == len(report) - 1  # the report has a total row
    for row in finance:
        mine = report[row["Delområde"]]
        assert (
            row["Forventet regnskab, kr."],
            row["Budget, kr."],
            row["Afvigelse (+ = merforbrug), kr."],
            row["Heraf pulje, kr."],
        ) == (
            mine["Forventet regnskab, kr."],
            mine["Budget, kr."],
            mine["Afvigelse (+ = merforbrug), kr."],
            mine["Pulje (skøn), kr."],
        )


@pytest.mark.parametrize("area", labels.AREAS)
def test_the_forecast_report_agrees_with_itself(rendered, area):
    page = (_forecast_page(rendered, area)).read_text(encoding="utf-8")
    total = _forecast_total(rendered, area)["Forventet regnskab, kr."]
    said = re.search(
        r"Det forventede regnskab for 2024 er (?:forværret|forbedret) med ([\d.]+) kr\. fra ([\d.]+) kr\. \(31\.08\.2024\) "
        r"til ([\d.]+) kr\. \(30\.09\.2024\)",
        page,
    )
    assert said and said[3] == total  # the change since last month ends at the table's expected result
    last_month = json.loads(
        helpers_cli(
            "forecast",
            "--municipality",
            MUNICIPALITY,
            "--area",
            area,
            "--as-of",
            "2024-08-31",
            "--year",
            "2024",
            "--json",
            check=True,
        ).stdout
    )
    assert said[2] == format_number(last_month["forecast_total"])  # ... and starts at last month's
    months = next(
        c["spec"]
        for c in page_charts(page)
        if "Bogført og prognose" in json.dumps(c["spec"].get("title", ""), ensure_ascii=False)
    )
    kinds = {(row["month"], row["kind"]) for row in next(iter(months["datasets"].values()))}
    assert {m for m, k in kinds if k == "Prognose"} == {
        "2024-10",
        "2024-11",
        "2024-12",
    }  # forecast after the as-of date only
    assert all(m <= "2024-09" for m, k in kinds if k != "Prognose")  # booked (and not yet booked) to it


def test_recipients_agree_across_the_three_packs(rendered):
    shown = {}
    for audience in AUDIENCES:
        rows = _table(rendered / "indicators" / SLUG / f"{audience}.html", "Modtagere nu")
        shown[audience] = {
            (r["Område"], r["Delområde"]): (r["Modtagere nu"], r["Modtagere for et år siden"]) for r in rows
        }
    assert shown["politicians"] == shown["finance"] == shown["department"] and len(shown["finance"]) > 10


def test_findings_count_agrees_between_the_benchmark_and_the_data_quality_report(rendered):
    benchmark = (rendered / "benchmark" / "adults" / f"{REGION_SLUG}.html").read_text(encoding="utf-8")
    said = re.search(
        r"(Ingen|Én|To|Tre|Fire|Fem|Seks|Syv|Otte|Ni|Ti|Elleve|Tolv|I alt \d+) af de (\d+) kommuner har fund i "
        r"datakvalitetskontrollen af nøgletallene for voksne",
        benchmark,
    )
    quality = next(
        r
        for r in _table(rendered / "data_quality" / f"{REGION_SLUG}.html", "Kommuner med fund")
        if r["Område"] == "Voksne"
    )
    words = ["Ingen", "Én", "To", "Tre", "Fire", "Fem", "Seks", "Syv", "Otte", "Ni", "Ti", "Elleve", "Tolv"]
    n = str(words.index(said[1])) if said and said[1] in words else said and said[1].removeprefix("I alt ")
    assert said and (n, said[2]) == (quality["Kommuner med fund"], quality["Kommuner i alt"])
    listed = {
        r["Kommune"]
        for r in _table(rendered / "benchmark" / "adults" / f"{REGION_SLUG}.html", "Fund")
        if r["Fund"] != labels.FINDING_LABELS["peer_extreme"]
    }
    assert listed == set(filter(None, quality["Kommuner"].split(", ")))  # the same municipalities, listed in both


def test_a_regions_data_quality_report_lists_only_its_own_municipalities(rendered):
    from helpers.reports import data_quality
    from helpers.warehouse import marts

    page = rendered / "data_quality" / f"{REGION_SLUG}.html"
    names = marts.municipalities()
    own = set(names.loc[names["region_code"] == REGION, "municipality_name"])
    found = _table(page, "Beskrivelse")
    assert found and {r["Kommune"] for r in found} <= own  # no other region's findings and none tied to no municipality
    intake = {r["Udtræk"] for r in _table(page, "Rækker læst")}
    assert intake == {
        "Progressionsregistreringer"
    }  # Roskilde's and Slagelse's own extracts; the national ones are the country's
    # rejected rows: Svendborg's case extract in Syddanmark's report only, København's registrations in Hovedstaden's,
    # the national accounts extract's in the country's; each reason a Danish sentence
    south, capital, country = (data_quality.findings(r) for r in ("083", "084", labels.COUNTRY_CODE))
    rejected = labels.FINDING_LABELS["quarantined_row"]
    assert set(south.loc[south["finding"] == rejected, "municipality_name"]) == {"Svendborg"}
    assert set(capital.loc[capital["finding"] == rejected, "municipality_name"]) == {"København"}
    assert (country["finding"] == rejected).sum() == 8 and country["municipality_name"].isna().any()
    assert (
        "cases/479_svendborg/cases_2024-09-30.csv, linje 3233: Enheden pr. gang kan ikke omregnes til kroner pr. dag eller måned."
        in set(south["description"])
    )
    assert (
        not country["description"].str.contains(r"not one of|duplicate of|negative amount|rækken opfylder ikke").any()
    )


@pytest.mark.parametrize("area", labels.AREAS)
def test_the_interval_and_the_backtest_agree_between_the_forecast_report_the_finance_pack_and_the_cli(rendered, area):
    """Issue 22, point 5: one computation (expected_result's backtest) behind the forecast report, the finance pack and
    `python -m helpers backtest`."""
    sentence = re.compile(
        r"Det forventede regnskab på ([\d.]+) kr\. ligger med et 80 %-interval mellem ([\d.]+) kr\. og ([\d.]+) kr\."
    )
    report = sentence.findall(re.sub(r"<[^>]+>", " ", _forecast_page(rendered, area).read_text(encoding="utf-8")))
    finance = sentence.findall(
        re.sub(r"<[^>]+>", " ", (rendered / "indicators" / SLUG / "finance.html").read_text(encoding="utf-8"))
    )
    got = json.loads(
        helpers_cli("backtest", "--municipality", MUNICIPALITY, "--area", area, "--json", check=True).stdout
    )
    interval = got["interval"]
    assert len(report) == 1 and report[0] in finance
    assert report[0][1:] == (format_number(interval["low"]), format_number(interval["high"]))
    assert report[0][0] == _forecast_total(rendered, area)["Forventet regnskab, kr."]
    months = [r for r in _table(_forecast_page(rendered, area), "Prognose lavet ved udgangen af")]
    assert len(months) == 12 and months[8]["Prognosen: gns. fejl, pct."] == format_number(
        got["by_month"][8]["forecast_mae_pct"], 1
    )
