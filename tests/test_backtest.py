"""Issue 22, point 5: the interval and the backtest, hand-worked (docs/forecast.md, "Interval and backtest"), then on the
sample as the CLI, the forecast report and the finance pack show them (one computation)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import helpers_cli
from helpers.analysis import backtest


def test_the_interval_is_the_10_and_90_per_cent_quantiles_of_the_errors_from_9_on():
    errors = pd.Series([-0.05, -0.04, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03, 0.08])
    found = backtest.interval(errors)
    # numpy's linear quantiles of 9 values: at 10 % 0,8 of the way from the 1st to the 2nd, at 90 % from the 8th to the 9th
    assert (found.method, found.n) == ("empirical", 9)
    assert found.low == pytest.approx(-0.05 + 0.8 * 0.01) and found.high == pytest.approx(0.03 + 0.2 * 0.05)
    low, high = found.bounds(100_000_000)
    # a forecast of 100 mio. kr. erring as before: the final result 100 / (1 + 4 %) .. 100 / (1 - 4,2 %)
    assert low == pytest.approx(100_000_000 / 1.04) and high == pytest.approx(100_000_000 / 0.958)


def test_below_9_errors_the_fallback_is_the_largest_error_either_way_and_without_errors_no_interval():
    fallback = backtest.interval(pd.Series([-0.02, 0.036, 0.01]))
    assert (fallback.method, fallback.n, fallback.low, fallback.high) == ("fallback", 3, -0.036, 0.036)
    assert fallback.bounds(1_000_000) == pytest.approx((1_000_000 / 1.036, 1_000_000 / 0.964))
    none = backtest.interval(pd.Series([np.nan]))
    assert none.method == "none" and all(math.isnan(b) for b in none.bounds(1.0))
    assert backtest.interval(pd.Series([-1.0] * 9)).bounds(5.0)[1] == math.inf  # forecasts of nothing: no upper bound


def _history():
    """Three complete years of one area with two sub-areas; forecasts made at two month-ends (June and December)."""
    raw = pd.DataFrame(
        [
            (2021, 6, "a", 90.0),
            (2021, 6, "b", 50.0),
            (2021, 12, "a", 100.0),
            (2021, 12, "b", 60.0),
            (2022, 6, "a", 95.0),
            (2022, 6, "b", 40.0),
            (2022, 12, "a", 110.0),
            (2022, 12, "b", 50.0),
            (2023, 6, "a", 100.0),
            (2023, 6, "b", 45.0),
            (2023, 12, "a", 120.0),
            (2023, 12, "b", 55.0),
        ],
        columns=["year", "month", "measure", "amount"],
    )
    final = pd.DataFrame(
        [
            (2021, "a", 100.0),
            (2021, "b", 60.0),
            (2022, "a", 110.0),
            (2022, "b", 50.0),
            (2023, "a", 120.0),
            (2023, "b", 55.0),
        ],
        columns=["year", "measure", "amount"],
    )
    return raw, final


def test_each_past_forecast_gets_the_pool_it_could_have_had_then():
    """June 2022: a's pool is 2021's gap at June (100 - 90 = 10), b's 60 - 50 = 10, so the forecasts made then were
    105 and 50; June 2023: the mean of 2021 and 2022 (10 and 15; 10 and 10): 112,5 and 55. 2021 had no earlier year."""
    raw, final = _history()
    errors = backtest.sub_area_errors(raw, final).set_index(["year", "month", "sub_area"])
    assert errors.loc[(2021, 6, "a"), "forecast"] == 90 and errors.loc[(2021, 6, "a"), "error"] == pytest.approx(-0.1)
    assert errors.loc[(2022, 6, "a"), "forecast"] == 105 and errors.loc[(2022, 6, "b"), "forecast"] == 50
    assert errors.loc[(2023, 6, "a"), "forecast"] == 112.5 and errors.loc[(2023, 6, "b"), "forecast"] == 55
    assert errors.loc[(2023, 6, "a"), "error"] == pytest.approx(112.5 / 120 - 1)
    assert errors.loc[(2023, 12, "a"), "error"] == 0  # December knew everything


def test_the_area_rows_baselines_scores_and_coverage_hand_worked():
    raw, final = _history()
    errors = backtest.sub_area_errors(raw, final)
    booked = pd.DataFrame(
        {"year": [2021, 2021, 2022, 2022, 2023, 2023], "month": [6, 12, 6, 12, 6, 12], "amount": [70.0] * 6}
    )  # 70 to June and 70 after: booked to date x 12 / 6 = 140 in June
    budgets = pd.Series({2021: 150.0, 2022: 170.0, 2023: 160.0})
    finals = final.groupby("year")["amount"].sum()  # 160, 160, 175
    rows = backtest.area_rows(errors, booked, budgets, finals).set_index(["year", "month"])
    june = rows.loc[(2023, 6)]
    assert june["forecast"] == 167.5 and june["final"] == 175 and june["budget"] == 160
    assert june["last_year"] == 160 and june["run_rate"] == 140 and math.isnan(june["last_month"])
    # booked to date x 12 / 12 in December; no forecast made at the end of November: no last month's forecast
    assert rows.loc[(2023, 12), "run_rate"] == 140 and math.isnan(rows.loc[(2023, 12), "last_month"])
    assert math.isnan(rows.loc[(2021, 6), "last_year"])  # no 2020
    # the interval 2023 would have shown in June: the errors of 2021 and 2022 at June (4 errors: the fallback)
    assert (june["method"], june["errors"]) == ("fallback", 4)
    largest = max(abs(90 / 100 - 1), abs(50 / 60 - 1), abs(105 / 110 - 1), abs(50 / 50 - 1))
    assert (june["low"], june["high"]) == pytest.approx((167.5 / (1 + largest), 167.5 / (1 - largest)))
    assert june["covered"] is True and rows.loc[(2021, 6), "method"] == "none"
    scores = backtest.scores(rows.reset_index(), ["month"]).set_index("month")
    # June: the forecast missed by 20 (140 v 160), 5 (155 v 160) and 7,5 (167,5 v 175): 10,83 on average
    assert scores.loc[6, "forecast_mae_kr"] == pytest.approx((20 + 5 + 7.5) / 3)
    # the budget missed by 10, 10 and 15: skill 1 - 10,83 / 11,67; last year's result on 2022-2023 only (0 and 15)
    assert scores.loc[6, "budget_skill"] == pytest.approx(1 - (32.5 / 3) / (35 / 3))
    assert scores.loc[6, "last_year_skill"] == pytest.approx(1 - (5 + 7.5) / 2 / ((0 + 15) / 2))
    assert scores.loc[6, "forecast_bias_pct"] == pytest.approx(100 * (-20 / 160 - 5 / 160 - 7.5 / 175) / 3)
    assert scores.loc[12, "forecast_mae_kr"] == 0 and scores.loc[12, "budget_skill"] == 1
    assert scores.loc[6, "intervals"] == 2 and scores.loc[6, "coverage"] == 1.0  # 2022 and 2023 each inside


@pytest.fixture(scope="module")
def adults(warehouse_path):
    from helpers.reports import expected_result

    return expected_result.compute("479", "adults", "2024-09-30")


def test_the_sample_interval_rests_on_2023s_errors_at_the_end_of_september(adults):
    """Svendborg, adults, 30.09.2024: the forecasts made 30.09.2023 for its 9 sub-areas (without a pool: no earlier
    year) against 2023's booked result give 9 errors, so the interval is empirical; the children's 8 give the fallback."""
    from helpers.reports import expected_result

    errors = adults.backtest.errors
    september = errors[(errors["month"] == 9) & (errors["year"] == 2023)]
    assert len(september) == 9 and adults.interval.n == 9 and adults.interval.method == "empirical"
    assert adults.interval.low == pytest.approx(np.quantile(september["error"], 0.1))
    made = expected_result.forecast_made_at(
        "479", "adults", 2023, pd.Timestamp("2023-09-30").date(), adults.actuals, adults.transitions,
        __import__("helpers.warehouse.marts", fromlist=["x"]).snapshots("479", "adults"), adults.rules,
    )  # fmt: skip
    by_measure = made.by_measure().sum(axis=1)
    assert september.set_index("sub_area")["forecast"].to_dict() == pytest.approx(by_measure.to_dict())
    low, high = adults.interval.bounds(adults.total)
    assert low < adults.total < high
    got = adults.interval_json()
    assert (got["low"], got["high"], got["years"], got["month"]) == (round(low, 2), round(high, 2), [2023], 9)
    children = expected_result.compute("479", "children", "2024-09-30")
    assert (children.interval.method, children.interval.n) == ("fallback", 8)


def test_backtest_cli_json_is_the_reports_computation(adults):
    out = helpers_cli("backtest", "--municipality", "479", "--area", "adults", "--json", check=True)
    got = json.loads(out.stdout)
    assert got["years"] == [2023] and len(got["rows"]) == 12 and len(got["by_month"]) == 12
    assert set(got["baselines"]) == {"budget", "last_year", "run_rate", "last_month"}
    december = got["by_month"][-1]
    assert december["forecast_mae_pct"] == pytest.approx(0, abs=1e-6) and december["budget_skill"] == 1
    assert got["by_month"][0]["last_month_mae_pct"] is None and got["overall"]["last_year_skill"] is None
    assert got["interval"] == adults.interval_json()
    assert got["overall"]["forecast_mae_pct"] == pytest.approx(adults.backtest.overall()["forecast_mae_pct"])


def test_a_backtest_is_computed_once_and_again_when_its_inputs_change(adults, monkeypatch, tmp_path):
    """The forecast report and the three packs of a municipality show one backtest: computed once for the same
    warehouse, code and inputs (kept in the process and in the cache folder, which other processes read), and again
    for other bookings, other rules, another warehouse or other code."""
    import dataclasses
    import types

    from helpers import paths
    from helpers.reports import expected_result
    from helpers.warehouse import query

    computed = []
    real = expected_result.backtest_for
    monkeypatch.setattr(paths, "cache_dir", lambda: tmp_path / "cache")
    monkeypatch.setattr(expected_result, "_BACKTESTS", {})
    monkeypatch.setattr(expected_result, "backtest_for", lambda er: computed.append(er) or real(er))

    first = dataclasses.replace(adults).backtest  # a fresh object, as each report's own
    assert dataclasses.replace(adults).backtest is first and len(computed) == 1
    assert first.errors.equals(real(adults).errors)  # what it keeps is what it computes

    expected_result._BACKTESTS.clear()  # another process: reads the kept one, computes nothing
    again = dataclasses.replace(adults).backtest
    assert again is not first and len(computed) == 1
    assert again.errors.equals(first.errors) and again.rows.equals(first.rows)

    fewer = dataclasses.replace(adults, actuals=adults.actuals[adults.actuals["month"] < "2023-12"])
    assert fewer.backtest is not first and len(computed) == 2
    assert len(fewer.backtest.errors) < len(first.errors)  # December 2023 unbooked: 2023 is no complete year

    rules = dataclasses.replace(adults.rules, end_ages={**adults.rules.end_ages, "botilbud_107": 30.0})
    assert dataclasses.replace(adults, rules=rules).backtest is not first and len(computed) == 3

    # a rebuild: the same path, another file; with the same bytes it is the same backtest, with others not
    rebuilt = (*query.identity()[:-2], 0, 0)
    monkeypatch.setattr(expected_result, "query", types.SimpleNamespace(identity=lambda: rebuilt))
    assert dataclasses.replace(adults).backtest.errors.equals(first.errors) and len(computed) == 3
    monkeypatch.setitem(expected_result._DIGESTS, rebuilt, "other bytes")
    monkeypatch.setattr(expected_result, "_BACKTESTS", {})
    assert dataclasses.replace(adults).backtest is not first and len(computed) == 4
    monkeypatch.setitem(expected_result._DIGESTS, "code", "other code")
    monkeypatch.setattr(expected_result, "_BACKTESTS", {})
    assert dataclasses.replace(adults).backtest is not first and len(computed) == 5
