"""The forecast engine on the worked examples of docs/forecast.md, property tests, the CLI, and the report."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import assert_charts_drew, readable_text

from helpers import paths
from helpers.render import batch as reports
from helpers.analysis import forecast


def _period(case="A", measure="m", rate=31_000.0, unit="month", start="2024-01-01", end=None, status="current", probability=None):
    return {"case_id": case, "measure": measure, "rate": rate, "rate_unit": unit, "start_date": start, "end_date": end,
            "status": status, "probability": probability}


def _run(rows, year=2024, **kw) -> forecast.Forecast:
    return forecast.forecast(pd.DataFrame(rows), year, **kw)


def _months(fc: forecast.Forecast) -> dict[str, float]:
    return {k: round(v, 6) for k, v in fc.by_month().items() if v}


def test_day_rate_counts_the_days_in_each_month():
    fc = _run([_period(rate=100, unit="day", start="2024-02-15", end="2024-03-10")])
    assert _months(fc) == {"2024-02": 1500.0, "2024-03": 1000.0}


def test_month_rate_whole_and_partial_months():
    fc = _run([_period(start="2023-01-16")], year=2023)
    months = fc.by_month()
    assert months["2023-01"] == pytest.approx(16 / 31 * 31_000) and months["2023-02"] == 31_000 and fc.current_total == pytest.approx(16_000 + 11 * 31_000)


@pytest.mark.parametrize(("year", "expected"), [(2024, 14 / 29 * 29_000), (2023, 13 / 28 * 29_000)])
def test_leap_year_february(year, expected):
    fc = _run([_period(rate=29_000, start=f"{year}-02-16", end=f"{year}-02-{29 if year == 2024 else 28}")], year=year)
    assert fc.by_month()[f"{year}-02"] == pytest.approx(expected)


@pytest.mark.parametrize("end", [None, "9999-12-31", pd.NaT])
def test_open_ended_runs_through_the_year_and_the_shadow_years(end):
    fc = _run([_period(end=end)])
    row = fc.cases.iloc[0]
    assert row["year_total"] == pytest.approx(372_000) and row["next_year_total"] == pytest.approx(372_000)
    assert row["shadow_3_total"] == pytest.approx(372_000) and "shadow_4_total" not in fc.cases


def test_cross_year_period_counts_only_the_years_own_days():
    rows = [_period(rate=3_100, start="2023-12-01", end="2024-01-31")]
    assert _run(rows).current_total == pytest.approx(3_100) and _run(rows, year=2023).current_total == pytest.approx(3_100)
    assert _run(rows, year=2023).cases.iloc[0]["next_year_total"] == pytest.approx(3_100)


def test_expected_cases_count_with_their_probability_and_the_pool_is_separate():
    fc = _run([_period(rate=29_000, start="2024-02-16", end="2024-02-29", status="expected", probability=0.5),
               _period(case="B", rate=1_000, start="2024-01-01", end="2024-01-31", status="expected")], pool=5_000)
    assert fc.expected_total == pytest.approx(7_000 + 1_000) and fc.current_total == 0
    assert fc.forecast_total == pytest.approx(13_000) and sum(fc.by_month()) == pytest.approx(8_000)
    assert fc.as_json()["pool"] == 5_000


def test_actuals_replace_computed_months_to_date_only():
    actuals = pd.DataFrame([{"case_id": "A", "measure": "m", "month": "2024-01", "amount": 30_000.0},
                            {"case_id": "A", "measure": "m", "month": "2024-05", "amount": 1.0},  # after the as-of date: ignored
                            {"case_id": "Z", "measure": "x", "month": "2024-02", "amount": 500.0}])  # not in the extract: added
    fc = _run([_period()], as_of=dt.date(2024, 2, 29), actuals=actuals)
    a = fc.cases.set_index("case_id").loc["A"]
    assert (a["to_date"], a["rest_of_year"], a["year_total"]) == pytest.approx((61_000, 310_000, 371_000))
    assert fc.cases.set_index("case_id").loc["Z", "year_total"] == 500 and fc.current_total == pytest.approx(371_500)


def test_as_of_mid_month_puts_that_month_in_the_rest_of_the_year():
    fc = _run([_period()], as_of=dt.date(2024, 5, 15))
    assert fc.cases.iloc[0]["to_date"] == pytest.approx(4 * 31_000)


def test_overlapping_periods_are_reported():
    fc = _run([_period(end="2024-06-30"), _period(rate=35_000, start="2024-06-01")])
    assert fc.overlaps == [{"case_id": "A", "measure": "m", "start_date": "2024-06-01"}]
    assert _run([_period(end="2024-05-31"), _period(rate=35_000, start="2024-06-01")]).overlaps == []


def test_diff_reasons_and_items_add_up_exactly():
    before = [_period(), _period(case="B", rate=100, unit="day", start="2024-02-15", end="2024-03-10"),
              _period(case="C", rate=29_000, start="2024-02-16", end="2024-02-29", status="expected", probability=0.5),
              _period(case="E", start="2024-03-01", end="2024-10-31"), _period(case="F", start="2024-02-01"),
              _period(case="G", start="2024-01-01", end="2024-03-31")]
    after = [_period(end="2024-06-30"), _period(case="B", rate=110, unit="day", start="2024-02-15", end="2024-03-10"),
             _period(case="C", rate=29_000, start="2024-02-16", end="2024-02-29", status="expected", probability=1.0),
             _period(case="D", rate=10, unit="day", start="2024-12-01"), _period(case="E", start="2024-03-01", end="2024-08-31"),
             _period(case="F", start="2024-04-01"), _period(case="G", rate=40_000, start="2024-01-01", end="2024-04-30")]
    got = forecast.diff(pd.DataFrame(before), pd.DataFrame(after), 2024)
    reasons = {i["case_id"]: i["reason"] for i in got["items"]}
    assert reasons == {"A": "ended", "B": "rate changed", "C": "status or probability changed", "D": "new case",
                       "E": "end date moved", "F": "start moved", "G": "several"}
    assert {i["case_id"]: i["change"] for i in got["items"]}["D"] == 310.0
    assert round(sum(i["change"] for i in got["items"]) * 100) == round(got["change"] * 100)
    assert round((got["after_total"] - got["before_total"]) * 100) == round(got["change"] * 100)


def _reason_case_by_case(before: pd.DataFrame, after: pd.DataFrame) -> str:
    """The reason rules applied to one case's periods, row by row (the reference for the vectorised reasons)."""
    if before.empty:
        return "new case"
    if after.empty:
        return "ended"
    b_open, a_open = before["end_date"].isna().any(), after["end_date"].isna().any()
    b_end, a_end = pd.to_datetime(before["end_date"]).max(), pd.to_datetime(after["end_date"]).max()
    found = []
    if b_open and not a_open:
        found.append("ended")
    elif not (b_open and a_open) and (b_open != a_open or b_end != a_end):
        found.append("end date moved")
    if pd.to_datetime(before["start_date"]).min() != pd.to_datetime(after["start_date"]).min():
        found.append("start moved")
    if sorted(zip(before["rate"], before["rate_unit"])) != sorted(zip(after["rate"], after["rate_unit"])):
        found.append("rate changed")
    weights = [sorted(zip(f["status"], pd.to_numeric(f["probability"]).fillna(1.0))) for f in (before, after)]
    if weights[0] != weights[1]:
        found.append("status or probability changed")
    return found[0] if len(found) == 1 else "several"


def test_diff_at_scale_equals_the_case_by_case_rules_and_the_forecasts_totals():
    from helpers.bench import month_later, synthetic_periods

    before = synthetic_periods(3_000, seed=5)
    after = month_later(before, seed=6)
    got = forecast.diff(before, after, 2024)
    assert len(got["items"]) > 100 and {i["reason"] for i in got["items"]} == set(forecast.REASONS)
    for item in got["items"]:
        pick = [f[(f["case_id"] == item["case_id"]) & (f["measure"] == item["measure"])] for f in (before, after)]
        assert item["reason"] == _reason_case_by_case(*pick), item
    for frame, key in ((before, "before_total"), (after, "after_total")):  # the same totals as the forecast, to the øre
        cases = forecast.forecast(frame, 2024).cases
        assert got[key] == int((cases["year_total"] * 100).round().astype("int64").sum()) / 100
    keys = [(i["case_id"], i["measure"]) for i in got["items"]]
    assert keys == sorted(keys) and round(sum(i["change"] for i in got["items"]) * 100) == round(got["change"] * 100)


def test_budget_deviation_worked_example_adds_up():
    # 12 full-year cases at 110.000 kr. against 10 budgeted at 100.000 kr.
    rows = [_period(case=f"c{i}", rate=110_000 / 12) for i in range(12)]
    fc = _run(rows)
    dev = forecast.budget_deviation(fc, pd.DataFrame({"measure": ["m"], "amount": [1_000_000.0], "cases": [10.0]})).iloc[0]
    assert dev["full_year_cases"] == pytest.approx(12) and dev["deviation"] == pytest.approx(320_000)
    assert dev["quantity_effect"] == pytest.approx(200_000) and dev["price_effect"] == pytest.approx(120_000)


def test_transitions_become_expected_adult_cases_and_65_ends_periods():
    t = pd.DataFrame({"case_id": ["Y1", "Y2"], "expected_measure": ["sel_107", None], "probability": [0.5, 1.0],
                      "annual_cost_kr": [120_000.0, 0.0], "expected_transition_date": ["2024-07-01", "2024-01-01"]})
    cases = forecast.transitions_as_cases(t)
    assert cases["case_id"].tolist() == ["Y1"]
    assert forecast.forecast(cases, 2024).expected_total == pytest.approx(6 * 10_000 * 0.5)
    periods = pd.DataFrame([_period(start="2020-01-01")])
    ended = forecast.end_at_65(periods, pd.Series([pd.Timestamp("1959-07-15")]))
    assert pd.Timestamp(ended["end_date"].iloc[0]) == pd.Timestamp("2024-07-14")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 800), st.integers(0, 500), st.floats(1, 50_000), st.sampled_from(["day", "month"]),
                          st.sampled_from(["current", "expected"]), st.floats(0, 1)), min_size=1, max_size=25))
def test_the_twelve_months_add_up_to_the_year_and_diff_items_to_the_change(rows):
    base = dt.date(2023, 6, 1)
    periods = pd.DataFrame([_period(case=f"c{i}", rate=r, unit=u, start=(base + dt.timedelta(days=s)).isoformat(),
                                    end=(base + dt.timedelta(days=s + d)).isoformat(), status=st_, probability=p)
                            for i, (s, d, r, u, st_, p) in enumerate(rows)])
    fc = forecast.forecast(periods, 2024)
    assert sum(fc.by_month()) == pytest.approx(fc.current_total + fc.expected_total)
    assert fc.cases["year_total"].sum() == pytest.approx(fc.current_total + fc.expected_total)
    changed = periods.assign(rate=periods["rate"] * 1.1).iloc[: max(1, len(periods) // 2)]
    got = forecast.diff(periods, changed, 2024)
    assert round(sum(i["change"] for i in got["items"]) * 100) == round(got["change"] * 100)


def test_cli_forecast_and_diff_on_the_sample(warehouse_path):
    folder = paths.sample_dir() / "cases" / "479_svendborg"
    out = subprocess.run([sys.executable, "-m", "helpers", "forecast", "--cases", str(folder / "cases_2024-09-30.csv"), "--year", "2024",
                          "--as-of", "2024-09-30", "--actuals", str(folder / "actuals.csv"), "--pool", "1000000", "--json"],
                         capture_output=True, text=True, timeout=180, check=True)
    got = json.loads(out.stdout)
    assert len(got["months"]) == 12 and got["pool"] == 1_000_000
    assert got["forecast_total"] == pytest.approx(got["current_total"] + got["expected_total"] + got["pool"], abs=0.02)
    assert sum(got["months"].values()) == pytest.approx(got["current_total"] + got["expected_total"], abs=1)
    assert "4 quarantined" in out.stderr  # the planted bad rows never reach the engine
    assert not re.search(r"\d{6}-\d{4}", out.stdout)  # pseudonyms only
    diff = subprocess.run([sys.executable, "-m", "helpers", "forecast-diff", "--before", str(folder / "cases_2024-08-31.csv"),
                           "--after", str(folder / "cases_2024-09-30.csv"), "--year", "2024", "--json"],
                          capture_output=True, text=True, timeout=180, check=True)
    d = json.loads(diff.stdout)
    assert d["items"] and round(sum(i["change"] for i in d["items"]) * 100) == round(d["change"] * 100)
    assert set(i["reason"] for i in d["items"]) <= set(forecast.REASONS)


@pytest.fixture(scope="module")
def rendered(warehouse_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("forecast")
    results = reports.render_all(only=["forecast"], overrides={"municipality": "479", "area": "adults"}, out_dir=out, workers=1, progress=False)
    assert [r.error for r in results] == [None]
    return results[0].path


def test_forecast_report_sections_and_no_cpr(rendered):
    page = rendered.read_text(encoding="utf-8")
    assert rendered.name == "svendborg-voksne.html" and "as_of = 2024-09-30" in page
    for heading in ("Forventet regnskab mod budget", "Ændring siden sidste måned", "Skyggebudgetter", "Prognosens træfsikkerhed"):
        assert heading in page
    assert re.search(r"prognosen er (forværret|forbedret) med [\d.]+ kr\.", page)
    body = readable_text(page)  # without the packed Vega bundle, chart data unpacked
    assert not re.search(r"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}-?\d{4}(?![0-9A-Za-z])", body)
    assert re.search(r"P[0-9a-f]{16}", page)  # itemised with pseudonyms


@pytest.mark.browser
def test_forecast_charts_draw_offline(rendered, chromium):
    assert_charts_drew(chromium, rendered, 3)


def test_vectorised_engine_equals_the_row_by_row_baseline():
    from helpers.bench import rowwise_forecast, synthetic_periods

    periods = synthetic_periods(400, seed=7)
    fc = forecast.forecast(periods, 2024)
    assert fc.overlaps == []  # consecutive periods per case
    got = (fc.cases["year_total"] + fc.cases["next_year_total"]).to_numpy()
    want = rowwise_forecast(periods, 2024)
    assert got == pytest.approx([want[(c, m)] for c, m in zip(fc.cases["case_id"], fc.cases["measure"])], rel=1e-9)


def test_accuracy_converges_to_the_booked_result_and_a_pool_is_suggested(warehouse_path):
    from helpers.reports import forecast as forecast_report

    acc = forecast_report.accuracy("479", "adults", 2023)
    assert len(acc) == 12 and acc["booked"].nunique() == 1
    assert abs(acc["deviation_pct"].iloc[-1]) < 0.5 < abs(acc["deviation_pct"].iloc[0])  # December knows (almost) all bookings
    report = forecast_report.prepare("479", "adults", 2024, "2024-09-30")
    assert report.snapshot == dt.date(2024, 9, 30) and report.previous == dt.date(2024, 8, 31)
    assert report.result.pool == pytest.approx(report.pool_by_measure.sum()) and len(report.pool_by_measure) >= 5
    assert report.result.as_json()["forecast_total"] == pytest.approx(report.result.forecast_total, abs=0.01)
