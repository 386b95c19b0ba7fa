"""Progression measures on hand-worked registrations, small-number protection, the published shapes on the
embedded sample, the CLI, and the rendered report (tiny groups suppressed in the HTML, charts drawn offline)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import assert_charts_drew, helpers_cli, page_charts
from helpers import labels, paths
from helpers.analysis import progression
from helpers.render import batch as reports
from helpers.render.tables import protected, suppression_mask
from helpers.render.workbook import html_tables
from helpers.warehouse import marts


def _registrations(rows: list[tuple]) -> pd.DataFrame:
    """case, municipality, registration no, date, service, vum, goals set, goal type, previous goal met, hours, daily rate."""
    cols = [
        "case_id",
        "municipality_code",
        "registration_no",
        "registration_date",
        "service",
        "vum_score",
        "goals_set",
        "goal_type",
        "previous_goal_met",
        "hours_per_month",
        "daily_rate",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.assign(registration_date=pd.to_datetime(frame["registration_date"]), age=30, target_vum=None)


HAND = _registrations(
    [
        # case A in 101, scores 3, 2 and 2; goal improvement set at 1 and met partially at 2; status quo at 2, not met at 3
        ("A", "101", 1, "2017-01-31", "sel_85", 3.0, True, "improvement", None, 20.0, None),
        ("A", "101", 2, "2017-02-01", "sel_85", 2.0, True, "status_quo", "partially", 16.0, None),
        ("A", "101", 3, "2018-02-15", "sel_85", 2.0, True, None, "not", 16.0, None),
        # case B in 101, scores 2 then 3 (worse); improvement goal fully met at 2
        ("B", "101", 1, "2017-03-10", "sel_107", 2.0, True, "improvement", None, None, 2000.0),
        ("B", "101", 2, "2017-12-09", "sel_107", 3.0, True, None, "fully", None, 2100.0),
        # case C in 157, no goals at 1, score missing at 2 (not assessed)
        ("C", "157", 1, "2017-05-01", "sel_85", 3.5, False, None, None, 30.0, None),
        ("C", "157", 2, "2018-05-01", "sel_85", None, True, "improvement", None, 30.0, None),
        # case D in 157, one registration only
        ("D", "157", 1, "2018-01-01", "sel_85", 2.0, True, "improvement", None, 10.0, None),
    ]
)


def test_summary_hand_worked():
    s = progression.summary(HAND)
    assert (s["cases"], s["with_2_registrations"], s["with_3_registrations"]) == (4, 3, 1)
    assert s["goals_set_share"] == 0.75  # A, B, D at the first registration; not C
    assert s["vum_transitions"]["1-2"] == {
        "2": {"improved": 0, "same": 0, "worse": 1, "not_assessed": 0},
        "3": {"improved": 1, "same": 0, "worse": 0, "not_assessed": 0},
        "3.5": {"improved": 0, "same": 0, "worse": 0, "not_assessed": 1},
    }
    assert s["vum_transitions"]["2-3"] == {"2": {"improved": 0, "same": 1, "worse": 0, "not_assessed": 0}}
    # assessed goals: A2 partially (type improvement, from A1), B2 fully (improvement), A3 not (status_quo, from A2)
    assert s["goal_fulfilment"]["overall"] == {"n": 3, "fully_or_partially": round(2 / 3, 4)}
    assert s["goal_fulfilment"]["by_goal_type"] == {
        "improvement": {"n": 2, "fully_or_partially": 1.0},
        "status_quo": {"n": 1, "fully_or_partially": 0.0},
    }
    assert s["goal_fulfilment"]["by_municipality"] == {"101": {"n": 3, "fully_or_partially": round(2 / 3, 4)}}
    # by step: goals set at the 1st and assessed at the 2nd (A partially, B fully), set at the 2nd and assessed at the 3rd (A not)
    assert s["goal_fulfilment"]["by_step"] == {
        "1-2": {"n": 2, "fully_or_partially": 1.0},
        "2-3": {"n": 1, "fully_or_partially": 0.0},
    }
    assert progression.summary(HAND[HAND["registration_no"] < 3])["goal_fulfilment"]["by_step"]["2-3"] == {
        "n": 0,
        "fully_or_partially": None,
    }
    # calendar months: A 31 Jan -> 1 Feb = 1, B Mar -> Dec = 9, C May -> May = 12; A Feb 2017 -> Feb 2018 = 12
    assert s["months_between_registrations"] == {"1-2": round((1 + 9 + 12) / 3, 2), "2-3": 12.0}


def test_wilson_interval_hand_worked():
    low, high = progression.wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4) and high == pytest.approx(
        0.7634, abs=1e-4
    )  # textbook values for 5/10
    low, high = progression.wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12) and high == pytest.approx(0.2775, abs=1e-4)


def test_support_change_is_sums_over_sums_by_goal_met():
    got = progression.support_change_by_goal(HAND).set_index(["service", "goal"])["change_pct"]
    assert got[("sel_85", "met")] == pytest.approx(100 * (16 / 20 - 1))  # A1 -> A2
    assert got[("sel_85", "not_met")] == pytest.approx(0.0)  # A2 -> A3
    assert got[("sel_107", "met")] == pytest.approx(5.0)  # B


def test_cost_per_outcome_hand_worked():
    got = progression.cost_per_outcome(HAND, hourly_rate=500).set_index(["service", "municipality_code"])
    # A: 20 h x 12 x 500 x 1/12 year + 16 h x 12 x 500 x 12/12 = 10,000 + 96,000; improved 3 -> 2, and goals met
    a = got.loc[("sel_85", "101")]
    assert a["cost"] == pytest.approx(106_000) and a["case_years"] == pytest.approx(13 / 12)
    assert a["improved"] == 1 and a["cost_per_improved"] == pytest.approx(106_000) and a["goal_met"] == 1
    b = got.loc[("sel_107", "101")]  # 2000 kr. x 365 x 9/12, worse, goal met
    assert b["cost"] == pytest.approx(2000 * 365 * 0.75) and b["improved"] == 0 and pd.isna(b["cost_per_improved"])
    assert b["cost_per_goal_met"] == pytest.approx(2000 * 365 * 0.75)


def test_parameter_improvement_is_first_minus_last_by_theme_and_sex():
    scores = pd.DataFrame(
        {
            "case_id": ["A"] * 3 + ["B"] * 2,
            "sex": ["K"] * 3 + ["M"] * 2,
            "theme": ["familie"] * 5,
            "assessment_date": pd.to_datetime(["2017-01-01", "2017-07-01", "2018-01-01", "2017-01-01", "2017-07-01"]),
            "score": [3, 2, 1, 2, 3],
        }
    )
    got = progression.parameter_improvement(scores).set_index("sex")
    assert got.loc["K", "improvement"] == 2 and got.loc["M", "improvement"] == -1 and got.loc["K", "n"] == 1


def test_suppression_hides_small_counts_and_their_complements():
    frame = pd.DataFrame({"group": ["a", "b"], "yes": [3, 40], "no": [30, 2], "n": [33, 42]})
    mask = suppression_mask(frame, ["yes", "no", "n"], parts=[["yes", "no"]])
    assert mask.loc[0, "yes"] and mask.loc[0, "no"]  # 3 hidden, so 30 (= 33 - 3) is hidden too
    assert mask.loc[1, "no"] and mask.loc[1, "yes"] and not mask.loc[0, "n"]
    column = suppression_mask(pd.DataFrame({"n": [2, 50, 7, 0]}), ["n"], column_totals=True)
    assert column["n"].tolist() == [True, False, True, False]  # the smallest other non-zero cell of the column
    shown = protected(
        frame.assign(share=100 * frame["yes"] / frame["n"], few=[8.0, 9.0]).assign(m=[1.0, 2.0]),
        ["yes", "no", "n"],
        parts=[["yes", "no"]],
        shares={"share": ("yes", "n")},
        means={"m": "n"},
        decimals={"share": 1},
    )
    assert shown["yes"].tolist() == ["<5", ".."] and shown["share"].tolist() == [
        "",
        "",
    ]  # 40 is hidden, not 'fewer than 5'
    assert shown["no"].tolist() == ["..", "<5"]
    tiny = protected(
        pd.DataFrame({"n": [7, 12], "mean": [3.25, 4.5]}), ["n"], means={"mean": "n"}, decimals={"mean": 2}
    )
    assert tiny["mean"].tolist() == ["3,25 *", "4,50"]  # fewer than 10 cases: marked


def test_embedded_sample_reproduces_the_published_shapes(warehouse_path):
    s = progression.summary(progression.select(marts.progression_registrations()))
    assert (s["cases"], s["with_2_registrations"], s["with_3_registrations"]) == (401, 382, 169)
    assert round(100 * s["goals_set_share"]) == 93
    frame = progression.select(marts.progression_registrations())
    assert frame.groupby("case_id")["registration_no"].max().max() == 9
    assert 0.4 <= s["goal_fulfilment"]["overall"]["fully_or_partially"] <= 0.6
    shares = [v["fully_or_partially"] for v in s["goal_fulfilment"]["by_municipality"].values()]
    assert 0.2 <= min(shares) <= 0.3 and 0.7 <= max(shares) <= 0.8
    assert all(10 <= m <= 12 for m in s["months_between_registrations"].values())


def test_cli_reads_files_and_filters_a_municipality(warehouse_path):
    files = sorted(str(p) for p in (paths.sample_dir() / "progression").glob("registrations_*"))
    out = helpers_cli("progression", "--registrations", *files, "--json", check=True)
    got = json.loads(out.stdout)
    rows = got.pop("rows")
    assert got == progression.summary(
        progression.select(marts.progression_registrations())
    )  # the file route and the warehouse agree
    assert rows["read"] == rows["accepted"] + rows["rejected"] and rows["rejected"] == 3  # the three planted rows
    one = helpers_cli("progression", "--registrations", *files, "--municipality", "330", "--json", check=True)
    assert set(json.loads(one.stdout)["goal_fulfilment"]["by_municipality"]) == {"330"}
    bad = helpers_cli("progression", "--registrations", "nope.csv")
    assert bad.returncode == 2 and "nope.csv" in bad.stderr and "Traceback" not in bad.stderr


@pytest.fixture(scope="module")
def pages(every_report) -> dict[str, Path]:
    """The batch run's progression reports by municipality code: Svendborg's (15 cases) and the report of all
    municipalities with registrations (the country's code)."""
    return {r.params["municipality"]: r.path for r in every_report[1] if r.report == "progression"}


@pytest.fixture(scope="module")
def rendered(pages) -> Path:
    return pages["479"]


def _value_cells(page: str) -> list[list[str]]:
    """Each table body row's cells after the first (the first names the row: a VUM score '2' is a label, not a count)."""
    rows = re.findall(r"<tr>(.*?)</tr>", "".join(re.findall(r"<tbody>.*?</tbody>", page, flags=re.S)), flags=re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)][1:]
        for row in rows
    ]


def test_report_for_a_small_municipality_shows_no_count_under_5(rendered):
    page = rendered.read_text(encoding="utf-8")
    assert "Progression og målopfyldelse: Svendborg" in page and "Kommune: Svendborg" in page
    assert "&lt;5" in page and " *" in page
    rows = _value_cells(page)
    assert len(rows) > 30
    for cells in rows:
        assert not any(re.fullmatch(r"[1-4]", c) for c in cells), cells  # counts 1-4 never appear as numbers
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def _transitions(page: str) -> dict:
    return next(c for c in page_charts(page) if c["spec"].get("title", "").startswith("Udvikling i VUM-score"))


@pytest.mark.parametrize("code", ["479", labels.COUNTRY_CODE])
def test_transition_figure_keeps_every_start_score_and_marks_each_hidden_segment(pages, code):
    """Issue 23.1: every start score keeps its row; a hidden count is marked beside its bar with its sign (<5 or ..),
    the shown counts are drawn, and nothing the CSV hides is drawn."""
    chart = _transitions(pages[code].read_text(encoding="utf-8"))
    rows = chart["csv"]["rows"]
    bars_layer, marks_layer = chart["spec"]["layer"]
    domain = bars_layer["encoding"]["y"]["scale"]["domain"]
    drawn = chart["spec"]["datasets"][bars_layer["data"]["name"]]
    marks = {m["row"]: m["hidden"] for m in chart["spec"]["datasets"][marks_layer["data"]["name"]]}
    outcomes = ["Forbedret", "Uændret", "Forværret", "Ikke vurderet"]
    assert len(domain) == len(rows)
    for pair, score, *cells in rows[["Registreringer", "VUM", *outcomes]].itertuples(index=False):
        row = f"{pair.removeprefix('Registrering ')}: VUM {score}"
        assert row in domain
        bars = {d["outcome"]: d["cases"] for d in drawn if d["row"] == row}
        for outcome, cell in zip(outcomes, cells):
            if cell in (labels.SMALL_TEXT, labels.HIDDEN):
                assert outcome not in bars and f"{outcome} {cell}" in marks[row], (row, outcome)
            else:
                assert bars.get(outcome, 0) == int(cell.replace(".", "")), (row, outcome)
    hidden = rows[outcomes].isin([labels.SMALL_TEXT, labels.HIDDEN]).any(axis=1).sum()
    assert len(marks) == hidden > 0


def test_all_municipalities_keep_the_large_counts_of_a_start_score_with_a_small_one(pages):
    """Issue 23.1: the headline chart was half empty (VUM 1: 30 unchanged hidden beside 4 worse); cells are protected,
    not rows, so a start score shows what the page's other numbers do not give back."""
    chart = _transitions(pages[labels.COUNTRY_CODE].read_text(encoding="utf-8"))
    rows = chart["csv"]["rows"]
    with_bars = {d["row"] for d in chart["spec"]["datasets"][chart["spec"]["layer"][0]["data"]["name"]]}
    assert len(with_bars) >= 0.8 * len(rows)
    one = rows[(rows["Registreringer"] == "Registrering 1 til 2") & (rows["VUM"] == "1")].iloc[0]
    assert one["Uændret"] == "30" and one["Forværret"] == labels.SMALL_TEXT


def test_vum_masks_hide_cells_only_where_the_pages_numbers_give_them_back():
    from helpers.reports.progression import vum_masks

    columns = list(progression.OUTCOMES)
    later = pd.DataFrame([[6, 20, 7, 0]], index=["2"], columns=columns)
    # start score 1: 41 cases = 30 same + 4 worse + 7 with one registration only (never shown); score 2: 61 = 10 + 40 + 3
    # + 8 with one registration; the pair 1-2's total (87) and all cases (102) stand in the key figures
    first = pd.DataFrame([[0, 30, 4, 0], [10, 40, 3, 0]], index=["1", "2"], columns=columns)
    masks, scores = vum_masks({(1, 2): first, (2, 3): later}, pd.Series({"1": 41, "2": 61}))
    assert masks[(1, 2)].loc["1"].tolist() == [False, False, True, False]  # the 4 only: the 30 stays
    assert masks[(1, 2)].loc["2"].tolist() == [False, False, True, False]  # the 3 only
    assert not masks[(2, 3)].any().any() and not scores.any()
    # score 2 followed up in full (none with one registration): 53 - 10 - 40 would give the 3 back, so the 10 is hidden.
    # All cases minus the pair's (94 - 87 = 7) would then give score 1's 7 with one registration, and 41 - 30 - 7 the 4:
    # the totals stand in the key figures, so the zero of score 2 with one registration is kept from the reader instead,
    # and the 30 stays
    masks, _ = vum_masks({(1, 2): first, (2, 3): later}, pd.Series({"1": 41, "2": 53}))
    assert masks[(1, 2)].loc["2"].tolist() == [True, False, True, False]
    assert masks[(1, 2)].loc["1"].tolist() == [False, False, True, False]
    # the pair's total is known: one small cell in a pair hides a second one in it
    lone = pd.DataFrame([[0, 30, 0, 0], [10, 40, 3, 0]], index=["2", "3"], columns=columns)
    masks, _ = vum_masks({(1, 2): first, (2, 3): lone}, pd.Series({"1": 41, "2": 61}))
    assert masks[(2, 3)].to_numpy().sum() == 2


@pytest.mark.parametrize("code", ["479", labels.COUNTRY_CODE])
def test_goal_fulfilment_figures_show_n_beside_every_share(pages, code):
    """Issue 23.10: the page promises n beside every share; the figures said it only on hover."""
    page = pages[code].read_text(encoding="utf-8")
    found = [c for c in page_charts(page) if c["spec"].get("title", "").startswith("Målopfyldelse pr.")]
    assert len(found) == 2
    for chart in found:
        texts = [layer for layer in chart["spec"]["layer"] if layer["mark"].get("type") == "text"]
        assert len(texts) == 1 and texts[0]["encoding"]["text"]["field"] == "n_text"
        drawn = chart["spec"]["datasets"][next(iter(chart["spec"]["datasets"]))]
        rows = chart["csv"]["rows"].set_index(chart["csv"]["rows"].columns[0])
        for d in drawn:
            n = rows.loc[d["group"], "Vurderede mål"]
            assert d["n_text"] == f"n = {n}" + (" *" if rows.loc[d["group"], "Andel, pct."].endswith("*") else "")
            assert set(d) == {"group", "n", "fully_or_partially", "low", "high", "n_text"}  # no count the CSV hides


def test_all_municipalities_say_they_are_the_ones_that_report_and_heraf_rows_add_up(pages):
    """Issue 23.10: "Alle kommuner" meant the 10 that report; the "heraf" rows of goals met did not add up."""
    page = pages[labels.COUNTRY_CODE].read_text(encoding="utf-8")
    assert "Progression og målopfyldelse: Alle kommuner med registreringer" in page
    names = set(marts.progression_periods()["municipality_name"])
    said = re.search(r"indberettet progressionsregistreringer: (\w+) kommuner \(([^)]*)\)", page)
    assert said and said.group(1) == "ti" and set(re.split(r", | og ", said.group(2))) == names
    key = next(t for t in html_tables(page) if t[0][0] == "Nøgletal")
    total = next(i for i, r in enumerate(key) if r[0].startswith("Mål helt eller delvist"))
    parts = [r for r in key[total + 1 :] if r[0].startswith("Heraf")]
    assert len(parts) == 3
    for column in (1, 2):  # count and n: the parts add up to the whole
        assert sum(int(r[column].replace(".", "")) for r in parts) == int(key[total][column].replace(".", ""))


def test_the_hourly_rate_is_shown_on_top_in_the_cost_table_and_in_the_workbook(rendered):
    """Issue 23.2: the § 85 hourly rate behind every cost figure is where the page says it is, and in the workbook."""
    from openpyxl import load_workbook

    page = rendered.read_text(encoding="utf-8")
    header = re.search(r"Rapporten gælder:</strong> (.*?)<br>", page).group(1)
    assert "Timepris (§ 85): 500 kr." in header
    cost = next(t for t in html_tables(page) if "Kr. pr. sagsår" in t[0])
    basis = cost[0].index("Udgift pr. år regnet som")
    assert {r[basis] for r in cost[1:]} <= {"timer pr. måned x 12 x 500 kr. (timepris)", "døgntakst x 365"}
    book = load_workbook(rendered.with_suffix(".xlsx"))
    about = {row[0]: row[1] for row in book["Om"].iter_rows(values_only=True)}
    assert about["Timepris (§ 85)"] == "500 kr."
    sheets = [ws for ws in book.worksheets if any(c.value == "Udgift pr. år regnet som" for c in ws[1])]
    assert len(sheets) == 1


@pytest.mark.browser
def test_progression_charts_draw_offline(rendered, browser):
    assert_charts_drew(browser, rendered, 3)


@pytest.mark.browser
@pytest.mark.parametrize("code", ["479", labels.COUNTRY_CODE])
def test_hidden_segments_and_n_are_drawn_beside_the_bars(pages, browser, code):
    """In the browser: each hidden segment is written beside its start score's bar, n beside every share."""
    from conftest import drawn_charts

    page = pages[code]
    _, drawn = drawn_charts(browser, page)
    rows = _transitions(page.read_text(encoding="utf-8"))["csv"]["rows"]
    hidden = int(rows.isin([labels.SMALL_TEXT, labels.HIDDEN]).to_numpy().sum())
    said = re.findall(r'class="mark-text[^"]*".*?</g>', drawn[0], flags=re.S)
    texts = re.findall(r"<text[^>]*>([^<]*(?:&lt;5|\.\.)[^<]*)</text>", " ".join(said))
    assert sum(t.count("&lt;5") + t.count("..") for t in texts) == hidden > 0
    for chart in drawn[1:]:
        assert re.search(r"<text[^>]*>n = \d", chart), "n beside the shares"


def test_progression_parameter_sets_come_from_the_warehouse(warehouse_path):
    sets = reports.progression_parameter_sets()
    assert sets[0]["municipality"] == "000" and len(sets) == 11
    assert {s["municipality_name"] for s in sets[1:]} >= {"Svendborg", "København"}
    assert all(s["period_start"] < s["period_end"] for s in sets)


def test_a_missing_age_is_its_own_band_not_40_or_over():
    frame = pd.DataFrame({"case_id": ["a", "a", "b", "c"], "registration_no": [1, 2, 1, 1], "age": [39, 40, None, 40]})
    bands = progression.first_registrations(frame).set_index("case_id")["age_band"]
    assert bands.to_dict() == {"a": "under_40", "b": "unknown", "c": "40_plus"}
    none = progression.first_registrations(frame.assign(age=None))  # an extract without ages
    assert set(none["age_band"]) == {"unknown"}
