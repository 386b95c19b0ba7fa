"""`python -m helpers reports --municipality CODE` (and `make reports MUNICIPALITY=CODE`): the municipality's forecast
reports, key-figure packs and progression, and its region's benchmark and data-quality reports with it highlighted, in
a folder of its own with its own index."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import helpers_cli, page_charts
from helpers import labels
from helpers.render.workbook import html_tables
from helpers.reports import data_quality

CODE, NAME, REGION = "479", "Svendborg", "region-syddanmark"


@pytest.fixture(scope="module")
def folder(warehouse_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("municipality")
    done = helpers_cli("reports", "--municipality", CODE, "--out", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"index: {out / 'municipality' / 'svendborg' / 'index.html'}" in done.stdout
    return out / "municipality" / "svendborg"


def test_make_reports_passes_the_municipality_on():
    from helpers import paths

    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", "reports", f"MUNICIPALITY={CODE}"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.stdout.strip().splitlines()[-1].endswith(f"-m helpers reports --municipality {CODE}")
    plain = subprocess.run(
        ["make", "--no-print-directory", "-n", "reports"], cwd=paths.ROOT, capture_output=True, text=True, timeout=60
    )
    assert plain.stdout.strip().splitlines()[-1].endswith("-m helpers reports")


def test_the_folder_holds_the_municipality_s_reports_and_its_region_s(folder):
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert sorted(e["path"] for e in index) == sorted(
        [
            f"benchmark/children/{REGION}.html",
            f"benchmark/adults/{REGION}.html",
            f"data_quality/{REGION}.html",
            "progression/svendborg.html",
            "forecast/svendborg-boern-og-unge.html",
            "forecast/svendborg-voksne.html",
            *(f"indicators/svendborg/{a}.html" for a in labels.AUDIENCE_LABELS),
        ]
    )
    assert all(e["error"] is None and (folder / e["path"]).is_file() for e in index)
    highlighted = {e["report"] for e in index if e["params"].get("highlight") == CODE}
    assert highlighted == {"benchmark", "data_quality"}
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert f"<title>Rapporter for {NAME}</title>" in page and f"<h1>Rapporter for {NAME}</h1>" in page


@pytest.mark.parametrize("area", labels.AREAS)
def test_the_benchmark_marks_the_municipality_in_its_charts_and_tables(folder, area):
    page = (folder / "benchmark" / area / f"{REGION}.html").read_text(encoding="utf-8")
    assert f"Fremhævet: {NAME}" in page  # on top, with the other parameters
    charts = page_charts(page)
    marked = [c for c in charts if _outlined(c["spec"])]
    # every chart of the region's municipalities: the 3 key figures and their 3 changes, the bar outlined in black
    assert len(marked) == 6 and all(_outlined(c["spec"]) == {(f"(datum.name === '{NAME}')", "#000000")} for c in marked)
    for chart in marked:  # and the name bold on the axis
        bold = {"expr": f"datum.value == {json.dumps(NAME)} ? 'bold' : 'normal'"}
        assert json.dumps(bold)[1:-1] in json.dumps(chart["spec"])
        assert NAME in {r.get("name") for rows in chart["spec"]["datasets"].values() for r in rows}
    assert page.count(f"{NAME} er fremhævet med fed skrift og en sort kant om søjlen.") == 6
    # each measure group's table: exactly its row of the municipality, bold
    tables = re.findall(r'<table[^>]*class="[^"]*benchmark-group.*?</table>', page, flags=re.S)
    assert tables and all(re.findall(r'<tr class="highlight">\s*<td>([^<]+)</td>', t) == [NAME] for t in tables), (
        "one highlighted row per table, the municipality's"
    )


def _outlined(spec) -> set[tuple[str, str]]:
    """Every (test, colour) of a conditional stroke in a chart spec."""
    found = set()
    if isinstance(spec, dict):
        stroke = spec.get("stroke")
        if isinstance(stroke, dict) and "condition" in stroke:
            found.add((stroke["condition"]["test"], stroke["condition"]["value"]))
        for value in spec.values():
            found |= _outlined(value)
    elif isinstance(spec, list):
        for value in spec:
            found |= _outlined(value)
    return found


def test_the_data_quality_report_marks_the_municipality_s_rows_and_counts_its_findings(folder):
    page = (folder / "data_quality" / f"{REGION}.html").read_text(encoding="utf-8")
    assert f"Fremhævet: {NAME}" in page
    findings = next(t for t in html_tables(page) if t[0] == ["Fund", "Kommune", "Beskrivelse", "År", "Værdi pr. år"])
    own = [row for row in findings[1:] if row[1] == NAME]
    issues = data_quality.issues("083")  # Region Syddanmark
    years = int(issues.loc[issues["municipality_name"] == NAME, "n_years"].clip(lower=1).sum())  # a finding per year
    count = re.search(rf"<strong>{NAME}</strong> er fremhævet: .*? {NAME} har (\w+) fund i kontrollen", page)
    assert count and count[1] == {0: "ingen", 1: "ét"}.get(years, str(years))
    # the cells of the municipality's rows carry the class, no other row's do
    body = page[page.rindex("Alle fund") :]  # the last section
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    marked = [r for r in rows if 'class="data row' in r and "highlight" in r]
    assert len(marked) == len(own) and all(f">{NAME}<" in r for r in marked)


def test_the_municipality_s_own_reports_are_the_published_ones(folder, every_report):
    published, _ = every_report
    for path in ("forecast/svendborg-voksne.html", "indicators/svendborg/finance.html", "progression/svendborg.html"):
        mine, theirs = ((root / path).read_text(encoding="utf-8") for root in (folder, published))

        # the same page but for when it was made and its links, which go only to reports its own folder holds
        def same(page: str) -> str:
            return re.sub(r'<strong>Dannet:</strong>[^<]*|<nav class="crumbs"[^>]*>.*?</nav>', "", page, flags=re.S)

        assert same(mine) == same(theirs)


def test_published_reports_highlight_nothing(every_report):
    out, results = every_report
    for r in results:
        if r.report in ("benchmark", "data_quality"):
            page = Path(r.path).read_text(encoding="utf-8")
            assert "Fremhævet:" not in page and not re.search(r'class="[^"]*\bhighlight\b', page)
            assert "er fremhævet med fed skrift" not in page and "er fremhævet: kommunens rækker" not in page
