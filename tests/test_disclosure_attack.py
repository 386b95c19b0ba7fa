"""An outsider attacks every rendered report: can a count from 1 to 4 be computed back from what pages and downloads offer?

The attacker reads every page as a reader gets it: the visible tables, the CSV downloads (chart data and table
downloads) and the XLSX workbooks, and knows what is public anyway (each municipality's population by age from
Statistics Denmark, its accounts). From that the attacker derives every count the reports' arithmetic allows:

- benchmark: users = users per 10,000 x population, and = expenditure / unit cost, from every download and table of
  every benchmark page of the area at once; then, repeatedly, a parent measure group minus its other groups (every way
  the hierarchy adds up) and a region or the country minus its other municipalities; a user count pinned down to one
  whole number from 1 to 4 that is the true one in the warehouse is a leak;
- every table (HTML, CSV, XLSX sheet): relations the table itself shows in its fully visible rows (a column that is the
  sum of others, a total row, a share that is a count over another) applied to the rows with a hidden cell, and
  sentences "14 af 15"; a derived count from 1 to 4 is a leak.
"""

from __future__ import annotations

import base64
import itertools
import math
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import page_charts
from helpers import labels
from helpers.analysis import benchmark, disclosure
from helpers.render.workbook import html_tables
from helpers.warehouse import marts


@pytest.fixture(scope="module")
def rendered(every_report) -> tuple[Path, list]:
    return every_report


# -- reading a page as a reader gets it -----------------------------------------------------------------------------------


def number(cell: object) -> float | None:
    """A shown number ("1.706,5", "12 *", 3.5), or None for a hidden or empty cell ("<5", "..", "")."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return None if isinstance(cell, float) and math.isnan(cell) else float(cell)
    text = str(cell or "").replace("\xa0", " ").strip().removesuffix("*").strip().removesuffix("%").strip()
    if not re.fullmatch(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)?", text):
        return None
    return float(text.replace(".", "").replace(",", "."))


def decimals(cell: object) -> int:
    text = str(cell).strip().removesuffix("*").strip()
    return len(text.split(",")[1]) if "," in text else 0


def hidden(cell: object) -> bool:
    return str(cell or "").strip() in {labels.SMALL_TEXT, labels.HIDDEN}


def csv_downloads(page: str) -> dict[str, list[list[str]]]:
    """Every "Hent data" download of a page as rows of text: table downloads (data: links) and chart data."""
    out = {}
    for name, data in re.findall(
        r'<a class="download" download="([^"]+)" href="data:text/csv;charset=utf-8;base64,([^"]+)"', page
    ):
        text = base64.b64decode(data).decode("utf-8-sig")
        out[name] = [line.split(";") for line in text.splitlines()]
    for chart in page_charts(page):
        if chart["csv"]:
            rows = chart["csv"]["rows"]
            out[chart["csv"]["link"]] = [list(rows.columns)] + rows.astype(object).where(
                rows.notna(), ""
            ).values.tolist()
    return out


def workbook_tables(path: Path) -> list[list[list[object]]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


def every_table(root: Path, results: list) -> dict[str, list[list[object]]]:
    """Every table of every report: its HTML tables, its downloads and its workbook's sheets, named by where they are."""
    out = {}
    for r in results:
        page = (root / r.path).read_text(encoding="utf-8")
        for n, table in enumerate(html_tables(page)):
            out[f"{r.path} tabel {n + 1}"] = table
        for name, table in csv_downloads(page).items():
            out[f"{r.path} {name}"] = table
        for n, chart in enumerate(page_charts(page)):  # what tooltips show: every data set a chart draws
            for name, records in chart["spec"]["datasets"].items():
                if records:
                    out[f"{r.path} figur {n + 1} {name}"] = [list(records[0])] + [list(rec.values()) for rec in records]
        book = (root / r.path).with_suffix(".xlsx")
        if book.exists():
            for n, table in enumerate(workbook_tables(book)):
                out[f"{book.name} ark {n + 1}"] = table
    return out


# -- deriving counts from one table ---------------------------------------------------------------------------------------


def _count_columns(rows: list[list[object]]) -> list[int]:
    width = max(len(r) for r in rows)
    out = []
    for j in range(1, width):
        values = [number(r[j]) for r in rows if j < len(r)]
        shown = [v for v in values if v is not None]
        if (
            shown
            and all(v == int(v) and v >= 0 for v in shown)
            and not all(decimals(r[j]) for r in rows if j < len(r) and number(r[j]) is not None)
        ):
            out.append(j)
    return out


def derived_from_table(rows: list[list[object]]) -> list[tuple[float, str]]:
    """Counts a reader derives from a table's own relations, with how: column sums, total rows, shares."""
    width = max(len(x) for x in rows)  # once: a download has thousands of rows
    body = [list(r) + [""] * (width - len(r)) for r in rows[1:] if r]
    if len(body) < 2:
        return []
    header = [str(h or "") for h in rows[0]] + [""] * (len(body[0]) - len(rows[0]))
    counts = _count_columns(body)
    out = []
    grid = [[number(c) for c in r] for r in body]
    # a column that is the sum of other count columns in every fully shown row
    for target in counts:
        others = [c for c in counts if c != target]
        for k in range(2, min(len(others), 5) + 1):
            for subset in itertools.combinations(others, k):
                cols = (target, *subset)
                full = [g for g in grid if all(g[c] is not None for c in cols)]
                agree = [g for g in full if g[target] > 0 and abs(g[target] - sum(g[c] for c in subset)) < 1e-9]
                if len(agree) < 2 or len(agree) != len(full):
                    continue
                for g, raw in zip(grid, body):
                    missing = [c for c in cols if g[c] is None]
                    if len(missing) == 1 and hidden(raw[missing[0]]):
                        m = missing[0]
                        value = (
                            sum(g[c] for c in subset)
                            if m == target
                            else g[target] - sum(g[c] for c in subset if c != m)
                        )
                        out.append(
                            (value, f"{header[target]} = {' + '.join(header[c] for c in subset)}, række {raw[0]}")
                        )
    # a total row: each count column's total minus the other rows
    for t, raw_total in enumerate(body):
        if not re.match(r"(i alt|alle|total|hele landet)", str(raw_total[0] or "").strip(), flags=re.I):
            continue
        for c in counts:
            column = [g[c] for i, g in enumerate(grid) if i != t]
            cells = [raw[c] for i, raw in enumerate(body) if i != t]
            if grid[t][c] is None or sum(v is None for v in column) != 1 or not any(hidden(x) for x in cells):
                continue
            full = [g for i, g in enumerate(grid) if i != t]
            checks = [cc for cc in counts if grid[t][cc] is not None and all(g[cc] is not None for g in full)]
            if checks and all(abs(grid[t][cc] - sum(g[cc] for g in full)) < 1e-9 for cc in checks):
                out.append(
                    (grid[t][c] - sum(v for v in column if v is not None), f"{header[c]}: i alt minus de øvrige rækker")
                )
    # a part beside its whole ("Sager med målscore" beside "Sager", "Antal" beside "Ud af (n)"): the whole minus the part
    for k, n in itertools.permutations(counts, 2):
        whole, part = header[n].strip(), header[k].strip()
        if not (
            re.match(r"ud af", whole, flags=re.I)
            or (whole and re.match(re.escape(whole) + r" (med|uden|hvor|der)\b", part))
        ):
            continue
        for g, raw in zip(grid, body):
            if g[k] is not None and g[n] is not None:
                out.append((g[n] - g[k], f"{whole} minus {part}, række {raw[0]}"))
    # a share column that is one count column over another (shown rounded)
    for p, name in enumerate(header):
        if not re.search(r"andel|pct|%", name, flags=re.I) or p in counts:
            continue
        for k, n in itertools.permutations(counts, 2):
            full = [g for g in grid if g[p] is not None and g[k] is not None and g[n]]
            if len(full) < 2 or not all(abs(g[p] - 100 * g[k] / g[n]) <= 0.051 for g in full):
                continue
            for g, raw in zip(grid, body):
                if g[p] is None or not g[n]:
                    continue
                step = 0.5 * 10 ** -decimals(raw[p])
                lo, hi = (g[p] - step) * g[n] / 100, (g[p] + step) * g[n] / 100
                whole = [v for v in range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)]
                if g[k] is None and len(whole) == 1:
                    out.append((whole[0], f"{name} x {header[n]}, række {raw[0]}"))
                if len(whole) == 1:
                    out.append((g[n] - whole[0], f"{header[n]} minus {name} x {header[n]}, række {raw[0]}"))
    return out


def derived_from_text(text: str) -> list[tuple[float, str]]:
    """ "14 af 15 sager": the 1 not counted."""
    return [
        (int(b.replace(".", "")) - int(a.replace(".", "")), m)
        for m, a, b in (
            (m.group(0), m.group(1), m.group(2))
            for m in re.finditer(r"(\d[\d.]*) af (\d[\d.]*) (sager|borgere|mål|børn|unge|opfølgninger)", text)
        )
    ]


def small_leaks(derived: list[tuple[float, str]]) -> list[str]:
    return [
        f"{value:g} via {how}"
        for value, how in derived
        if 1 <= round(value, 6) < labels.SMALL and abs(value - round(value)) < 1e-6
    ]


def test_the_table_attack_finds_what_an_unprotected_table_gives_away():
    table = [
        ["Målgruppe", "Vurderede", "Helt", "Delvist", "Ikke", "Andel, pct."],
        ["A", "20", "10", "5", "5", "75,0"],
        ["B", "30", "12", "8", "10", "66,7"],
        ["C", "15", "<5", "7", "6", "60,0"],
        ["I alt", "65", "24", "20", "21", "67,7"],
    ]
    leaks = small_leaks(derived_from_table(table))
    assert any(leak.startswith("2 via") for leak in leaks), leaks  # 15 - 7 - 6, and 60 % of 15 minus the 7 partly
    protected = [r[:] for r in table]
    protected[3][3] = labels.HIDDEN
    protected[3][5] = ""
    assert not small_leaks(derived_from_table(protected[:4]))
    assert small_leaks(derived_from_text("Mål opsat 14 af 15 sager")) == ["1 via 14 af 15 sager"]
    pairs = [["VUM", "Sager", "Sager med målscore"], ["1", "12", "10"], ["2", "30", "27"]]
    assert small_leaks(derived_from_table(pairs)) == [
        "2 via Sager minus Sager med målscore, række 1",
        "3 via Sager minus Sager med målscore, række 2",
    ]


def test_no_table_text_or_download_of_any_report_gives_back_a_count_under_5(rendered):
    root, results = rendered
    leaks = []
    for where, table in every_table(root, results).items():
        leaks += [f"{where}: {leak}" for leak in small_leaks(derived_from_table(table))]
    for r in results:
        text = re.sub(r"<[^>]+>", " ", (root / r.path).read_text(encoding="utf-8"))
        leaks += [f"{r.path}: {leak}" for leak in small_leaks(derived_from_text(text))]
    assert not leaks, "\n".join(leaks[:30])


# -- the benchmark: rates, unit costs and the hierarchy -------------------------------------------------------------------


def _benchmark_knowledge(root: Path, results: list, area: str, truth: pd.DataFrame, regions: pd.DataFrame) -> dict:
    """{(code, year, measure_group): (low, high)} user counts the downloads and tables of an area's pages give."""
    by_label = dict(zip(truth["label_da"], truth["measure_group"]))
    keys = list(zip(truth["code"], truth["year"], truth["measure_group"]))
    population = dict(zip(keys, truth["user_population"]))  # dicts: the scan looks up some 30.000 cells
    spent_on = dict(zip(keys, truth["expenditure_kr_fixed"]))
    reported = dict(
        zip(zip(regions["code"], regions["year"], regions["measure_group"]), regions["reported_population"])
    )
    known: dict[tuple, tuple[float, float]] = {}

    def learn(key: tuple, low: float, high: float) -> None:
        if key in known:
            low, high = max(low, known[key][0]), min(high, known[key][1])
        known[key] = (low, high)

    def step(value: float) -> float:
        text = repr(float(value))
        return (
            0.5 * 10 ** -len(text.split(".")[1].rstrip("0") or "0")
            if "." in text and text.split(".")[1].rstrip("0")
            else 0.5
        )

    names, current = dict(zip(truth["name"], truth["code"])), {}
    for r in results:  # the findings' sentences (data-quality reports and the benchmark's quality section): a unit cost
        if r.report not in ("benchmark", "data_quality"):  # in current prices, against the public accounts
            continue
        page = (root / r.path).read_text(encoding="utf-8")
        # the sentences a reader reads: the page's text without its scripts (the charts' data in them is packed, base64 of
        # gzip, and holds no sentence; searching it only cost time)
        text = re.sub(r"<[^>]+>", " ", re.sub(r"<script\b.*?</script>", " ", page, flags=re.S))
        sentences = UNIT_COST_SENTENCE.findall(text)
        for head, *rows in html_tables(page):  # the lists of findings: one row per issue, each year's value
            if "Værdi pr. år" in head:
                for row in map(dict, (zip(head, cells) for cells in rows)):
                    label = row["Beskrivelse"].split(": ", 1)[0]
                    sentences += [
                        (row["Kommune"], at, label, cost) for at, cost in UNIT_COST_VALUE.findall(row["Værdi pr. år"])
                    ]
        for name, at, label, cost in sentences:
            key, value = (names.get(name), int(at), by_label.get(label)), float(cost.replace(".", ""))
            if key in population and value > 0.5:
                if key[1] not in current:
                    current[key[1]] = marts.benchmark_series(area, key[1], key[1], key[1], protect=False).set_index(
                        ["code", "year", "measure_group"]
                    )
                spent = current[key[1]].loc[key, "expenditure_kr_fixed"]
                learn(key, spent / (value + 0.5), spent / (value - 0.5))
    for r in results:
        if r.report != "benchmark" or r.params["area"] != area:
            continue
        year = int(r.params["year"])
        page = (root / r.path).read_text(encoding="utf-8")
        users, unit = labels.AREA_TEXT[area]["users"], "Enhedsudgift, kr. pr. bruger"
        for chart in page_charts(page):
            if not chart["csv"]:
                continue
            rows = chart["csv"][
                "rows"
            ]  # as downloaded: Danish headers, a figure's year after its name when it is not the report's
            for column in rows.columns:
                found = re.fullmatch(rf"({re.escape(users)}|{re.escape(unit)})(?:, (\d{{4}}))?", column)
                if not found or "Kommunekode" not in rows or "Indsatsgruppe" not in rows:
                    continue
                at = int(found.group(2) or year)
                for code, label, value in zip(rows["Kommunekode"], rows["Indsatsgruppe"], rows[column]):
                    group = by_label.get(label)
                    if group is None or value is None or pd.isna(value) or (code, at, group) not in population:
                        continue
                    if found.group(1) == users:
                        pop = population[(code, at, group)]
                        learn((code, at, group), (value - step(value)) * pop / 1e4, (value + step(value)) * pop / 1e4)
                    elif value > step(value):
                        spent = spent_on[(code, at, group)]
                        learn((code, at, group), spent / (value + step(value)), spent / (value - step(value)))
        for table in html_tables(page):
            head = table[0]
            for j, name in enumerate(head):
                if not name.startswith(labels.AREA_TEXT[area]["users"]):
                    continue
                region = next(
                    (
                        c
                        for c, n in zip(regions["code"], regions["name"])
                        if name.endswith(n) or name.lower().endswith(n.lower())
                    ),
                    None,
                )
                for row in table[1:]:
                    value, group = number(row[j]), by_label.get(row[0])
                    if value is None or group is None or region is None:
                        continue
                    pop = reported[(region, year, group)]
                    h = 0.5 * 10 ** -decimals(row[j])
                    learn((region, year, group), (value - h) * pop / 1e4, (value + h) * pop / 1e4)
    return known


UNIT_COST_SENTENCE = re.compile(
    r"([A-ZÆØÅ][\w æøåÆØÅ.-]*?) (\d{4}), ([^:<]+): enhedsudgift på ([\d.]+) kr\. pr\. bruger"
)
UNIT_COST_VALUE = re.compile(r"(\d{4}): ([\d.]+) kr\. pr\. bruger")  # a year's value in a list of findings


def test_a_finding_that_names_a_unit_cost_is_read_by_the_attack():
    old = "Lemvig 2019, Forsorgshjem og herberger (§ 110): enhedsudgift på 3.933.700 kr. pr. bruger er ikke mulig"
    assert UNIT_COST_SENTENCE.findall(old) == [("Lemvig", "2019", "Forsorgshjem og herberger (§ 110)", "3.933.700")]
    grouped = (
        "2023: 4.183.591 kr. pr. bruger (23 brugere; hele landet 1.255.938 kr.) · 2024: 4.262.326 kr. pr. bruger (23"
    )
    assert UNIT_COST_VALUE.findall(grouped) == [("2023", "4.183.591"), ("2024", "4.262.326")]


def _close(known: dict, equations: list[list[tuple]]) -> dict:
    """Subtract along every equation with one term left unknown, until nothing new is learnt."""
    changed = True
    while changed:
        changed = False
        for eq in equations:
            unknown = [t for t in eq if t not in known]
            if len(unknown) != 1:
                continue
            parent, parts = eq[0], eq[1:]
            target = unknown[0]
            if target == parent:
                low, high = sum(known[p][0] for p in parts), sum(known[p][1] for p in parts)
            else:
                others = [p for p in parts if p != target]
                low = known[parent][0] - sum(known[p][1] for p in others)
                high = known[parent][1] - sum(known[p][0] for p in others)
            known[target] = (low, high)
            changed = True
    return known


@pytest.mark.parametrize("area", labels.AREAS)
def test_no_benchmark_user_count_under_5_comes_back_from_rates_unit_costs_and_differences(rendered, area):
    root, results = rendered
    years = [int(r.params["year"]) for r in results if r.report == "benchmark"]
    starts = [int(r.params["long_series_start"]) for r in results if r.report == "benchmark"]
    base = int(next(r.params["price_base_year"] for r in results if r.report == "benchmark"))
    truth = marts.benchmark_series(area, min(starts), max(years), base, protect=False)
    regions = marts.benchmark_series(area, min(starts), max(years), base, level="region", protect=False)
    reported = truth[truth["users"].notna()]
    population = pd.concat(
        [
            reported.groupby(["region_code", "year", "measure_group"])["user_population"]
            .sum()
            .rename_axis(["code", "year", "measure_group"]),
            reported.groupby(["year", "measure_group"])["user_population"]
            .sum()
            .rename(None)
            .to_frame()
            .assign(code=labels.COUNTRY_CODE)
            .set_index("code", append=True)
            .reorder_levels(["code", "year", "measure_group"])
            .iloc[:, 0],
        ]
    )
    regions = regions.assign(
        reported_population=regions.set_index(["code", "year", "measure_group"]).index.map(population)
    )
    known = _benchmark_knowledge(root, results, area, truth, regions)
    assert len(known) > 1000  # the attacker does read the downloads

    sums = disclosure.partitions(benchmark.leaves(marts.measure_groups(area)))
    equations = []
    for (code, year), rows in pd.concat([truth, regions]).groupby(["code", "year"]):
        present = set(rows["measure_group"])
        equations += [[(code, year, g) for g in eq] for eq in sums if set(eq) <= present]
    for (year, group), rows in reported.groupby(["year", "measure_group"]):
        equations.append([(labels.COUNTRY_CODE, year, group)] + [(c, year, group) for c in rows["code"]])
        for region, members in rows.groupby("region_code"):
            equations.append([(region, year, group)] + [(c, year, group) for c in members["code"]])
    known = _close(known, equations)

    true = truth.set_index(["code", "year", "measure_group"])["users"]
    leaks = []
    for key, (low, high) in known.items():
        whole = list(range(math.ceil(low - 1e-6), math.floor(high + 1e-6) + 1))
        if key in true.index and len(whole) == 1 and 1 <= whole[0] < labels.SMALL and whole[0] == true[key]:
            leaks.append(f"{key}: {whole[0]} from [{low:.3f}, {high:.3f}]")
    small = truth[labels.is_small(truth["users"])]
    assert len(small) > 50  # the data has small counts to protect
    assert not leaks, "\n".join(leaks[:20])


def test_the_benchmark_attack_recovers_a_count_the_protection_would_hide():
    # without complements, I alt and Anbragte shown and the other parts shown give the 2 in Døgninstitutioner back
    known = {
        ("A", 2024, "i_alt"): (19.99, 20.01),
        ("A", 2024, "anbragte_i_alt"): (6.99, 7.01),
        ("A", 2024, "familiepleje_og_opholdssteder"): (4.99, 5.01),
    }
    eqs = [
        [("A", 2024, "anbragte_i_alt"), ("A", 2024, "doegninstitutioner"), ("A", 2024, "familiepleje_og_opholdssteder")]
    ]
    low, high = _close(known, eqs)[("A", 2024, "doegninstitutioner")]
    assert list(range(math.ceil(low - 1e-6), math.floor(high + 1e-6) + 1)) == [2]


# -- full-year cases: the forecast's count of people, on the packs and the forecast reports (issue 23, point 4) -------------

FULL_YEAR_COLUMNS = {
    "Budgetterede helårssager": "budget_cases",
    "Helårssager i prognosen": "full_year_cases",
    "Budgetteret pris, kr.": "budget_price",
    "Gns. pris pr. helårssag, kr.": "forecast_price",
    "Forventet regnskab, kr.": "expected_result",
    "Budget, kr.": "budget",
    "Afvigelse (+ = merforbrug), kr.": "deviation",
    "Heraf mængde, kr.": "quantity",
    "Heraf pris, kr.": "price",
    "Heraf mængde og pris i alt, kr.": "cases",
    "Heraf pulje, kr.": "pool",
    "Pulje (skøn), kr.": "pool",
}


def full_year_knowledge(root: Path, results: list) -> dict[tuple, dict[str, float]]:
    """What every pack and forecast report of a municipality shows about a sub-area's full-year cases and the figures
    around them (tables, CSV downloads, workbooks), merged per (municipality, area, sub-area)."""
    known: dict[tuple, dict[str, float]] = {}
    for r in results:
        if r.report not in ("indicators", "forecast"):
            continue
        page = (root / r.path).read_text(encoding="utf-8")
        tables = list(html_tables(page)) + list(csv_downloads(page).values())
        book = (root / r.path).with_suffix(".xlsx")
        tables += workbook_tables(book) if book.exists() else []
        for head, *rows in (t for t in tables if t and "Delområde" in [str(h) for h in t[0]]):
            head = [str(h) for h in head]
            for row in rows:
                cells = dict(zip(head, row))
                if "Område" not in cells and r.report == "indicators":
                    continue  # a pack table of one area's own (children over 15): no full-year cases
                area = cells.get("Område") or labels.AREA_LABELS[r.params["area"]]
                key = (r.params["municipality"], area, str(cells["Delområde"]))
                for column, field in FULL_YEAR_COLUMNS.items():
                    value = number(cells.get(column))
                    if value is not None:
                        known.setdefault(key, {})[field] = value
    return known


def derived_full_year_cases(facts: dict[str, float]) -> list[tuple[float, str]]:
    """Every way a reader gets a sub-area's full-year cases N back from what the pages show beside the budget's own
    assumptions: N shown; quantity = (N - budgeted cases) x budget price; price = forecast without pool - N x budget
    price (and each from the other and deviation - pool); forecast price = forecast without pool / N."""
    f = dict(facts)
    if "deviation" in f and "pool" in f:
        for one, other in (("quantity", "price"), ("price", "quantity")):
            if one not in f and other in f:
                f[one] = f["deviation"] - f["pool"] - f[other]
    out = []
    if "full_year_cases" in f:
        out.append((f["full_year_cases"], "shown"))
    forecast = f["expected_result"] - f["pool"] if "expected_result" in f and "pool" in f else None
    if f.get("budget_price") and "budget_cases" in f and "quantity" in f:
        out.append(
            (f["quantity"] / f["budget_price"] + f["budget_cases"], "mængde / budgetteret pris + budgetterede sager")
        )
    if f.get("budget_price") and forecast is not None and "price" in f:
        out.append(((forecast - f["price"]) / f["budget_price"], "(prognose - pris) / budgetteret pris"))
    if f.get("forecast_price") and forecast is not None:
        out.append((forecast / f["forecast_price"], "prognose / pris pr. helårssag"))
    return out


def test_full_year_cases_the_packs_hide_come_back_from_no_page_or_download(rendered):
    """The finance pack hid full-year cases (1,32 and 16,96) that its "Heraf mængde" column and the forecast report's CSV
    gave: every pack and forecast report of every municipality, read together, now gives back no hidden one."""
    from helpers.reports import expected_result

    root, results = rendered
    known = full_year_knowledge(root, results)
    municipalities = {r.params["municipality"] for r in results if r.report == "forecast"}
    assert len(municipalities) == 3 and len(known) > 40
    hidden, leaks = 0, []
    for municipality in sorted(municipalities):
        for area in labels.AREAS:
            er = expected_result.compute(municipality, area, "2024-09-30")
            parts = er.deviation_parts().set_index("label")
            masked = er.deviation_shown.set_index("label")["cases_hidden"]
            for label, truth in parts["full_year_cases"].items():
                facts = known.get((municipality, labels.AREA_LABELS[area], label), {})
                for value, how in derived_full_year_cases(facts):
                    if masked[label] and abs(value - truth) < 0.05:
                        leaks.append(f"{municipality} {area} {label}: {truth:.2f} via {how}")
                    elif not masked[label] and how == "shown":
                        assert abs(value - truth) < 0.05, (municipality, label)  # what is shown is the truth
                hidden += bool(masked[label])
    assert hidden >= 5  # the sample has full-year cases to protect
    assert not leaks, "\n".join(leaks)


def test_the_full_year_attack_finds_the_leak_the_issue_found():
    """Before the fix, the finance pack showed "Heraf mængde" beside the budget's cases and price of a sub-area whose
    full-year cases it hid: 1,32 came back."""
    facts = {"budget_cases": 1.0, "budget_price": 3_041_319.0, "quantity": 973_222.0, "expected_result": 3_996_174.0}
    assert [round(v, 2) for v, _ in derived_full_year_cases(facts)] == [1.32]
    facts = {"expected_result": 3_996_174.0, "pool": 0.0, "forecast_price": 3_027_404.0}
    assert [round(v, 2) for v, _ in derived_full_year_cases(facts)] == [1.32]
