"""Rendered benchmark reports: self-contained, Danish, every chart titled with tooltips and its data as CSV, the
published figures in the downloads, every chart drawn in headless chromium with no network."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import assert_charts_drew, drawn_charts, page_charts, page_csvs, readable_text
from helpers.render import batch as reports
from helpers.render import charts
from helpers.render.formats import danish_key, format_number
from helpers.render.workbook import html_tables
from helpers.warehouse.query import query

SJAELLAND_2017 = {"year": 2017}  # a what-if run: the report as published for 2017 (period 2014-2017, 2017 prices)
WHAT_IF = Path("what-if") / "year-2017"


@pytest.fixture(scope="module")
def rendered(warehouse_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("benchmark")
    children = reports.render_all(
        only=["benchmark"],
        filters={"region": "085", "area": "children"},
        settings=SJAELLAND_2017,
        out_dir=out,
        workers=1,
        progress=False,
    )
    adults = reports.render_all(
        only=["benchmark"], filters={"region": "000", "area": "adults"}, out_dir=out, workers=1, progress=False
    )
    assert [r.error for r in children + adults] == [None, None]
    return out


def _page(rendered: Path, which: str) -> str:
    path = {
        "children": WHAT_IF / "benchmark/children/region-sjaelland.html",
        "adults": Path("benchmark/adults/hele-landet.html"),
    }[which]
    return (rendered / path).read_text(encoding="utf-8")


def _specs(page: str) -> list[dict]:
    return [c["spec"] for c in page_charts(page)]


def _csvs(page: str) -> dict[str, pd.DataFrame]:
    return page_csvs(page)


def test_parameter_sets_come_from_the_warehouse(warehouse_path):
    sets = reports.benchmark_parameter_sets()
    last, first = query("select max(year), min(year) from mart_benchmark_region").iloc[0]
    assert [(s["area"], s["region"]) for s in sets] == [
        (a, r) for a in ("children", "adults") for r in ("000", "081", "082", "083", "084", "085")
    ]
    assert {(s["year"], s["period_start"], s["long_series_start"], s["price_base_year"]) for s in sets} == {
        (last, last - 3, first, last)
    }
    spec = next(
        s for s in reports.REPORTS if s.name == "benchmark"
    )  # one notebook, both areas, the reports' paths as before
    assert spec.notebook == "benchmark.ipynb" and spec.path_keys == ("area", "region_name")


@pytest.mark.parametrize("which", ["children", "adults"])
def test_report_is_self_contained_with_hidden_code_parameters_and_contents(rendered, which):
    page = _page(rendered, which)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page) and not re.search(
        r"<script[^>]+src=|<link[^>]+href=|@import", page
    )
    assert "regional.prepare" not in page and "jp-InputArea" not in page  # code hidden
    header = re.search(r"Rapporten gælder:</strong> (.*?)<br>", page).group(1)
    year = {"children": 2017, "adults": 2024}[which]
    assert header.startswith({"children": "Region: Region Sjælland", "adults": "Geografi: Hele landet"}[which])
    assert "Område: " in header and f"År: {year}" in header and f"Priser: {year}-niveau" in header
    assert "region_name" not in header and "period_start" not in header and " = " not in header
    vintage = re.search(r"Data:</strong> (.*?) &middot;", page).group(
        1
    )  # the extracts the report read, from the warehouse
    assert "Befolkning: FOLK1A_2010K1-2024K1.csv, sha256 " in vintage and "1. kvartal 2010–1. kvartal 2024" in vintage
    assert "Regnskab (nettodrift): nettodrift_2010-2024.csv" in vintage and "Sager" not in vintage
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', page, re.S).group(1)
    assert (
        toc.count("<li>") == 11 and "Datakvalitet" in toc and "Tragtplot" in toc and "Tabeller pr. indsatsgruppe" in toc
    )
    assert page.count(charts.LOADER_MARK) == 1  # the Vega bundle once per page
    assert len(page.encode("utf-8")) <= 2**20  # at most 1 MB: the bundle packed, each figure's rows once


@pytest.mark.parametrize("which", ["children", "adults"])
def test_every_chart_has_a_danish_title_axis_titles_tooltips_and_a_csv(rendered, which):
    page = _page(rendered, which)
    specs, csvs = _specs(page), _csvs(page)
    assert len(specs) == 10 and len(csvs) == 10
    for spec in specs:
        assert spec.get("title"), spec.get("title")
        layers = spec.get("layer", [spec])
        encodings = [layer.get("encoding", {}) for layer in layers]
        assert any("tooltip" in e for e in encodings)
        assert any(e.get("x", {}).get("title") for e in encodings) and any("y" in e for e in encodings)
        formats = [t.get("format") for e in encodings for t in e.get("tooltip", []) if t.get("type") == "quantitative"]
        assert formats and all(formats), "every number in a tooltip has a format (Danish via the da-DK locale)"
    assert all(not frame.empty for frame in csvs.values())


@pytest.mark.parametrize("which", ["children", "adults"])
def test_each_figure_holds_its_rows_once_and_every_spec_is_valid_vega_lite(rendered, which):
    import altair as alt
    from altair.utils.schemapi import validate_jsonschema

    page = _page(rendered, which)
    found = page_charts(page)
    assert len(found) == 10 and all(
        c["csv"]["shared"] for c in found
    )  # the CSV link reads the data set its chart draws
    for chart in found:
        names = {layer.get("data", {}).get("name") for layer in chart["spec"].get("layer", [chart["spec"]])} | {
            chart["spec"].get("data", {}).get("name")
        }
        assert len(chart["spec"]["datasets"]) == len(names - {None})  # no data set the chart does not draw
        validate_jsonschema(
            chart["spec"], alt.vegalite.v6.schema.core.load_schema()
        )  # rendering skips validation: checked here


def test_downloads_hold_the_published_region_sjaelland_2017_figures(rendered, published):
    csvs = _csvs(_page(rendered, "children"))
    users = csvs["kommuner-brugere-pr-10-000_boern-og-unge_2017.csv"]
    total = users[users["Indsatsgruppe"] == "I alt"]
    column = "Brugere pr. 10.000 0-17-årige"
    pub = pd.read_csv(published / "published_rs17_municipal_2017.csv")
    pub = pub[pub["key_figure"] == "users_per_10000_0_17"].set_index("statistic")["value"]
    assert len(total) == 17
    assert round(total[column].min()) == pub["min"] and round(total[column].max()) == pub["max"]
    assert round(total["Gennemsnit i regionen"].iloc[0]) == pub["region_average"]
    page = _page(rendered, "children")
    said = re.search(
        r"Udgifterne pr. 0-22-årig er steget 5 % fra 2014 til 2017 \(faste 2017-priser\); heraf ([+-]?\d+) procentpoint fra "
        r"brugerandelen, ([+-]?\d+) fra enhedsudgiften og ([+-]?\d+) fra befolkningssammensætningen\.",
        page,
    )
    assert said and sum(int(v) for v in said.groups()) == 5  # issue 15: every part named, and the parts add up


def test_country_report_names_left_out_municipalities_and_suppresses_small_counts(rendered):
    page = _page(rendered, "adults")
    assert re.search(r'<li data-group="§ 85 i eget hjem">Greve indgår ikke i figuren \(§ 85 i eget hjem\): ', page)
    assert (
        '<li data-group="Forsorgshjem og herberger (§ 110)">Læsø indgår ikke i figuren (Forsorgshjem og herberger (§ 110)): '
        "færre end 5 brugere, vises ikke af hensyn til persondata"
    ) in page  # 1 § 110 user in 2024
    funnel = _csvs(page)["tragtplot_voksne_2024.csv"]
    shelters = funnel[funnel["Indsatsgruppe"] == "Forsorgshjem og herberger (§ 110)"]
    assert (
        "Læsø" not in set(shelters["Kommune"])
        and len(shelters) > 80
        and funnel["Brugere pr. 10.000 18-64-årige"].notna().all()
    )
    text = readable_text(page)  # the Vega bundle's constants are not CPR numbers; chart data is scanned unpacked
    assert not re.search(r"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}-?\d{4}(?![0-9A-Za-z])", text)


def test_index_lists_both_reports_with_vintage_and_render_time(rendered):
    index = (rendered / "index.html").read_text(encoding="utf-8")
    what_if = (rendered / WHAT_IF / "index.html").read_text(encoding="utf-8")
    assert 'href="benchmark/adults/hele-landet.html"' in index and "region-sjaelland" not in index
    assert 'href="benchmark/children/region-sjaelland.html"' in what_if and "hele-landet" not in what_if
    assert "Hvad nu hvis" in what_if and "År: 2017 (offentliggjort: 2024)" in what_if and "Hvad nu hvis" not in index
    assert (
        "year = 2017" in what_if
        and "Befolkning: FOLK1A_2010K1-2024K1.csv" in index
        and re.search(r"<td>\d+,\d s</td>", index)
    )


@pytest.mark.browser
@pytest.mark.parametrize("which", ["children", "adults"])
def test_every_chart_draws_in_headless_chromium_without_network(rendered, browser, which):
    page = (
        rendered
        / {
            "children": WHAT_IF / "benchmark/children/region-sjaelland.html",
            "adults": Path("benchmark/adults/hele-landet.html"),
        }[which]
    )
    dom, charts = assert_charts_drew(browser, page, 10)  # one browser run: the DOM and each chart's markup
    for n, chart in enumerate(charts, start=1):
        assert "<select" in chart or n == 1, f"chart {n} has no measure-group picker"
    assert re.search(r">\d{1,3}(\.\d{3})+<", dom), "axes use Danish thousands separators"
    tags = re.findall(r'<a class="download"[^>]*>', dom)
    links = {
        re.search(r'id="([^"]+)"', t).group(1): re.search(
            r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', t
        ).group(1)
        for t in tags
    }
    expected = {c["csv"]["link"]: c["csv"]["rows"] for c in page_charts(page.read_text(encoding="utf-8"))}
    assert set(links) == set(expected) and len(links) == 10
    for (
        link,
        packed,
    ) in links.items():  # the browser wrote the chart's own rows into the link: Danish CSV, BOM, decimal commas
        raw = base64.b64decode(packed)
        assert raw.startswith("\ufeff".encode()) and b"\r\n" in raw
        got = pd.read_csv(
            io.StringIO(raw.decode("utf-8-sig")), sep=";", decimal=",", dtype={"Kommunekode": str, "Regionskode": str}
        )
        want = expected[link]
        pd.testing.assert_frame_equal(
            got, want.astype({c: float for c in want.select_dtypes("number")}), check_dtype=False
        )
    # notes of one measure group show only while it is picked: the default group is "I alt"
    notes = re.findall(r'<li data-group="([^"]+)"( hidden(?:="")?)?>', dom)
    assert notes or which == "children"  # Region Sjælland's children 2017: every note is true for every group
    assert all(bool(hidden) == (group != "I alt") for group, hidden in notes)


def test_every_report_writes_a_workbook_with_its_tables_as_numbers(rendered):
    from openpyxl import load_workbook

    book = load_workbook(rendered / WHAT_IF / "benchmark" / "children" / "region-sjaelland.xlsx")
    assert book.sheetnames[0] == "Om" and book.sheetnames[1].startswith("Regionen sammenlignet")
    assert {"Døgninstitutioner", "Familiepleje", "I alt", "Datakvalitet"} <= set(
        book.sheetnames
    )  # a sheet per measure group
    first = book.worksheets[1]
    assert (
        first["A1"].value == "Indsatsgruppe"
        and isinstance(first["B2"].value, (int, float))  # the exact number behind the page, shown as it
        and first["B2"].number_format == "#,##0"
    )
    quality = book["Datakvalitet"]
    assert [c.value for c in quality[1]] == ["Fund", "Kommune", "Beskrivelse", "År", "Værdi pr. år"]
    years = [str(c.value) for c in quality["D"][1:] if c.value is not None]
    assert years and all(  # every year's findings, grouped by issue as in data quality: "2010-2024", "2019"
        re.fullmatch(r"(20[12]\d(-20[12]\d)?)(, 20[12]\d(-20[12]\d)?)*", y) for y in years
    )
    assert quality["D2"].number_format in ("0", "General", "@")  # a year is never shown as 2.017


def _number(cell: str) -> float | None:
    return float(cell.replace(".", "").replace(",", ".")) if re.fullmatch(r"-?\d[\d.]*(,\d+)?", cell) else None


@pytest.mark.parametrize("which", ["children", "adults"])
def test_a_table_per_measure_group_lists_every_municipality_with_lowest_highest_and_average(rendered, which):
    page = _page(rendered, which)
    groups = re.findall(r"<h3>([^<]+)</h3></summary>\s*(?:<style.*?</style>\s*)?<table", page, flags=re.S)
    assert len(groups) == {"children": 7, "adults": 10}[which]
    municipalities = {"children": 17, "adults": 98}[which]
    average = {"children": "Gennemsnit i regionen", "adults": "Landsgennemsnit"}[which]
    tables = [t for t in html_tables(page) if t[0][0] == "Kommune" and len(t[0]) == 7]
    assert len(tables) == len(groups)
    lines = _csvs(page)[
        f"kommuner-{'udgift-pr-indbygger'}_{'boern-og-unge' if which == 'children' else 'voksne'}_{2017 if which == 'children' else 2024}.csv"
    ]
    summary = ["Laveste", "Højeste", average] + (["Landsgennemsnit"] if which == "children" else [])  # issue 23.5
    n = len(summary)
    for label, (head, *rows) in zip(groups, tables):
        names = [r[0] for r in rows]
        assert names[-n:] == summary and len(names) == municipalities + n
        assert names[:-n] == sorted(names[:-n], key=danish_key)  # Danish order
        assert "ændring" in head[4] and "pct." in head[4] and head[1].startswith("Udgift pr.")
        for j in range(1, 7):  # lowest and highest are those of the shown municipalities
            shown = [v for v in (_number(r[j]) for r in rows[:-n]) if v is not None]
            assert _number(rows[-n][j]) == min(shown) and _number(rows[-n + 1][j]) == max(shown), (label, head[j])
        # one figure, one place: the average rows are the average lines of the figure (the region's and the country's)
        for row, line in zip(rows[-n + 2 :], summary[2:]):
            assert row[1] == format_number(lines[lines["Indsatsgruppe"] == label][line].iloc[0]), (label, line)
    markers = {c for t in tables for r in t[1:] for c in r[1:] if _number(c) is None}
    assert markers <= {"..", "–", ""} and (".." in markers or which == "children")  # Sjælland 2017 has no small counts
    assert "..: skjult af hensyn til persondata" in page and "–: udeladt på grund af et fund" in page
    assert page.count('<tr class="summary">') == len(groups) * n  # set apart on the page


WEIGHTS = {  # a municipal figure's CSV: its value column, what its average is a sum over, and how
    "udgift-pr-indbygger": ("Udgift {per}, kr.", "Antal {inhabitants}", "rate"),
    "brugere-pr-10-000": ("{users}", "Antal {user_population}", "rate"),
    "enhedsudgift": ("Enhedsudgift, kr. pr. bruger", "Udgift i alt, 1.000 kr.", "cost"),
}


@pytest.mark.parametrize("which", ["children", "adults"])
def test_the_average_lines_are_recomputed_from_the_bars(rendered, which):
    """Issue 23.3: a municipality left out of the bars (a finding, or a hidden small count) is out of the average line
    too, so the line is the sum over the bars: expenditure and users per inhabitant weighted by the population, the unit
    cost as expenditure over users (expenditure / unit cost). The CSV carries the weights."""
    from helpers import labels

    text = labels.AREA_TEXT[which]
    area, year = ("boern-og-unge", 2017) if which == "children" else ("voksne", 2024)
    average = {"children": "Gennemsnit i regionen", "adults": "Landsgennemsnit"}[which]
    csvs = _csvs(_page(rendered, which))
    checked = 0
    for slug, (value, weight, how) in WEIGHTS.items():
        rows = csvs[f"kommuner-{slug}_{area}_{year}.csv"]
        value = value.format(**text)
        weight = next(c for c in rows.columns if c.startswith(weight.format(**text)))
        for label, bars in rows.groupby("Indsatsgruppe"):
            if how == "rate":
                want = (bars[value] * bars[weight]).sum() / bars[weight].sum()
            else:
                want = bars[weight].sum() / (bars[weight] / bars[value]).sum()
            assert bars[average].iloc[0] == pytest.approx(want, rel=1e-4, abs=0.01), (slug, label)
            checked += 1
    assert checked == 3 * {"children": 7, "adults": 10}[which]


@pytest.mark.parametrize("which", ["children", "adults"])
def test_development_over_the_period_for_every_region_and_the_country(rendered, which):
    page = _page(rendered, which)
    head, *rows = next(
        t
        for t in html_tables(page)
        if t[0][0] == "Indsatsgruppe"
        and t[0][-1] == "Hele landet"
        and len(t[0]) == 7
        and "Region Sjælland" in t[0]
        and all(_number(c) is None or abs(_number(c)) < 100 for r in t[1:] for c in r[1:])
    )
    assert head[1:] == [
        "Region Nordjylland",
        "Region Midtjylland",
        "Region Syddanmark",
        "Region Hovedstaden",
        "Region Sjælland",
        "Hele landet",
    ]
    own = next(t for t in html_tables(page) if any("Ændring" in h for h in t[0]) and t[0][1].endswith("kr."))
    change = own[0].index(next(h for h in own[0] if h.startswith("Ændring") and "2010" not in h))
    region = "Region Sjælland" if which == "children" else "Hele landet"
    for mine, every in zip(own[1:], rows):
        assert (
            mine[0] == every[0] and mine[change] == every[head.index(region)]
        )  # the region's own change is the same figure


def test_the_country_report_speaks_of_the_country(rendered):
    from helpers.reports.benchmark.prose import COUNTRY_WORDING, PROSE

    texts = [t for by_area in PROSE.values() for t in by_area.values()]
    assert all(any(phrase in t for t in texts) for phrase, _ in COUNTRY_WORDING)  # no rewording left behind by an edit
    country = re.sub(r"<[^>]+>", " ", _page(rendered, "adults"))
    for phrase in (
        "den valgte region",
        "regionens kommuner",
        "Regionen sammenlignet",
        "regionen og hele landet",
        "Regionens og landets",
    ):
        assert phrase not in country, phrase
    assert "Regionerne sammenlignet" in country and "Regionen sammenlignet med de andre regioner" in _page(
        rendered, "children"
    )


@pytest.mark.browser
def test_the_municipal_charts_draw_the_country_average_line(rendered, browser):
    """Issue 23.5: the page promises the country's average as a dashed dark grey line in the municipality charts."""
    page = rendered / WHAT_IF / "benchmark/children/region-sjaelland.html"
    _, drawn = drawn_charts(browser, page)
    specs = _specs(page.read_text(encoding="utf-8"))
    municipal = [
        n for n, s in enumerate(specs) if s["title"].endswith(", 2017") and "layer" in s and len(s["layer"]) == 4
    ]
    assert len(municipal) == 3  # expenditure, users and unit cost per municipality
    dash = ",".join(map(str, charts.REFERENCE_STYLES[charts.COUNTRY_AVERAGE]["dash"]))
    for n in municipal:
        rules = re.findall(r'<line aria-label="[^"]*Linje: ([^;"]+)[^>]*stroke-dasharray="([^"]+)"', drawn[n])
        assert (charts.COUNTRY_AVERAGE, dash) in rules and (charts.REGION_AVERAGE, "1,0") in rules, rules
        assert f">{charts.COUNTRY_AVERAGE}<" in drawn[n]  # named in the legend
