"""Key-figure packs: hand-worked spells, flows, recipients, refunds and periods; the rendered packs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from helpers.render import batch as reports
from helpers.analysis import flows as indicators
from helpers.intake.privacy import pseudonymise_caseworker
from helpers.render.workbook import html_tables


def _p(case, start, end=None, measure="m", provider="own_municipality", born="2008-01-01"):
    return {"case_id": case, "measure": measure, "start_date": start, "end_date": end, "provider_type": provider, "birth_date": born}


PERIODS = pd.DataFrame([
    _p("A", "2023-01-01", "2023-06-30"), _p("A", "2023-07-01", None),  # a rate change: one spell, running
    _p("B", "2023-02-01", "2023-03-31"), _p("B", "2024-08-01", "2024-09-10"),  # re-entry in Q3 2024, ended in Q3
    _p("C", "2024-07-15", None, provider="private", born="2012-06-01"),  # entry in Q3 2024
    _p("D", "2020-01-01", "2024-08-31"),  # exit in Q3 2024 after 1.705 days
])


def test_periods_parse_months_and_quarters():
    assert indicators.period_end("2024-Q3") == dt.date(2024, 9, 30) and indicators.period_start("2024-Q3") == dt.date(2024, 7, 1)
    assert indicators.period_end("2024-02") == dt.date(2024, 2, 29) and indicators.period_start("2024-02") == dt.date(2024, 2, 1)


def test_spells_merge_periods_without_gaps():
    s = indicators.spells(PERIODS).set_index(["case_id", "spell_no"])
    assert len(s.loc["A"]) == 1 and pd.isna(s.loc[("A", 1), "end"])
    assert len(s.loc["B"]) == 2 and s.loc[("B", 2), "start"] == pd.Timestamp("2024-08-01")


def test_flows_hand_worked_per_10000():
    got = indicators.flows(PERIODS, dt.date(2024, 7, 1), dt.date(2024, 9, 30), pd.Series({"m": 2_000.0})).iloc[0]
    assert (got["entries"], got["exits"], got["reentries"]) == (2, 2, 1)  # C and B's second spell; B and D; B
    assert got["entries_per_10000"] == pytest.approx(10.0) and got["reentries_per_10000"] == pytest.approx(5.0)
    assert got["median_days"] == pytest.approx((41 + 1705) / 2)  # B: 01.08-10.09 = 41 days; D: 01.01.2020-31.08.2024 = 1.705 days


def test_recipients_over_15_providers_and_stay_on_a_day():
    day = dt.date(2024, 9, 30)
    assert sorted(indicators.recipients(PERIODS, day)["case_id"]) == ["A", "C"]
    over = indicators.over_15(PERIODS, day).iloc[0]
    assert (over["recipients"], over["over_15"]) == (2, 1)  # A born 2008 is 16; C born 2012 is 12
    prov = indicators.providers(PERIODS, day).iloc[0]
    assert (prov["own"], prov["other"]) == (1, 1)
    stay = indicators.length_of_stay(PERIODS, day).iloc[0]
    assert stay["median_days"] == pytest.approx(((pd.Timestamp(day) - pd.Timestamp("2023-01-01")).days + 1 + 78) / 2)  # A and C (78 days)


def test_refunds_hand_worked():
    got = indicators.refunds(pd.Series([500_000.0, 1_400_000.0, 2_600_000.0]), 1_000_000, 2_000_000)
    assert got.tolist() == [0.0, 100_000.0, 0.25 * 1_000_000 + 0.5 * 600_000]


def test_caseworker_pseudonyms_are_keyed_and_hide_initials():
    a = pseudonymise_caseworker("CT83", b"k" * 32)
    assert a.startswith("SB-") and "CT83" not in a and a == pseudonymise_caseworker("CT83", b"k" * 32)
    assert a != pseudonymise_caseworker("CT83", b"x" * 32)


@pytest.fixture(scope="module")
def rendered(warehouse_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("indicators")
    results = reports.render_all(only=["indicators"], overrides={"municipality": "479"}, out_dir=out, workers=2, progress=False)
    assert [r.error for r in results] == [None, None, None]
    return out / "indicators" / "svendborg"


@pytest.mark.parametrize(("audience", "sections"), [
    ("politicians", ["Holder budgettet?", "Modtagere og gennemsnitspriser", "Tilgang og afgang", "Handleplan"]),
    ("finance", ["Afvigelse: mængde og pris", "Refusion for særligt dyre enkeltsager"]),
    ("department", ["Unge over 15 år", "Dyre sager", "Leverandører og forløbets længde", "Opfølgning til tiden", "Sagsbehandlere"]),
])
def test_each_audience_gets_its_sections_and_a_workbook(rendered, audience, sections):
    page = (rendered / f"{audience}.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav class="toc">(.*?)</nav>', page, re.S).group(1)
    for section in sections:
        assert section in toc
    assert (rendered / f"{audience}.xlsx").exists()
    assert not re.search(r"\bCT\d\d\b", page)  # caseworker initials never shown
    for cells in re.findall(r"<tr>(.*?)</tr>", "".join(re.findall(r"<tbody>.*?</tbody>", page, re.S)), re.S):
        values = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        assert not any(re.fullmatch(r"[1-4]", v) for v in values), values


@pytest.mark.parametrize("audience", ["politicians", "department"])
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
    regs = pd.DataFrame({"case_id": ["A", "A", "A", "B", "B"], "registration_no": [1, 2, 3, 1, 2], "service": "sel_85",
                         "registration_date": pd.to_datetime(["2017-01-10", "2018-01-31", "2019-03-01", "2017-05-01", "2018-04-30"])})
    got = indicators.followed_up_on_time(regs).iloc[0]
    assert (got["follow_ups"], got["on_time"]) == (3, 2)  # 12, 14 and 11 calendar months
