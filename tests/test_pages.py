"""The pages as readers get them: words and numbers (hand-worked helpers, then every rendered page), tables that carry
their exact numbers for the workbook, navigation between the reports, and in headless chromium the tablet layout, the
contents that stay at hand, the print stylesheet and the charts' labels, ticks and menu."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import notebook_with, offline_page, page_charts
from helpers.render import navigation
from helpers.render.formats import (
    count,
    format_month,
    format_number,
    format_period,
    opening_count,
    opening_share,
    rounded_to_total,
)
from helpers.render.tables import TABLE_MIME, Block, danish_table, protected, rounded_kroner, whole_kroner
from helpers.render.workbook import notebook_tables, write_workbook

# -- words and numbers, hand-worked -------------------------------------------------------------------------------------


def test_counts_agree_with_their_nouns_and_no_sentence_opens_with_a_digit():
    assert [count(n, "kommune", "kommuner") for n in (0, 1, 3, 1706)] == [
        "0 kommuner",
        "1 kommune",
        "3 kommuner",
        "1.706 kommuner",
    ]
    assert opening_count(0, "kommune", "kommuner") == "Ingen kommuner"
    assert opening_count(1, "kommune", "kommuner") == "Én kommune"
    assert opening_count(1, "delområde", "delområder", neuter=True) == "Ét delområde"
    assert opening_count(7, "delområde", "delområder", neuter=True) == "Syv delområder"
    assert opening_count(23, "kommune", "kommuner") == "I alt 23 kommuner"
    assert opening_share(0, 22, "kommuner") == "Ingen af de 22 kommuner"
    assert opening_share(3, 22, "kommuner") == "Tre af de 22 kommuner"
    assert opening_share(14, 22, "kommuner") == "I alt 14 af de 22 kommuner"


def test_numbers_months_and_periods_are_written_one_way():
    assert format_number(-0.04, 1) == "0,0" and format_number(-0.4) == "0" and format_number(-1706.5, 1) == "-1.706,5"
    assert format_number(1706.5, 1).value == 1706.5  # the text keeps the exact number for the workbook
    assert format_month(dt.date(2024, 9, 30)) == format_month("2024-09") == "september 2024"
    assert [format_period(p) for p in ("2024-09", "2024-09-30", "2024-Q3", "2010K1", "2014")] == [
        "september 2024",
        "30.09.2024",
        "3. kvartal 2024",
        "1. kvartal 2010",
        "2014",
    ]


def test_rounding_so_that_parts_add_up_hand_worked():
    # 53.022,4 + 34.639,4 + 185.599,9 = 273.261,7: rounded one by one 53.022 + 34.639 + 185.600 = 273.261, one krone
    # short of the deviation shown (273.260, from 4.996.389 - 4.723.129): the largest remainders take the difference
    parts = rounded_to_total([53_022.4, 34_639.4, 185_599.9], 273_260)
    assert parts.tolist() == [53_022, 34_639, 185_599] and parts.sum() == 273_260
    assert rounded_to_total([0.5, 0.5, 0.5, 0.5]).tolist() == [1, 1, 0, 0]  # 2 in all; ties to the first
    table = pd.DataFrame(
        {
            "expected_result": [4_996_389.49, 1_000.6],
            "budget": [4_723_129.4, 500.2],
            "quantity_effect": [53_022.4, 100.3],
            "price_effect": [34_639.4, 200.3],
            "pool": [185_599.9, 199.8],
        }
    )
    table["deviation"] = table["expected_result"] - table["budget"]
    got = rounded_kroner(
        table,
        ["expected_result", "budget"],
        {"deviation": ("expected_result", "budget")},
        {"deviation": ["quantity_effect", "price_effect", "pool"]},
    )
    assert got["expected_result"].sum() == round(table["expected_result"].sum())  # the rows add up to the total
    assert (got["expected_result"] - got["budget"] == got["deviation"]).all()
    assert (got[["quantity_effect", "price_effect", "pool"]].sum(axis=1) == got["deviation"]).all()
    assert (abs(got - table[got.columns]) < 1.5).all().all()  # each within a krone and a half of its exact value
    one = whole_kroner(table.iloc[[0]], ["expected_result", "budget"], {"deviation": ("expected_result", "budget")})
    assert one["deviation"][0] == "273.260" and one["deviation"][0].value == pytest.approx(273_260.09)


# -- tables carry their data; workbooks are written from it ---------------------------------------------------------------


def test_a_table_carries_exact_numbers_and_the_decimals_it_shows():
    frame = pd.DataFrame({"Kommune": ["Køge", "Solrød"], "Andel": [25.1, 33.333333], "Sager": [12, 40]})
    table = danish_table(frame, decimals=1).format(precision=0, subset=["Sager"])
    data = table.as_data()
    assert data["rows"] == [["Køge", 25.1, 12], ["Solrød", 33.333333, 40]]  # exact, not the shown 33,3
    assert data["formats"] == [None, "#,##0.0", "#,##0"]  # 25,1 shows as 25,1, not 25,10
    page = table.to_html()
    assert "33,3" in page and "-0" not in page
    assert re.search(r"#T_t\d+ td:nth-child\(2\),#T_t\d+ th:nth-child\(2\),", page)  # numbers right-aligned ...
    assert "nth-child(1)" not in page  # ... text not


def test_protected_cells_stay_numbers_with_their_markers_and_hidden_cells_stay_hidden():
    frame = pd.DataFrame({"Kommune": list("ABCD"), "Sager": [3, 5, 7, 40], "Gns.": [1706.5, 2.25, 8.25, 9.5]})
    shown = protected(frame, ["Sager"], column_totals=True, means={"Gns.": "Sager"}, decimals={"Gns.": 1})
    data = danish_table(shown).as_data()
    assert data["rows"] == [  # 3 hidden, 5 its complement; 8,25 on 7 cases uncertain (*), still the number itself
        ["A", "<5", ""],
        ["B", "..", ""],
        ["C", 7, {"value": 8.25, "suffix": " *"}],
        ["D", 40, 9.5],
    ]
    assert data["formats"][1:] == ["#,##0", "#,##0.0"]
    page = danish_table(shown).to_html()
    assert "td:nth-child(2)" in page and "td:nth-child(3)" in page  # protected count and mean columns right-aligned


def test_the_workbook_is_written_from_the_tables_data_not_from_their_html(tmp_path):
    frame = pd.DataFrame({"Område": ["Voksne"], "Afvigelse, kr.": [16_855_775.43], "Pct.": [7.09]})
    table = danish_table(frame).format(precision=1, subset=["Pct."])
    bundle = table._repr_mimebundle_()
    wrong_html = bundle["text/html"].replace("16.855.775", "999")  # the HTML is not read: the data is
    block = Block("<h3>ikke en tabel</h3>", danish_table(frame, title="Egen titel"))._repr_mimebundle_()
    nb = notebook_with("## Holder budgettet?", {"text/html": wrong_html, TABLE_MIME: bundle[TABLE_MIME]}, block)
    tables = notebook_tables(nb)
    assert list(tables) == ["Holder budgettet?", "Egen titel"]
    sheet = load_workbook(write_workbook(tmp_path / "t.xlsx", tables))["Holder budgettet"]  # Excel forbids "?"
    assert sheet["B2"].value == 16_855_775.43 and sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == 7.09 and sheet["C2"].number_format == "#,##0.0"


def test_markers_and_bounds_stay_in_the_cells_format(tmp_path):
    shown = pd.DataFrame(
        {
            "Ydelse": ["§ 85", "§ 107"],
            "Andel": [format_number(8.0, 1).marked(" *"), format_number(77.777, 1).bound("mindst ")],
            "Dato": [dt.date(2024, 9, 30), dt.date(2024, 8, 31)],
        },
        dtype=object,
    )
    tables = notebook_tables(notebook_with("## Holder budgettet?", danish_table(shown)._repr_mimebundle_()))
    sheet = load_workbook(write_workbook(tmp_path / "t.xlsx", tables))["Holder budgettet"]  # Excel forbids "?"
    assert sheet["B2"].value == 8.0 and sheet["B2"].number_format == '#,##0.0" *"'
    assert sheet["B3"].value == pytest.approx(77.777) and sheet["B3"].number_format == '"mindst "#,##0.0'
    assert sheet["C2"].value == dt.datetime(2024, 9, 30) and sheet["C2"].number_format == "dd.mm.yyyy"


# -- navigation, hand-worked --------------------------------------------------------------------------------------------


def _entry(report: str, path: str, **params) -> navigation.Entry:
    return navigation.Entry(report, params, path)


CATALOGUE = [
    _entry("data_quality", "data_quality/region-syddanmark.html", region="083", region_name="Region Syddanmark"),
    _entry("data_quality", "data_quality/hele-landet.html", region="000", region_name="Hele landet"),
    _entry("benchmark", "benchmark/children/region-syddanmark.html", area="children", region="083"),
    _entry("benchmark", "benchmark/adults/region-syddanmark.html", area="adults", region="083"),
    _entry("forecast", "forecast/svendborg-voksne.html", municipality="479", area="adults"),
    _entry("indicators", "indicators/svendborg/politicians.html", municipality="479", audience="politicians"),
    _entry("indicators", "indicators/svendborg/finance.html", municipality="479", audience="finance"),
    _entry("progression", "progression/svendborg.html", municipality="479"),
    _entry("progression", "progression/alle-kommuner-med-registreringer.html", municipality="000"),
]


def test_each_page_links_to_the_reports_it_mentions():
    regions = {"479": "083"}
    paths = lambda e: [r.path for r in navigation.related(e, CATALOGUE, regions)]  # noqa: E731
    assert paths(CATALOGUE[5]) == [  # the politicians' pack: its forecast, the other pack, progression, data quality
        "forecast/svendborg-voksne.html",
        "indicators/svendborg/finance.html",
        "progression/svendborg.html",
        "data_quality/region-syddanmark.html",
    ]
    assert paths(CATALOGUE[2]) == ["data_quality/region-syddanmark.html", "benchmark/adults/region-syddanmark.html"]
    assert paths(CATALOGUE[0]) == [e.path for e in CATALOGUE[2:4]]  # data quality: the benchmarks it checks
    assert navigation.relative("index.html", "indicators/svendborg/politicians.html") == "../../index.html"
    regional, own = navigation.municipality_reports("479", CATALOGUE, regions)
    assert [e.report for e in regional] == ["benchmark", "benchmark", "data_quality"]
    assert [e.report for e in own] == ["progression", "forecast", "indicators", "indicators"]
    assert navigation.label(CATALOGUE[4]) == "Prognose, voksne" and navigation.label(CATALOGUE[0]).endswith(
        "Syddanmark"
    )


# -- every rendered page, as a reader reads it ----------------------------------------------------------------------------

ABBREVIATIONS = r"(?<!\bpr)(?<!\bkr)(?<!mio)(?<!\bnr)(?<!stk)(?<!gns)(?<!\bca)(?<!\bfx)(?<!\.)"
WORDS_AND_NUMBERS = {  # what a careful reader trips on: (pattern, the elements it is looked for in; None: all)
    "a plural noun after 1": (
        r"(?<![\d.,])1 (kommuner|sager|delområder|borgere|regioner|rækker|filer|brugere)\b",
        None,
    ),
    "0 af": (r"(?<![\d.,])0 af \d+", None),
    "a sentence opening with a digit": (rf"(?:^|{ABBREVIATIONS}[.!?]\s+)\d", ("p", "li", "figcaption", "summary")),
    "-0 or -0,0": (r"(?<![\w,.])[-−]0(,0+)?(?![,.\d])", None),
    "¶ after a heading": ("¶", None),
    "a month as 09-2024": (r"\b(0[1-9]|1[0-2])-20\d\d\b", None),
    "a month as 2024-09": (r"\b20\d\d-(0[1-9]|1[0-2])\b(?!-\d)", None),
}


def reader_blocks(page: str) -> list[tuple[str, str]]:
    """The page's text by element (paragraphs, list items, captions, headings, cells), without scripts, styles and the
    landing page's folded run log (the analyst's, with raw parameters)."""
    text = re.sub(
        r'<script.*?</script>|<style.*?</style>|<title>.*?</title>|<details id="koerselslog".*?</details>',
        " ",
        page,
        flags=re.S,
    )
    tags = ("p", "li", "figcaption", "h1", "h2", "h3", "summary", "td", "th", "a")
    return [
        (tag, html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip())
        for tag in tags
        for m in re.finditer(rf"<{tag}\b[^>]*>(.*?)</{tag}>", text, flags=re.S)
    ]


def every_page(root: Path, results: list) -> list[Path]:
    return [root / r.path for r in results] + [root / "index.html"]


def test_words_and_numbers_on_every_page(every_report):
    root, results = every_report
    found = []
    for path in every_page(root, results):
        for tag, text in reader_blocks(path.read_text(encoding="utf-8")):
            for what, (pattern, tags) in WORDS_AND_NUMBERS.items():
                if tags and tag not in tags:
                    continue
                found += [
                    f"{path.relative_to(root)}: {what}: …{text[max(0, m.start() - 40) : m.end() + 40]}…"
                    for m in re.finditer(pattern, text)
                ]
    assert not found, "\n".join(sorted(set(found))[:40])


def test_lists_of_names_are_in_danish_order_on_every_page(every_report):
    """A table listing municipalities in alphabetical order uses the Danish one (Ærø, Ødsherred, then Aabenraa), never
    the computer's (Aabenraa first, Ærø after Åbenrå)."""
    from helpers.render.formats import danish_key
    from helpers.render.workbook import html_tables

    root, results = every_report
    wrong = []
    for path in every_page(root, results):
        for head, *rows in html_tables(path.read_text(encoding="utf-8")):
            if not rows or head[0] != "Kommune":
                continue
            names = [
                r[0] for r in rows if r and r[0] not in ("Laveste", "Højeste") and not r[0].startswith("Gennemsnit")
            ]
            names = [n for n in names if n != "Landsgennemsnit"]
            if len(set(names)) > 2 and names == sorted(names) and names != sorted(names, key=danish_key):
                wrong.append(f"{path.relative_to(root)}: {names[:3]} ... {names[-3:]}")
    assert not wrong, wrong[:10]


def test_csv_downloads_give_dates_without_a_time(every_report):
    root, results = every_report
    timed = []
    for r in results:
        page = (root / r.path).read_text(encoding="utf-8")
        for chart in page_charts(page):
            if chart["csv"]:
                cells = chart["csv"]["rows"].astype(str).to_numpy().ravel()
                timed += [f"{r.path}: {c}" for c in cells if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+", c)]
    assert not timed, timed[:10]


MENTIONS = {  # words on a page that point at another report, and the folder that report is in
    "prognoserapport": "forecast/",
    "rapporten om datakvalitet": "data_quality/",
    "benchmarkrapport": "benchmark/",
}


def test_every_page_links_back_to_the_landing_page_and_to_the_reports_it_mentions(every_report):
    root, results = every_report
    missing = []
    for r in results:
        page = (root / r.path).read_text(encoding="utf-8")
        nav = re.search(r'<nav class="crumbs".*?</nav>', page, flags=re.S)
        assert nav, f"{r.path}: no navigation"
        links = re.findall(r'href="([^"]+)"', nav.group(0))
        assert (r.path.parent / links[0]).resolve() == (root / "index.html").resolve(), r.path
        missing += [f"{r.path}: {link}" for link in links if not (r.path.parent / link).is_file()]
        text = " ".join(t for _, t in reader_blocks(page)).lower()
        for words, folder in MENTIONS.items():
            if words in text and not any(folder in (r.path.parent / link).resolve().as_posix() for link in links):
                missing.append(f"{r.path}: mentions '{words}' without a link to it")
    assert not missing, missing[:20]


def test_workbooks_hold_the_exact_numbers_behind_the_page(every_report):
    from helpers.reports import expected_result

    root, _ = every_report
    book = load_workbook(root / "indicators/svendborg/finance.xlsx")
    sheet = book["Holder budgettet"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    exact = expected_result.compute("479", "adults", "2024-09-30", 2024)
    got = rows["Voksne"][header.index("Forventet regnskab, kr.")]
    assert got == pytest.approx(exact.total, abs=0.005) and got != round(got)  # to the øre, not the shown krone
    assert sheet.cell(row=2, column=header.index("Afvigelse, pct.") + 1).number_format == "#,##0.0"
    formats = {c.number_format for ws in book.worksheets[1:] for row in ws.iter_rows(min_row=2) for c in row}
    assert not any(re.search(r"\.0{2,}", f) for f in formats), formats  # no 25,10 where the page shows 25,1
    bench = load_workbook(root / "benchmark/children/region-sjaelland.xlsx")
    users = [ws for ws in bench.worksheets if ws["C1"].value == "Brugere pr. 10.000 0-17-årige"][0]
    values = [c.value for c in users["C"][1:] if isinstance(c.value, float)]
    assert users["C2"].number_format == "#,##0.0" and any(round(v, 1) != v for v in values)  # exact, shown as 25,1


def test_the_landing_page_lists_every_municipality_with_its_region_and_reports(every_report):
    from helpers.render.formats import danish_key
    from helpers.render.workbook import html_tables
    from helpers.warehouse import marts

    root, _ = every_report
    page = (root / "index.html").read_text(encoding="utf-8")
    finder = page.split('id="find-kommune"')[1].split("</table>")[0]
    head, *rows = html_tables(finder)[0]
    assert head == ["Kommune", "Region", "Regionens rapporter", "Kommunens egne rapporter"]
    municipalities = marts.municipalities()
    assert len(rows) == len(municipalities) == 98
    names = [r[0] for r in rows]
    assert names == sorted(names, key=danish_key) and names[-3:] == ["Aabenraa", "Aalborg", "Aarhus"]
    region = dict(zip(municipalities["municipality_name"], municipalities["region_name"]))
    assert all(r[1] == region[r[0]] for r in rows)
    svendborg = next(r for r in rows if r[0] == "Svendborg")
    assert svendborg[2] == "Benchmark, børn og unge · Benchmark, voksne · Datakvalitet"
    assert svendborg[3].startswith("Progression og målopfyldelse · Prognose, børn og unge · Prognose, voksne")
    links = re.findall(r'href="([^"#]+)"', finder)
    assert links and all((root / link).is_file() for link in links)


# -- in headless chromium: tablet, long pages, print, charts ----------------------------------------------------------


@pytest.mark.browser
def test_the_politicians_pack_fits_an_ipad_in_portrait(every_report, browser):
    root, _ = every_report
    with offline_page(browser, root / "indicators/svendborg/politicians.html", 810, 1080) as page:
        assert page.evaluate("document.documentElement.scrollWidth") <= 810
        wide = page.evaluate(
            """Array.from(document.querySelectorAll('main figure, main table, main svg'))
                 .map(e => e.getBoundingClientRect()).filter(r => r.right > 810 + 0.5).length"""
        )
        assert wide == 0
        assert page.locator("a.to-toc").is_visible()  # the contents one tap away on a tablet


CHART_PAGES = [
    "indicators/svendborg/politicians.html",
    "forecast/svendborg-voksne.html",
    "benchmark/children/region-sjaelland.html",
    "benchmark/adults/hele-landet.html",
    "progression/alle-kommuner-med-registreringer.html",
    "progression/gentofte.html",
]


def _axes(spec: object) -> list[dict]:
    """Every axis of a chart spec (in any layer, facet or concatenation)."""
    if isinstance(spec, dict):
        found = [v["axis"] for k, v in spec.items() if k in ("x", "y") and isinstance(v, dict) and v.get("axis")]
        return found + [a for v in spec.values() for a in _axes(v)]
    return [a for v in spec for a in _axes(v)] if isinstance(spec, list) else []


def test_every_axis_shows_ticks_with_the_decimals_their_step_needs(every_report):
    root, results = every_report
    fixed = []
    for r in results:
        for n, chart in enumerate(page_charts((root / r.path).read_text(encoding="utf-8")), start=1):
            for axis in _axes(chart["spec"]):
                decimals = re.fullmatch(r"[+]?,?\.(\d)f", str(axis.get("format", "")))
                if decimals and axis.get("tickMinStep", 0) < 10 ** -int(decimals.group(1)):
                    fixed.append(f"{r.path} figur {n}: {axis['format']}")  # 0,5 shown as 1: "+0 +1 +1 +2"
    assert not fixed, sorted(set(fixed))[:20]


@pytest.mark.browser
@pytest.mark.parametrize("report", CHART_PAGES)
def test_charts_show_whole_labels_distinct_ticks_and_a_danish_menu(every_report, browser, report):
    root, _ = every_report
    with offline_page(browser, root / report, 1366, 900) as page:
        cut = page.evaluate(
            "Array.from(document.querySelectorAll('.helpers-chart svg text')).map(t => t.textContent)"
            ".filter(t => t.endsWith('…'))"
        )
        assert not cut, cut[:5]
        repeated = page.evaluate(
            """Array.from(document.querySelectorAll('.helpers-chart svg g.role-axis')).map(axis => {
                 const labels = Array.from(axis.querySelectorAll('.role-axis-label text')).map(t => t.textContent)
                   .filter(t => t !== '');
                 return labels.filter((t, i) => labels.indexOf(t) !== i);
               }).filter(d => d.length)"""
        )
        assert not repeated, repeated[:5]
        menu = page.locator(".vega-embed > details").first
        assert menu.get_attribute("title") == "Klik for at gemme figuren"
        actions = page.evaluate("Array.from(document.querySelectorAll('.vega-actions a')).map(a => a.textContent)")
        assert actions and set(actions) <= {"Gem som SVG", "Gem som PNG"}


@pytest.mark.browser
def test_the_longest_page_keeps_its_contents_at_hand(every_report, browser):
    root, _ = every_report
    path = root / "benchmark/adults/hele-landet.html"
    with offline_page(browser, path, 1366, 900) as page:
        assert page.evaluate("document.documentElement.scrollHeight") < 30_000  # was 58.000 px: tables folded
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_timeout(300)
        box = page.locator("nav.toc").bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900  # beside the page, in view at the bottom
        current = page.locator("nav.toc a[aria-current]")
        assert current.count() == 1 and current.inner_text() == "Datakvalitet"
        group = page.locator("details.group").first
        assert not group.evaluate("d => d.open")
        group.locator("summary").click()
        assert group.locator("table").is_visible()  # a measure group's table a click away
    with offline_page(browser, path, 810, 1080) as narrow:
        narrow.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
        link = narrow.locator("a.to-toc")
        assert link.is_visible() and link.bounding_box()["y"] < 1080
        link.click()
        narrow.wait_for_timeout(300)
        assert narrow.locator("nav.toc").bounding_box()["y"] < 1080


@pytest.mark.browser
def test_print_shows_the_content_without_menus_and_keeps_figures_and_tables_whole(every_report, browser):
    root, _ = every_report
    with offline_page(browser, root / "benchmark/children/region-sjaelland.html", 1366, 900) as page:
        page.emulate_media(media="print")
        hidden = page.evaluate(
            """['nav.toc', 'nav.crumbs', 'a.to-toc', 'a.download', '.vega-bind', '.vega-embed > details']
                 .map(s => Array.from(document.querySelectorAll(s)))
                 .flat().filter(e => getComputedStyle(e).display !== 'none').length"""
        )
        assert hidden == 0  # no menus, drop-downs, downloads or navigation on paper
        split = page.evaluate(
            """Array.from(document.querySelectorAll('main figure, main table'))
                 .filter(e => getComputedStyle(e).breakInside !== 'avoid').length"""
        )
        assert split == 0
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.evaluate("Array.from(document.querySelectorAll('main details')).every(d => d.open)")
        assert len(page.pdf(format="A4")) > 10_000


@pytest.mark.browser
def test_the_landing_page_finds_a_municipality_as_the_reader_types(every_report, browser):
    root, _ = every_report
    with offline_page(browser, root / "index.html", 1366, 900) as page:
        rows = page.locator("table.municipalities tbody tr")
        assert rows.count() == 98
        page.locator("#find").fill("koge")  # without the ø, as one types on a foreign keyboard
        visible = [r.inner_text().split("\t")[0] for r in rows.all() if r.is_visible()]
        assert visible == ["Køge"]
        page.locator("#find").fill("Svendborg")
        row = page.locator("table.municipalities tbody tr:not([hidden])")
        assert row.count() == 1 and row.get_by_role("link", name="Nøgletal for politikere").count() == 1
        page.locator("#find").fill("xyz")
        assert page.locator("#find-none").is_visible()


def test_the_forecast_reports_expected_result_adds_up_across_and_down(every_report):
    """Current + expected + pool = expected result, expected result - budget = deviation, and the sub-areas add up to the
    total row, in the whole kroner every forecast page shows (before, 1-2 kr. off where each cell was rounded alone)."""
    from helpers.render.workbook import html_tables

    root, results = every_report
    number = lambda t: float(t.replace(".", "").replace(",", "."))  # noqa: E731
    checked = 0
    for r in results:
        if r.report != "forecast":
            continue
        head, *rows = next(t for t in html_tables(r.path.read_text(encoding="utf-8")) if "Pulje (skøn), kr." in t[0])
        names = ("Igangværende sager, kr.", "Forventede sager, kr.", "Pulje (skøn), kr.", "Forventet regnskab, kr.")
        names += ("Budget, kr.", "Afvigelse (+ = merforbrug), kr.")  # the interval's bounds are bounds, not parts
        grid = [[number(row[head.index(h)]) for h in names] for row in rows]
        current, expected, pool, result, budget, deviation = range(6)
        for row in grid:
            assert (
                row[current] + row[expected] + row[pool] == row[result] and row[result] - row[budget] == row[deviation]
            )
        assert rows[-1][0] == "I alt"
        assert all(sum(g[j] for g in grid[:-1]) == grid[-1][j] for j in range(6)), r.path
        checked += 1
    assert checked == 6
