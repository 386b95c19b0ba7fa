"""Key-figure packs: hand-worked spells, flows, recipients, refunds and periods; the rendered packs."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from conftest import helpers_cli
from helpers.analysis import flows as indicators
from helpers.intake.privacy import pseudonymise_caseworker
from helpers.render.formats import format_date, format_number
from helpers.render.workbook import html_tables


def _p(case, start, end=None, measure="m", provider="own_municipality", born="2008-01-01"):
    return {
        "case_id": case,
        "measure": measure,
        "start_date": start,
        "end_date": end,
        "provider_type": provider,
        "birth_date": born,
    }


PERIODS = pd.DataFrame(
    [
        _p("A", "2023-01-01", "2023-06-30"),
        _p("A", "2023-07-01", None),  # a rate change: one spell, running
        _p("B", "2023-02-01", "2023-03-31"),
        _p("B", "2024-08-01", "2024-09-10"),  # re-entry in Q3 2024, ended in Q3
        _p("C", "2024-07-15", None, provider="private", born="2012-06-01"),  # entry in Q3 2024
        _p("D", "2020-01-01", "2024-08-31"),  # exit in Q3 2024 after 1.705 days
    ]
)


def test_periods_parse_months_and_quarters():
    assert indicators.period_end("2024-Q3") == dt.date(2024, 9, 30) and indicators.period_start("2024-Q3") == dt.date(
        2024, 7, 1
    )
    assert indicators.period_end("2024-02") == dt.date(2024, 2, 29) and indicators.period_start("2024-02") == dt.date(
        2024, 2, 1
    )


def test_spells_merge_periods_without_gaps():
    s = indicators.spells(PERIODS).set_index(["case_id", "spell_no"])
    assert len(s.loc["A"]) == 1 and pd.isna(s.loc[("A", 1), "end"])
    assert len(s.loc["B"]) == 2 and s.loc[("B", 2), "start"] == pd.Timestamp("2024-08-01")


def test_flows_hand_worked_per_10000():
    got = indicators.flows(PERIODS, dt.date(2024, 7, 1), dt.date(2024, 9, 30), pd.Series({"m": 2_000.0})).iloc[0]
    assert (got["entries"], got["exits"], got["reentries"]) == (2, 2, 1)  # C and B's second spell; B and D; B
    assert got["entries_per_10000"] == pytest.approx(10.0) and got["reentries_per_10000"] == pytest.approx(5.0)
    assert got["median_days"] == pytest.approx(
        (41 + 1705) / 2
    )  # B: 01.08-10.09 = 41 days; D: 01.01.2020-31.08.2024 = 1.705 days


def test_recipients_over_15_providers_and_stay_on_a_day():
    day = dt.date(2024, 9, 30)
    assert sorted(indicators.recipients(PERIODS, day)["case_id"]) == ["A", "C"]
    over = indicators.over_15(PERIODS, day).iloc[0]
    assert (over["recipients"], over["over_15"]) == (2, 1)  # A born 2008 is 16; C born 2012 is 12
    prov = indicators.providers(PERIODS, day).iloc[0]
    assert (prov["own"], prov["other"]) == (1, 1)
    stay = indicators.length_of_stay(PERIODS, day).iloc[0]
    assert stay["median_days"] == pytest.approx(
        ((pd.Timestamp(day) - pd.Timestamp("2023-01-01")).days + 1 + 78) / 2
    )  # A and C (78 days)


def test_refunds_hand_worked():
    got = indicators.refunds(pd.Series([500_000.0, 1_400_000.0, 2_600_000.0]), 1_000_000, 2_000_000)
    assert got.tolist() == [0.0, 100_000.0, 0.25 * 1_000_000 + 0.5 * 600_000]


def test_caseworker_pseudonyms_are_keyed_and_hide_initials():
    a = pseudonymise_caseworker("CT83", b"k" * 32)
    assert a.startswith("SB-") and "CT83" not in a and a == pseudonymise_caseworker("CT83", b"k" * 32)
    assert a != pseudonymise_caseworker("CT83", b"x" * 32)


@pytest.fixture(scope="module")
def rendered(every_report) -> Path:
    """Svendborg's three packs of the batch run."""
    return every_report[0] / "indicators" / "svendborg"


@pytest.mark.parametrize(
    ("audience", "sections"),
    [
        ("politicians", ["Holder budgettet?", "Modtagere og gennemsnitspriser", "Tilgang og afgang", "Handleplan"]),
        ("finance", ["Afvigelse: mængde og pris", "Refusion for særligt dyre enkeltsager"]),
        (
            "department",
            [
                "Unge over 15 år",
                "Dyre sager",
                "Leverandører og forløbets længde",
                "Opfølgning til tiden",
                "Sagsbehandlere",
            ],
        ),
    ],
)
def test_each_audience_gets_its_sections_and_a_workbook(rendered, audience, sections):
    page = (rendered / f"{audience}.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', page, re.S).group(1)
    for section in sections:
        assert section in toc
    assert (rendered / f"{audience}.xlsx").exists()
    assert not re.search(r"\bCT\d\d\b", page)  # caseworker initials never shown
    for cells in re.findall(r"<tr>(.*?)</tr>", "".join(re.findall(r"<tbody>.*?</tbody>", page, re.S)), re.S):
        values = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        assert not any(re.fullmatch(r"[1-4]", v) for v in values), values


@pytest.mark.parametrize("audience", ["finance", "department"])
def test_average_prices_of_fewer_than_5_full_year_cases_are_hidden(rendered, audience):
    page = (rendered / f"{audience}.html").read_text(encoding="utf-8")
    head, *rows = next(t for t in html_tables(page) if "Helårssager i prognosen" in t[0])
    full, price = head.index("Helårssager i prognosen"), head.index("Gns. pris pr. helårssag, kr.")
    hidden = [r for r in rows if r[full] == "<5"]
    assert hidden, "the sample has measures with fewer than 5 full-year cases (e.g. § 95)"
    assert all(r[price] == "" for r in hidden + [r for r in rows if r[full] == ".."])
    shown = [float(r[full].replace(".", "").replace(",", ".")) for r in rows if r[full] not in ("<5", "..", "")]
    assert all(v == 0 or v >= 5 for v in shown)


def test_follow_up_on_time_hand_worked():
    regs = pd.DataFrame(
        {
            "case_id": ["A", "A", "A", "B", "B"],
            "registration_no": [1, 2, 3, 1, 2],
            "service": "sel_85",
            "registration_date": pd.to_datetime(["2017-01-10", "2018-01-31", "2019-03-01", "2017-05-01", "2018-04-30"]),
        }
    )
    got = indicators.followed_up_on_time(regs).iloc[0]
    assert (got["follow_ups"], got["on_time"]) == (3, 2)  # 12, 14 and 11 calendar months


# -- issue 16: packs worth sending; issue 14: no small count recoverable -------------------------------------------------

MUNICIPALITY, PERIOD, END = "479", "2024-Q3", dt.date(2024, 9, 30)


def _page(rendered, audience: str) -> str:
    return (rendered / f"{audience}.html").read_text(encoding="utf-8")


def _rows(page: str, column: str) -> list[dict[str, str]]:
    head, *rows = next(t for t in html_tables(page) if column in t[0])
    return [dict(zip(head, r)) for r in rows]


def _number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


@pytest.fixture(scope="module")
def pack():
    from helpers.reports import indicators as indicators_report

    return indicators_report.prepare(MUNICIPALITY, "politicians", PERIOD)


def test_flows_count_each_measure_per_10000_of_its_own_age_group_hand_worked():
    periods = pd.concat([PERIODS, PERIODS.assign(measure="eftervaern")], ignore_index=True)
    got = indicators.flows(
        periods, dt.date(2024, 7, 1), dt.date(2024, 9, 30), pd.Series({"m": 2_000.0, "eftervaern": 400.0})
    )
    got = got.set_index("measure")
    assert got.loc["m", "entries_per_10000"] == pytest.approx(10.0)  # 2 entries per 2.000
    assert got.loc["eftervaern", "entries_per_10000"] == pytest.approx(
        50.0
    )  # the same 2 entries per 400 18-22-year-olds


def test_eftervaern_is_counted_per_18_22_year_old_on_the_department_page(rendered, con):
    from helpers.reports.indicators import measure_age_groups
    from helpers.warehouse import marts

    assert measure_age_groups(marts.measures(), "children", ["eftervaern", "ukendt"]) | {} == {
        **{
            m: "0_17"
            for m in (
                "aflastning",
                "doegninstitution",
                "familiebehandling",
                "familiepleje",
                "kontaktperson",
                "opholdssted",
                "sikret_institution",
                "ukendt",
            )
        },
        "eftervaern": "18_22",
    }
    # the 18-22-year-olds of 2024, summed by hand from the single ages of the population mart's source
    young = con.execute(
        """select sum(inhabitants) from stg_dst__population where area_code = ? and period = '2024K1'
                           and sex in ('1', '2') and age between 18 and 22""",
        [MUNICIPALITY],
    ).fetchone()[0]
    children = con.execute(
        """select sum(inhabitants) from stg_dst__population where area_code = ? and period = '2024K1'
                              and sex in ('1', '2') and age between 0 and 17""",
        [MUNICIPALITY],
    ).fetchone()[0]
    row = next(
        r
        for r in _rows(_page(rendered, "department"), "Tilgang pr. 10.000 i aldersgruppen")
        if r["Delområde"].startswith("Efterværn")
    )
    assert row["Aldersgruppe"] == "18-22-årige"
    entries = int(row["Tilgang"])
    assert row["Tilgang pr. 10.000 i aldersgruppen"].rstrip(" *") == format_number(10_000 * entries / young, 1)
    assert format_number(10_000 * entries / young, 1) != format_number(
        10_000 * entries / children, 1
    )  # the old, wrong denominator


def test_politicians_pack_has_the_two_charts_with_protected_data_and_danish_csv(rendered):
    from conftest import page_charts, page_csvs

    page = _page(rendered, "politicians")
    titles = [json.dumps(c["spec"].get("title", ""), ensure_ascii=False) for c in page_charts(page)]
    assert any("Forventet regnskab mod budget pr. delområde" in t for t in titles)
    assert any("Modtagere pr. område over tid" in t for t in titles)
    for name, rows in page_csvs(page).items():
        assert not any("_" in str(c) for c in rows.columns), (name, list(rows.columns))
        if "Modtagere" in rows:
            values = pd.to_numeric(rows["Modtagere"], errors="coerce")
            assert not values.between(1, 4).any() and values.notna().sum() > 20
    for chart in page_charts(page):
        for values in chart["spec"]["datasets"].values():
            assert not any(isinstance(r.get("recipients"), (int, float)) and 1 <= r["recipients"] <= 4 for r in values)


def test_recipients_over_time_hides_small_counts_and_keeps_the_area(pack):
    from helpers.reports import indicators as indicators_report

    series = pack.recipients_series.copy()
    assert len(series) > 30 and not series["recipients"].between(1, 4).any()
    small = series.index[0]
    series.loc[small, "recipients"] = 3  # a municipality with 3 recipients in an area that month
    copy = indicators_report.Pack(**{k: getattr(pack, k) for k in pack.__dataclass_fields__})
    copy.__dict__["recipients_series"] = series
    figure = copy.recipients_figure()
    assert (
        pd.isna(figure.data.loc[small, "Modtagere"]) and figure.data.loc[small, "Område"] == series.loc[small, "area"]
    )
    assert figure.data["Modtagere"].drop(small).tolist() == series["recipients"].drop(small).tolist()
    assert any("færre end 5" in n and format_date(series.loc[small, "date"]) in n for n in figure.notes)
    spec = figure.chart.to_dict()
    assert spec["encoding"]["color"]["scale"]["domain"] == ["Børn og unge", "Voksne"]  # both areas stay in the legend
    assert not any(r["recipients"] == 3 for values in spec["datasets"].values() for r in values)


def _material(deviation: float, budget: float) -> bool:
    """Beyond the packs' materiality band, worked out here: 1 % of the budget or 100.000 kr., the larger."""
    return abs(deviation) > max(0.01 * abs(budget), 100_000)


def test_conclusions_give_the_computed_figures(rendered):
    """Against an independent computation: the budget summed from the mart, the expected result from the forecast engine's
    sub-area table, the recipients counted from the snapshot's case periods; an area within the materiality band holds
    its budget, and only material sub-areas are named."""
    from helpers.reports import expected_result
    from helpers.warehouse import marts

    page = _page(rendered, "politicians")
    said = " ".join(re.sub(r"<[^>]+>", "", li) for li in re.findall(r'<ul class="conclusions">(.*?)</ul>', page, re.S))
    subjects = {"children": "Børne- og ungeområdet", "adults": "Voksenområdet"}
    for area in ("children", "adults"):
        budget = marts.budget(MUNICIPALITY, area, 2024)["amount"].sum()
        table = expected_result.compute(MUNICIPALITY, area, END, 2024).table
        deviation = table["expected_result"].sum() - budget
        if not _material(deviation, budget):
            expected = (
                f"{subjects[area]} forventer at holde budgettet på {format_number(budget / 1e6, 1)} mio. kr.: afvigelsen "
                f"på {format_number(deviation)} kr. ({format_number(100 * deviation / budget, 1)} %) er inden for "
                "grænsen for på budget."
            )
            assert expected in said, (expected, said)
            continue
        word = "merforbrug" if deviation > 0 else "mindreforbrug"
        same_way = (
            table[
                (table["deviation"] * deviation > 0)
                & pd.Series([_material(d, b) for d, b in zip(table["deviation"], table["budget"])], table.index)
            ]
            .assign(size=lambda t: t["deviation"].abs())
            .nlargest(2, "size")
        )
        top = " og ".join(
            f"{r.label} ({format_number(abs(r.deviation) / 1e6, 1)} mio. kr.)" for r in same_way.itertuples()
        )
        expected = (
            f"{subjects[area]} forventer et {word} på {format_number(abs(deviation) / 1e6, 1)} mio. kr. "
            f"({format_number(abs(100 * deviation / budget), 1)} % af budgettet på {format_number(budget / 1e6, 1)} mio. kr.), "
            f"især på {top}."
        )
        assert expected in said, (expected, said)
        snap = max(s for s in marts.snapshots(MUNICIPALITY, area) if s <= END)
        p = marts.case_periods(MUNICIPALITY, area, snap)
        running = p[
            (p["start_date"] <= pd.Timestamp(END)) & (p["end_date"].isna() | (p["end_date"] >= pd.Timestamp(END)))
        ]
        n = len(running.drop_duplicates(["case_id", "measure"]))
        assert f"{subjects[area]} havde {format_number(n)} modtagere den 30.09.2024" in said
    # Svendborg's children: 154.790 kr. on 129,9 mio. kr. (0,1 %) holds the budget; the adults' 16,9 mio. kr. does not
    assert (
        "Børne- og ungeområdet forventer at holde budgettet" in said and "Voksenområdet forventer et merforbrug" in said
    )


def test_the_deviation_in_the_conclusions_is_the_budget_tables_in_both_packs(rendered):
    said = _page(rendered, "politicians")
    for audience in ("politicians", "finance"):
        for row in _rows(_page(rendered, audience), "Forventet regnskab, kr."):
            subject = {"Børn og unge": "Børne- og ungeområdet", "Voksne": "Voksenområdet"}[row["Område"]]
            deviation = _number(row["Afvigelse (+ = merforbrug), kr."])
            if row["Vurdering"] == "På budget":
                assert (
                    f"{subject} forventer at holde budgettet" in said
                    and f"{row['Afvigelse (+ = merforbrug), kr.']} kr." in said
                )
                continue
            assert row["Vurdering"] == ("Merforbrug" if deviation > 0 else "Mindreforbrug")
            assert (
                f"{subject} forventer et {'merforbrug' if deviation > 0 else 'mindreforbrug'} på {format_number(abs(deviation) / 1e6, 1)} mio. kr. "
                f"({row['Afvigelse, pct.'].lstrip('-')} %" in said
            ), audience
    assert "regnes som på budget" in said  # the band is stated on the page


def test_action_plan_lists_exactly_the_material_overruns_with_empty_fields(rendered):
    from helpers import labels
    from helpers.reports import expected_result

    want = {}
    for area in ("children", "adults"):
        table = expected_result.compute(MUNICIPALITY, area, END, 2024).table
        want |= {
            (labels.AREA_LABELS[area], r.label): r.deviation
            for r in table.itertuples()
            if r.deviation > 0 and _material(r.deviation, r.budget)
        }
    rows = _rows(_page(rendered, "politicians"), "Tiltag")
    assert {(r["Område"], r["Delområde"]) for r in rows} == set(want) and len(rows) == len(want) > 0
    for r in rows:  # whole kroner that add up: expected result and budget each within a krone, so their difference in 2
        assert abs(_number(r["Forventet merforbrug, kr."]) - want[(r["Område"], r["Delområde"])]) < 2
    assert ("Børn og unge", "Anbringelse på døgninstitution") not in want  # 7.439 kr. on 26,9 mio. kr.: på budget
    assert ("Voksne", "Længerevarende botilbud") in want  # 7,3 mio. kr.
    assert all(r["Tiltag"] == r["Ansvarlig"] == r["Forventet effekt, kr."] == "" for r in rows)
    assert "[tiltag]" not in _page(rendered, "politicians")


def test_finance_is_the_controllers_pack_and_politicians_get_no_wide_tables(rendered):
    finance, politicians = _page(rendered, "finance"), _page(rendered, "politicians")
    for column in ("Heraf mængde, kr.", "Heraf pris, kr.", "Forventet refusion, kr.", "Helårssager i prognosen"):
        assert _rows(finance, column) and column not in politicians
    accuracy = _rows(finance, "Prognose lavet ved udgangen af")  # the backtest by month-end, as the forecast report's
    assert len(accuracy) == 12 and all(
        re.fullmatch(r"-?\d+,\d", v) or (k.startswith("Sidste måneds prognose") and r is accuracy[0])
        for r in accuracy
        for k, v in r.items()
        if "pct." in k
    )  # no forecast a month before January's
    assert "80 %-interval" in finance and "Prognosen ramte" in finance
    headings = [set(re.findall(r"<h2[^>]*>(.*?)<", p)) for p in (finance, politicians)]
    assert headings[0] != headings[1] and "Prognosens træfsikkerhed" in headings[0] and "Konklusioner" in headings[1]
    assert max(len(t[0]) for t in html_tables(politicians)) <= 7


@pytest.mark.parametrize("audience", ["politicians", "finance", "department"])
def test_every_marker_on_a_page_is_explained_on_it(rendered, audience):
    page = _page(rendered, audience)
    cells = [c for t in html_tables(page) for r in t[1:] for c in r]
    explained = " ".join(re.sub(r"<[^>]+>", "", p) for p in re.findall(r'<p class="legend">(.*?)</p>', page, re.S))
    explained = explained.replace("&lt;", "<").replace("&gt;", ">")
    used = {"<5": "<5" in cells, "..": ".." in cells, "*": any(c.endswith(" *") for c in cells)}
    assert any(used.values())
    for marker, found in used.items():
        assert (f"{marker}: " in explained) == found, (marker, found)


def _truth(pack) -> dict[tuple, int]:
    """The true counts behind every pack table, keyed (concept, area, row), from the data (not the pages)."""
    from helpers import labels
    from helpers.analysis import progression
    from helpers.warehouse import marts

    truth: dict[tuple, int] = {}
    for r in pack.recipients_frame.itertuples():
        truth[("recipients", r.area, r.label)], truth[("recipients_before", r.area, r.label)] = (
            r.recipients,
            r.recipients_before,
        )
    for r in pack.flows_frame.itertuples():
        for c in ("entries", "exits", "reentries", "entries_before", "exits_before"):
            truth[(c, r.area, r.label)] = getattr(r, c)
        truth[("first_entries", r.area, r.label)] = r.entries - r.reentries
    for area, f in pack.figures.items():
        name = labels.AREA_LABELS[area]
        for r in indicators.providers(f["periods"], f["end"]).itertuples():
            truth[("own", name, pack._label(r.measure))] = getattr(r, "own", 0)
            truth[("other", name, pack._label(r.measure))] = getattr(r, "other", 0)
        running = indicators.recipients(f["periods"], f["end"])
        for worker, n in running["caseworker"].fillna("ukendt").value_counts().items():
            truth[("cases", name, worker)] = n
        if area == "children":
            for r in indicators.over_15(f["periods"], f["end"]).itertuples():
                truth[("over_15", name, pack._label(r.measure))] = r.over_15
                truth[("under_15", name, pack._label(r.measure))] = r.recipients - r.over_15
    follow = indicators.followed_up_on_time(progression.select(marts.progression_registrations(), pack.municipality))
    for r in follow.itertuples():
        service = {"sel_85": "SEL § 85", "sel_107": "SEL § 107"}[r.service]
        truth[("follow_ups", "", service)], truth[("on_time", "", service)] = r.follow_ups, r.on_time
        truth[("late", "", service)] = r.follow_ups - r.on_time
    return truth


CONCEPTS = {
    "Modtagere nu": "recipients",
    "Modtagere": "recipients",
    "Modtagere for et år siden": "recipients_before",
    "Tilgang": "entries",
    "Afgang": "exits",
    "Genindskrivninger": "reentries",
    "Tilgang sidste år": "entries_before",
    "Tilgang samme periode sidste år": "entries_before",
    "Afgang sidste år": "exits_before",
    "Afgang samme periode sidste år": "exits_before",
    "Heraf 15 år og derover": "over_15",
    "Egne tilbud": "own",
    "Andre leverandører": "other",
    "Sager": "cases",
    "Opfølgninger": "follow_ups",
    "Inden for 12 måneder": "on_time",
}


def _shown(pages: list[str]) -> tuple[dict[tuple, float], dict[tuple, float]]:
    """Every count a reader can read on the pages (union over the pages), and the shares and rates shown."""
    known, ratios = {}, {}
    for page in pages:
        for head, *rows in html_tables(page):
            for row in rows:
                cells = dict(zip(head, row))
                area = cells.get("Område", "Børn og unge" if "Heraf 15 år og derover" in cells else "")
                key = cells.get("Delområde") or cells.get("Sagsbehandler (pseudonym)") or cells.get("Ydelse")
                for column, concept in CONCEPTS.items():
                    if column in cells and re.fullmatch(r"\d{1,3}(\.\d{3})*", cells[column]) and key:
                        known[(concept, area, key)] = _number(cells[column])
                for column, concept in (
                    ("Andel til tiden, pct.", "share"),
                    ("Tilgang pr. 10.000 i aldersgruppen", "entries_rate"),
                ):
                    if column in cells and re.fullmatch(r"\d{1,3}(\.\d{3})*(,\d+)?( \*)?", cells[column]):
                        ratios[(concept, area, key)] = _number(cells[column].rstrip(" *"))
    return known, ratios


def recovered(
    truth: dict[tuple, int], known: dict[tuple, float], ratios: dict[tuple, float], population: dict[tuple, float]
) -> dict[tuple, float]:
    """What a reader can work out: shown counts, then repeatedly every cell that is the only unknown of a relation a
    reader knows (an area's column adds up to its total, which the pack shows; own + other = recipients; a part and the
    rest add up to the whole), and n x a shown share, a shown rate x the age group's population."""
    known = dict(known)
    relations = []  # (total: key or number, parts: keys)
    columns: dict[tuple, list] = {}
    for key in truth:
        columns.setdefault((key[0], key[1]), []).append(key)
    for (concept, _), keys in columns.items():
        if concept in (
            "recipients",
            "recipients_before",
            "entries",
            "exits",
            "entries_before",
            "exits_before",
            "own",
            "other",
            "cases",
        ):
            relations.append((sum(truth[k] for k in keys), keys))
    for concept, area, row in truth:
        whole = {"own": "recipients", "over_15": "recipients", "reentries": "entries", "on_time": "follow_ups"}.get(
            concept
        )
        rest = {"own": "other", "over_15": "under_15", "reentries": "first_entries", "on_time": "late"}.get(concept)
        if whole and (whole, area, row) in truth and (rest, area, row) in truth:
            relations.append(((whole, area, row), [(concept, area, row), (rest, area, row)]))
    changed = True
    while changed:
        changed = False
        for (concept, area, row), value in ratios.items():
            target = {"share": ("on_time", "follow_ups"), "entries_rate": ("entries", None)}[concept]
            n = known.get((target[1], area, row)) if target[1] else population.get((area, row))
            if n is not None and (target[0], area, row) not in known:
                known[(target[0], area, row)] = round(value * n / (100 if concept == "share" else 10_000))
                changed = True
        for total, parts in relations:
            whole = total if isinstance(total, (int, float)) else known.get(total)
            unknown = [p for p in parts if p not in known]
            if whole is not None and len(unknown) == 1:
                known[unknown[0]] = whole - sum(known[p] for p in parts if p in known)
                changed = True
            elif not isinstance(total, (int, float)) and total not in known and not unknown:
                known[total] = sum(known[p] for p in parts)
                changed = True
    return known


def test_the_recovery_check_finds_a_leak_hand_worked():
    truth = {("recipients", "A", "x"): 3, ("recipients", "A", "y"): 40, ("own", "A", "y"): 38, ("other", "A", "y"): 2}
    # the column total (43) is known: showing y's 40 gives x's 3 back; showing y's own 38 gives its other 2
    got = recovered(truth, {("recipients", "A", "y"): 40, ("own", "A", "y"): 38}, {}, {})
    assert got[("recipients", "A", "x")] == 3 and got[("other", "A", "y")] == 2
    two = {("recipients", "A", "x"): 3, ("recipients", "A", "z"): 4, ("recipients", "A", "y"): 40}
    assert ("recipients", "A", "x") not in recovered(
        two, {("recipients", "A", "y"): 40}, {}, {}
    )  # 7 = x + z: two unknowns
    share = recovered(
        {("on_time", "", "s"): 16, ("follow_ups", "", "s"): 18, ("late", "", "s"): 2},
        {("follow_ups", "", "s"): 18},
        {("share", "", "s"): 88.9},
        {},
    )
    assert share[("late", "", "s")] == 2  # 18 follow-ups at 88,9 % gives 16 on time and 2 late


@pytest.mark.parametrize("municipality", ["219", "479", "813"])
def test_no_count_under_5_can_be_worked_out_from_any_municipalitys_packs(every_report, municipality):
    """Every municipality's three packs read together (as the batch renders them), and their full-year cases read with
    the forecast reports beside them (test_disclosure_attack.derived_full_year_cases)."""
    from helpers import labels
    from helpers.reports import indicators as indicators_report
    from helpers.warehouse import marts
    from test_disclosure_attack import derived_full_year_cases, full_year_knowledge

    root, results = every_report
    pack = indicators_report.prepare(municipality, "politicians", PERIOD)
    pages = {
        r.params["audience"]: (root / r.path).read_text(encoding="utf-8")
        for r in results
        if r.report == "indicators" and r.params["municipality"] == municipality
    }
    truth = _truth(pack)
    assert any(1 <= v <= 4 for v in truth.values())  # the sample has small counts, so the check has something to find
    known, ratios = _shown([pages[a] for a in ("politicians", "finance", "department")])
    assert len(known) > 100
    for key, value in known.items():  # what is shown is the truth
        assert truth[key] == value, key
    population = {
        (labels.AREA_LABELS[area], pack._label(m)): marts.inhabitants(municipality, group, END.year)
        for area, f in pack.figures.items()
        for m, group in f["age_groups"].items()
    }
    got = recovered(truth, known, ratios, population)
    leaks = {k: v for k, v in got.items() if 1 <= truth.get(k, 0) <= 4 and round(v) == truth[k]}
    assert not leaks, leaks
    facts = full_year_knowledge(root, [r for r in results if r.params.get("municipality") == municipality])
    for area, f in pack.figures.items():
        er = f["expected_result"]
        hidden = er.deviation_shown.set_index("label")["cases_hidden"]
        for label, n in er.deviation_parts().set_index("label")["full_year_cases"].items():
            found = derived_full_year_cases(facts.get((municipality, labels.AREA_LABELS[area], label), {}))
            assert not (hidden[label] and any(abs(v - n) < 0.05 for v, _ in found)), (area, label, n, found)


def test_workbooks_hold_the_protected_cells_of_the_pages(rendered):
    from openpyxl import load_workbook

    for audience in ("politicians", "finance", "department"):
        book = load_workbook(rendered / f"{audience}.xlsx")
        marked = [
            v for ws in book.worksheets[1:] for row in ws.iter_rows(values_only=True) for v in row if v in ("<5", "..")
        ]
        page = [c for t in html_tables(_page(rendered, audience)) for r in t[1:] for c in r if c in ("<5", "..")]
        assert sorted(marked) == sorted(page) and page, audience
        for ws in book.worksheets[1:]:
            head = [c.value for c in ws[1]]
            for j, name in enumerate(head):
                if name in CONCEPTS:
                    assert not any(
                        isinstance(r[j], (int, float)) and 1 <= r[j] <= 4
                        for r in ws.iter_rows(min_row=2, values_only=True)
                    ), (ws.title, name)


# -- issue 23: rows that add up, the department pack a reader can use --------------------------------------------------


def test_finance_deviation_rows_add_up_to_the_kroner_they_split(rendered):
    """Budget + deviation = expected result, and quantity + price + pool = deviation, in the whole kroner shown (before,
    Aflastningsophold showed 53.022 + 34.639 + 185.600 = 273.261 against a deviation of 273.260)."""
    rows = _rows(_page(rendered, "finance"), "Heraf mængde, kr.")
    for r in rows:
        deviation = _number(r["Afvigelse (+ = merforbrug), kr."])
        assert _number(r["Forventet regnskab, kr."]) - _number(r["Budget, kr."]) == deviation, r["Delområde"]
        cases = _number(r["Heraf mængde og pris i alt, kr."])  # the split's sum, shown also where the split is hidden
        if r["Heraf mængde, kr."] or r["Heraf pris, kr."]:
            assert _number(r["Heraf mængde, kr."]) + _number(r["Heraf pris, kr."]) == cases, r["Delområde"]
        assert cases + _number(r["Heraf pulje, kr."]) == deviation, r["Delområde"]
    budget = {r["Område"]: r for r in _rows(_page(rendered, "finance"), "Vurdering")}
    for area, total in budget.items():  # the sub-areas add up to the area's figures in "Holder budgettet?"
        mine = [r for r in rows if r["Område"] == area]
        for column in ("Forventet regnskab, kr.", "Budget, kr.", "Afvigelse (+ = merforbrug), kr."):
            assert sum(_number(r[column]) for r in mine) == _number(total[column]), (area, column)


def test_department_follow_up_says_its_data_period_and_is_not_all_hidden(rendered):
    from helpers.warehouse import marts

    page = _page(rendered, "department")
    registrations = marts.progression_registrations()
    own = pd.to_datetime(registrations.loc[registrations["municipality_code"] == MUNICIPALITY, "registration_date"])
    period = f"fra {format_date(own.min().date())} til {format_date(own.max().date())}"
    assert f"Tallene bygger på alle kommunens progressionsregistreringer, {period}" in page
    assert own.max().date() < dt.date(2024, 7, 1) and "der er ingen registreringer i perioden" in page
    rows = _rows(page, "Andel til tiden, pct.")
    for r in rows:  # each row tells something: a share, or its lower bound where the late ones are under 5
        share = r["Andel til tiden, pct."]
        assert share and (re.fullmatch(r"[\d.,]+( \*)?", share) or share.startswith("mindst ")), r
        if share.startswith("mindst "):
            n = _number(r["Opfølgninger"])
            assert r["Senere end 12 måneder"] == "<5" and _number(share.removeprefix("mindst ")) == round(
                100 * (n - 4) / n, 1
            )


def test_children_over_15_leave_out_aftercare_and_say_so(rendered):
    page = _page(rendered, "department")
    rows = _rows(page, "Heraf 15 år og derover")
    assert rows and not any("Efterværn" in r["Delområde"] for r in rows)
    assert "Efterværn er ikke med" in page


def test_caseworkers_cost_is_defined_and_reconciled_with_the_expected_result(rendered):
    page = _page(rendered, "department")
    assert "bogført til opgørelsesdagen, beregnet resten af året" in page and "nøgle" in page
    names = _rows(page, "Sagsbehandler (pseudonym)")
    assert all(re.fullmatch(r"SB-[0-9a-f]{6}|ukendt", r["Sagsbehandler (pseudonym)"]) for r in names)
    budget = {r["Område"]: r["Forventet regnskab, kr."] for r in _rows(page, "Vurdering")}
    for r in _rows(page, "Årets øvrige sager, kr."):
        parts = [c for c in r if c.startswith(("Igangværende sager", "Årets øvrige", "Forventede", "Pulje"))]
        assert len(parts) == 4 and r["Forventet regnskab, kr."] == budget[r["Område"]]
        shown = [_number(r[c]) for c in parts if r[c]]
        assert sum(shown) == _number(r["Forventet regnskab, kr."])  # the parts add up to "Holder budgettet?"
        running = [n["Udgift i år til sagerne, kr."] for n in names if n["Område"] == r["Område"]]
        if all(running) and r[parts[0]]:  # no cost hidden: the table's column adds up to the running cases' kroner
            assert abs(sum(map(_number, running)) - _number(r[parts[0]])) <= len(running)


def test_caseworker_key_maps_each_caseworker_to_the_pseudonym_the_pack_shows(tmp_path):
    """The department's own key (python -m helpers caseworker-key): the extract's initials beside the keyed pseudonym the
    ingestion gives them, so the pack's table can be read by who holds the extract; the reports keep the pseudonyms."""

    from helpers.intake.extracts import caseworker_key
    from helpers.intake.ingest import ingest

    extract = (
        Path(__file__).parent / "data" / "real_format" / "sensum_adults.xlsx"
    )  # PrimærAnsvarlig: the caseworker, as Sensum names it
    key = b"k" * 32
    got = caseworker_key(extract, key)
    accepted = ingest("cases", extract, key).accepted
    assert set(got["pseudonym"]) == set(accepted["caseworker"].dropna()) and len(got) > 0
    for r in got.itertuples():
        assert r.pseudonym == pseudonymise_caseworker(r.in_extract, key) and r.in_extract not in r.pseudonym
    assert got["lines"].sum() == accepted["caseworker"].notna().sum()
    out = tmp_path / "noegle.csv"
    done = helpers_cli("caseworker-key", str(extract), "--out", str(out), check=True)
    assert "keep it inside the administration" in done.stdout
    assert out.read_text(encoding="utf-8-sig").splitlines()[0] == "sagsbehandler;pseudonym;sagslinjer"
