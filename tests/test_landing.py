"""The landing page reports/index.html and the workbooks beside the reports, on rendered output: reports grouped by
kind under Danish titles with links to page and workbook, the run log folded away, index.json for scripts, sheets
named after their sections with a first sheet "Om"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from helpers.render import batch
from helpers.render.workbook import html_tables

HILLEROED = {"municipality": "219", "audience": "politicians"}
SJAELLAND = {"area": "children", "region": "085"}


@pytest.fixture(scope="module")
def rendered(warehouse_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing")
    pack = batch.render_all(only=["indicators"], filters=HILLEROED, out_dir=out, workers=1, progress=False)
    bench = batch.render_all(only=["benchmark"], filters=SJAELLAND, out_dir=out, workers=1, progress=False)
    assert [r.error for r in pack + bench] == [None, None]
    return out


def _unfolded(page: str) -> str:
    """The page without the folded run log (and without its style and title)."""
    return re.sub(r"<details.*?</details>|<style.*?</style>|<title>.*?</title>", "", page, flags=re.S)


def _lists(page: str) -> str:
    """The lists of reports by kind: the page after the finder (every municipality with links to its reports)."""
    return _unfolded(page).split('<table class="municipalities">')[1].split("</table>", 1)[1]


def _visible(page: str) -> str:
    """The text a reader sees without opening the run log."""
    return re.sub(r"<[^>]+>", " ", _unfolded(page))


def test_index_groups_reports_by_kind_under_danish_titles(rendered):
    page = (rendered / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h2 id="([^"]+)">([^<]+)</h2>', page)
    assert [title for _, title in headings] == [
        "Find en kommunes rapporter",
        "Benchmark, børn og unge",
        "Nøgletal for politikere",
    ]
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', page, flags=re.S).group(1)
    assert re.findall(r'href="#([^"]+)"', toc) == [anchor for anchor, _ in headings] + ["koerselslog"]
    tables = html_tables(_lists(page))
    assert tables[0][0] == ["Region", "Periode", "Data", "Filer"] and tables[1][0][0] == "Kommune"
    region, period, data, files = tables[0][1]
    assert (
        (region, period) == ("Region Sjælland", "2021–2024")
        and "Befolkning 1. kvartal 2010–1. kvartal 2024" in data
        and "sha256" not in data
    )
    assert tables[1][1][:2] == ["Hillerød", "3. kvartal 2024"]  # the pack's period 2024-Q3
    assert files == "Rapport (HTML) · Tabeller (Excel)"
    visible = _visible(page)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\bchildren\b|\bpoliticians\b|region = ", visible), (
        "codes only in the run log"
    )


def test_index_links_reach_both_files_of_every_report(rendered):
    page = (rendered / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"#]+)">', _lists(page))
    assert sorted(links) == sorted(
        [
            "benchmark/children/region-sjaelland.html",
            "benchmark/children/region-sjaelland.xlsx",
            "indicators/hilleroed/politicians.html",
            "indicators/hilleroed/politicians.xlsx",
        ]
    )
    assert all((rendered / link).is_file() for link in links)


def test_run_log_is_folded_away_with_raw_parameters(rendered):
    page = (rendered / "index.html").read_text(encoding="utf-8")
    log = re.search(r"<details[^>]*>(.*?)</details>", page, flags=re.S)
    assert log and "<details open" not in page
    assert "region = 085" in log.group(1) and "audience = politicians" in log.group(1) and "(0 fejl)" in log.group(1)
    assert re.search(r"<td>\d+,\d s</td>", log.group(1))  # render time per report


def test_index_json_lists_every_report_for_scripts(rendered):
    entries = {e["slug"]: e for e in json.loads((rendered / "index.json").read_text(encoding="utf-8"))}
    bench, pack = entries["children/region-sjaelland"], entries["hilleroed/politicians"]
    assert bench["kind"] == "benchmark_children" and pack["kind"] == "indicators_politicians"
    assert (
        bench["params"]["region"] == "085"
        and bench["params"]["area"] == "children"
        and pack["params"]["municipality"] == "219"
    )
    assert (
        bench["path"] == "benchmark/children/region-sjaelland.html"
        and bench["xlsx"] == "benchmark/children/region-sjaelland.xlsx"
    )
    assert bench["error"] is None and pack["report"] == "indicators"


def test_a_failed_report_is_a_line_in_its_group_and_in_the_log(rendered, tmp_path):
    entries = json.loads((rendered / "index.json").read_text(encoding="utf-8"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.json").write_text(json.dumps(entries), encoding="utf-8")
    failed = batch.RenderResult(
        "indicators",
        "hilleroed/finance",
        {"municipality": "219", "municipality_name": "Hillerød", "audience": "finance", "period": "2024-09"},
        error="ZeroDivisionError: division by zero",
        failing_cell=4,
        kind="indicators_finance",
    )
    page = batch.write_index([failed], out).read_text(encoding="utf-8")
    finance = page.split('id="noegletal-for-oekonomi"')[1].split("</table>")[0]
    assert "Hillerød" in finance and "september 2024" in finance and "Fejlede, se kørselsloggen" in finance
    assert "fejl i celle 4: ZeroDivisionError" in page.split("<details")[1] and "1 fejlede" in _visible(page)


def _headings(page: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", page, flags=re.S)
        if "${" not in h
    ]


@pytest.mark.parametrize("report", ["indicators/hilleroed/politicians", "benchmark/children/region-sjaelland"])
def test_workbook_sheets_are_named_after_sections_with_an_about_sheet_first(rendered, report):
    book = load_workbook(rendered / f"{report}.xlsx")
    headings = _headings((rendered / f"{report}.html").read_text(encoding="utf-8"))
    names = book.sheetnames
    assert names[0] == "Om" and len(names) > 2 and len({n.lower() for n in names}) == len(names)
    for name in names[1:]:
        assert len(name) <= 31
        stem = re.sub(r"…( \(\d+\))?$", "", name)
        assert any(h.startswith(stem) for h in headings), f"sheet {name!r} is no section of the report"
    assert not any(re.search(r" \d+$", n) for n in names), "no 'Om nøgletallene 2': every table under its own section"


def test_about_sheet_gives_title_parameters_vintage_and_the_markers(rendered):
    about = dict(load_workbook(rendered / "indicators/hilleroed/politicians.xlsx")["Om"].iter_rows(values_only=True))
    assert about["Rapport"].startswith("Nøgletal") and "Hillerød" in about["Rapport"]
    assert (about["Kommune"], about["Målgruppe"], about["Periode"]) == ("Hillerød", "Politikere", "3. kvartal 2024")
    assert "Sager (øjebliksbilleder): 63 filer" in about["Data"] and re.fullmatch(
        r"\d\d\.\d\d\.\d{4} \d\d:\d\d", about["Dannet"]
    )
    book = load_workbook(rendered / "indicators/hilleroed/politicians.xlsx")
    marked = any(v in ("<5", "..") for ws in book.worksheets[1:] for row in ws.iter_rows(values_only=True) for v in row)
    assert ("Tegn" in about) == marked and (not marked or "<5: færre end 5" in about["Tegn"])
    bench = dict(load_workbook(rendered / "benchmark/children/region-sjaelland.xlsx")["Om"].iter_rows(values_only=True))
    assert (bench["Region"], bench["Område"], bench["Periode"], bench["Priser"]) == (
        "Region Sjælland",
        "Børn og unge",
        "2021–2024",
        "2024-niveau",
    )


@pytest.mark.browser
def test_index_renders_offline_in_headless_chromium(rendered, browser):
    requests: list[str] = []
    page = browser.new_page()
    try:
        page.on("request", lambda r: requests.append(r.url))
        page.goto((rendered / "index.html").as_uri())
        assert page.locator("h2").all_inner_texts() == [
            "Find en kommunes rapporter",
            "Benchmark, børn og unge",
            "Nøgletal for politikere",
        ]
        assert page.get_by_role("link", name="Tabeller (Excel)").count() == 2
        log = page.locator("details table")
        assert not log.is_visible()  # folded away ...
        page.locator("summary").click()
        assert log.is_visible() and "region = 085" in log.inner_text()  # ... and there on a click
    finally:
        page.close()
    assert all(url.startswith("file:") for url in requests), [u for u in requests if not u.startswith("file:")]


def test_parameters_for_readers_are_danish_labels_and_names():
    bench = {
        "area": "adults",
        "region": "085",
        "region_name": "Region Sjælland",
        "year": 2024,
        "period_start": 2021,
        "long_series_start": 2010,
        "price_base_year": 2024,
    }
    assert batch.parameter_items(bench) == [
        ("Region", "Region Sjælland"),
        ("Område", "Voksne"),
        ("År", "2024"),
        ("Periode", "2021–2024"),
        ("Lang serie fra", "2010"),
        ("Priser", "2024-niveau"),
    ]
    forecast = {
        "municipality": "219",
        "municipality_name": "Hillerød",
        "area": "children",
        "year": 2024,
        "as_of": "2024-09-30",
    }
    assert batch.parameter_items(forecast) == [
        ("Kommune", "Hillerød"),
        ("Område", "Børn og unge"),
        ("År", "2024"),
        ("Opgjort pr.", "30.09.2024"),
    ]
    progression = {
        "municipality": "851",
        "municipality_name": "Aalborg",
        "service": "sel_85",
        "period_start": "2016-01-05",
        "period_end": "2023-11-29",
        "hourly_rate": 1250,
    }
    assert dict(batch.parameter_items(progression)) == {
        "Kommune": "Aalborg",
        "Ydelse": "§ 85",
        "Periode": "05.01.2016–29.11.2023",
        "Timepris (§ 85)": "1.250 kr.",
    }
    assert dict(batch.parameter_items({"period": "2024-09"}))["Periode"] == "september 2024"
