"""The forecast rules a controller checks (issue 22), hand-worked: bookings line by line, forecast-diff by value, an ended
line without an end date, a probability written as a percentage, the later years in the JSON; and (issue 21, point 4)
postings placed by their account function, the rate kept as given, so a case extract and the warehouse built from it
give the same expected result to the øre. Every example is in docs/forecast.md."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import helpers_cli
from helpers import paths
from helpers.analysis import forecast
from helpers.intake.ingest import ingest

CORPUS = Path(__file__).parent / "data" / "real_format"
KEY = b"forecast-rules-test-key"
AS_OF = dt.date(2024, 9, 30)


def _period(case, measure, rate, unit="month", start="2024-01-01", end=None, status="current", probability=None):
    return {
        "case_id": case,
        "measure": measure,
        "rate": rate,
        "rate_unit": unit,
        "start_date": start,
        "end_date": end,
        "status": status,
        "probability": probability,
    }


def _booking(case, month, amount, measure=None, function=None):
    return {"case_id": case, "measure": measure, "function": function, "month": month, "amount": amount}


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return helpers_cli(*args, env={**os.environ, "HELPERS_PSEUDONYM_KEY": "forecast-rules-key", **(env or {})})


# -- bookings, line by line ------------------------------------------------------------------------------------------------


def test_bookings_line_by_line_hand_worked():
    """docs/forecast.md, rule 7. P has § 107 at 1.000 kr. a day and § 104 at 9.000 kr. a month, as of 30.09.2024:
    - September: two § 107 lines (20.000 + 8.000) replace § 107's month only (28.000, not 30.000); a line without a
      measure (9.500) goes to § 104, the one case with a computed amount and no booking of its own that month;
    - August: a line without a measure (20.000) is shared over § 107 (31.000) and § 104 (9.000): 15.500 and 4.500;
    - July: a line without a measure on § 107's account function (10.000) goes to § 107 only; § 104 keeps 9.000;
    - Q has no case: its 5.000 kr. without a measure is listed as unplaced and counted (money spent);
    - R's 7.000 kr. on § 108, a case not in the extract, is a current case of its own."""
    periods = pd.DataFrame([_period("P", "sel_107", 1_000, "day"), _period("P", "sel_104", 9_000)])
    booked = pd.DataFrame(
        [
            _booking("P", "2024-09", 20_000, "sel_107"),
            _booking("P", "2024-09", 8_000, "sel_107"),
            _booking("P", "2024-09", 9_500),
            _booking("P", "2024-08", 20_000),
            _booking("P", "2024-07", 10_000, function="5.38.52"),
            _booking("Q", "2024-06", 5_000),
            _booking("R", "2024-05", 7_000, "sel_108"),
        ]
    )
    fc = forecast.forecast(
        periods, 2024, AS_OF, booked, rules=forecast.Rules(function_measures={"5.38.52": ["sel_107"]})
    )
    m = fc.monthly.assign(measure=fc.monthly["case"].map(fc.cases["measure"])).set_index(["measure", "month"])
    assert m.loc[("sel_107", "2024-09"), "current"] == 28_000 and m.loc[("sel_104", "2024-09"), "current"] == 9_500
    assert m.loc[("sel_107", "2024-08"), "current"] == pytest.approx(15_500)
    assert m.loc[("sel_104", "2024-08"), "current"] == pytest.approx(4_500)
    assert m.loc[("sel_107", "2024-07"), "current"] == 10_000 and m.loc[("sel_104", "2024-07"), "current"] == 9_000
    assert m.loc[("sel_104", "2024-06"), "current"] == 9_000 and not m.loc[("sel_104", "2024-06"), "booked"]
    totals = fc.cases.set_index("measure")["year_total"]
    # § 107: 366 days x 1.000 - (30.000 + 31.000 + 31.000) computed + (28.000 + 15.500 + 10.000) booked
    assert totals["sel_107"] == pytest.approx(366_000 - 92_000 + 53_500)
    assert totals["sel_104"] == pytest.approx(12 * 9_000 - 18_000 + 14_000)  # August and September replaced
    assert totals[forecast.UNPLACED] == 5_000 and totals["sel_108"] == 7_000
    assert fc.unplaced.to_dict(orient="records") == [
        {"case_id": "Q", "month": "2024-06", "function": None, "amount": 5_000}
    ]
    assert fc.as_json()["unplaced"] == [{"case_id": "Q", "month": "2024-06", "function": None, "amount": 5_000.0}]


def test_one_line_without_a_measure_leaves_the_other_cases_bookings_alone():
    """Issue 22: one line without a measure made every booking of the file citizen-level, so a booking on § 107 replaced
    § 104's month too (10.000 kr. lost). Now § 104's computed month stays where only § 107 is booked."""
    periods = pd.DataFrame([_period("P", "sel_107", 30_000), _period("P", "sel_104", 10_000)])
    booked = pd.DataFrame([_booking("P", "2024-09", 30_000, "sel_107"), _booking("X", "2024-09", 1_000)])
    fc = forecast.forecast(periods, 2024, AS_OF, booked)
    totals = fc.cases.set_index("measure")["year_total"]
    assert totals["sel_104"] == pytest.approx(120_000) and totals["sel_107"] == pytest.approx(360_000)


def test_money_booked_on_an_expected_case_is_current_and_an_expected_case_without_bookings_gets_nothing_to_date():
    """E: expected, 7.000 kr. a month from 01.08.2024 at 50 %, August booked 7.000: it started, so it counts as current,
    September (not yet booked) computed, October-December in full: 5 x 7.000 = 35.000. F: expected, 10.000 kr. a month
    from 01.06.2024 at 50 %, nothing booked: nothing June-September, 3 x 5.000 = 15.000 expected for the rest."""
    periods = pd.DataFrame(
        [
            _period("E", "sel_103", 7_000, start="2024-08-01", status="expected", probability=0.5),
            _period("F", "sel_104", 10_000, start="2024-06-01", status="expected", probability=0.5),
        ]
    )
    fc = forecast.forecast(periods, 2024, AS_OF, pd.DataFrame([_booking("E", "2024-08", 7_000, "sel_103")]))
    cases = fc.cases.set_index("case_id")
    assert cases.loc["E", "status"] == "current" and cases.loc["E", "year_total"] == pytest.approx(35_000)
    assert fc.monthly.query("case == 0")["expected"].sum() == 0  # all of E is current
    assert cases.loc["F", "to_date"] == 0 and cases.loc["F", "year_total"] == pytest.approx(15_000)
    assert fc.expected_total == pytest.approx(15_000) and fc.current_total == pytest.approx(35_000)
    assert cases.loc["E", "next_year_total"] == pytest.approx(84_000)  # current from now on: 12 x 7.000


# -- forecast-diff by value ----------------------------------------------------------------------------------------------------


def test_forecast_diff_compares_periods_by_value():
    """A rate change entered as a new line is "rate changed" (it read "several": periods were compared by count); the same
    rate written per week instead of per day changes nothing; a probability changed from a date is "status or
    probability changed"; a supplement line from a date at the case's own status is a rate change too."""
    before = pd.DataFrame(
        [
            _period("A", "m", 1_000),
            _period("B", "m", 500, "day", end="2024-01-10"),
            _period("C", "m", 2_000, status="expected", probability=0.5),
            _period("D", "m", 4_000, "day", end="2024-12-31"),
        ]
    )
    after = pd.DataFrame(
        [
            _period("A", "m", 1_000, end="2024-06-30"),
            _period("A", "m", 1_100, start="2024-07-01"),
            _period("B", "m", 3_500, "week", end="2024-01-10"),
            _period("C", "m", 2_000, end="2024-06-30", status="expected", probability=0.5),
            _period("C", "m", 2_000, start="2024-07-01", status="expected", probability=1.0),
            _period("D", "m", 4_000, "day", end="2024-12-31"),
            _period("D", "m", 100, "day", start="2024-10-01", end="2024-12-31"),
        ]
    )
    got = forecast.diff(before, after, 2024)
    assert {i["case_id"]: (i["reason"], i["change"]) for i in got["items"]} == {
        "A": ("rate changed", 600.0),  # 6 months x 100
        "C": ("status or probability changed", 6_000.0),  # 6 months x 2.000 x 0,5 more
        "D": ("rate changed", 9_200.0),  # 92 days x 100
    }


# -- an ended line without an end date, a probability in per cent ------------------------------------------------------------


def test_an_ended_line_without_an_end_date_is_costed_to_the_as_of_date_and_listed():
    """sensum_ended_without_end_date.csv (Sensum, adults): Anna's § 107 at 1.500 kr. a day is "Afsluttet" without an end
    date: costed 01.01-30.09.2024, 274 days = 411.000 kr., not the whole year; Bo's § 108 "Ophørt" with its end date 92
    days x 2.000 = 184.000; Cecilie's bostøtte 6 x 10.000 = 60.000; Dan's § 104 "Lukket" without an end date at 50.000 kr.
    a year: 243 days x 50.000 / 365 = 33.287,67. Total 688.287,67 kr.; the two lines are listed."""
    out = _cli(
        "forecast",
        "--cases",
        str(CORPUS / "sensum_ended_without_end_date.csv"),
        "--year",
        "2024",
        "--as-of",
        "2024-09-30",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["forecast_total"] == 688_287.67
    assert [(e["measure"], e["start_date"], e["costed_to"]) for e in got["ended_without_end_date"]] == [
        ("sel_107", "2024-01-01", "2024-09-30"),
        ("sel_104", "2024-02-01", "2024-09-30"),
    ]
    assert got["next_year_total"] == 60_000 * 2  # only Cecilie's bostøtte runs on
    result = ingest("cases", CORPUS / "sensum_ended_without_end_date.csv", KEY)
    assert result.accepted["status"].tolist() == ["ended", "ended", "current", "ended"]


def test_a_probability_written_60_is_60_per_cent(tmp_path):
    path = tmp_path / "forventede.csv"
    path.write_text(
        "CPR-nr.;Indsats;Takst;Frekvens;Ydelse startdato;Ydelse slutdato;Status;Sandsynlighed\n"
        "010180-4195;Midlertidigt botilbud;10.000,00;md.;01.10.2024;;Forventet;60\n"
        "020275-4006;Midlertidigt botilbud;10.000,00;md.;01.10.2024;;Forventet;60 %\n"
        "030390-3998;Midlertidigt botilbud;10.000,00;md.;01.10.2024;;Forventet;0,6\n"
        "040485-4001;Midlertidigt botilbud;10.000,00;md.;01.10.2024;;Forventet;1,5\n",
        encoding="utf-8",
    )
    result = ingest("cases", path, KEY)
    assert result.accepted["probability"].tolist() == [0.6, 0.6, 0.6]
    assert [e["line"] for e in result.errors] == [5]  # 1,5 is neither a share nor a whole percentage: quarantined


def test_forecast_json_gives_the_next_year_and_the_shadow_years():
    periods = pd.DataFrame([_period("A", "m", 31_000, end="2026-06-30")])
    got = forecast.forecast(periods, 2024).as_json()
    assert got["next_year_total"] == 372_000 and got["shadow_years"] == {"2026": 186_000, "2027": 0, "2028": 0}


# -- issue 21, point 4: postings by account function, the rate as given, one figure ---------------------------------------------


def test_postings_with_an_account_function_and_no_measure_are_placed_or_listed():
    result = ingest("actuals", CORPUS / "opus_postings_by_function.csv", KEY)
    rows = result.accepted.set_index("month")
    assert rows.loc["2024-01", "measure"].tolist() == [None, "opholdssted"]  # 5.28.20 is one measure's function
    assert rows.loc["2024-04", "area"] == "adults" and pd.isna(rows.loc["2024-05", "area"])  # 5.32.32; none given
    assert result.summary()["without_measure"] == [
        {"function": None, "rows": 1, "amount": 700.0},
        {"function": "5.28.21", "rows": 3, "amount": 21_000.0},  # several measures' function: shared in the forecast
        {"function": "5.32.32", "rows": 1, "amount": 1_000.0},
    ]


def _data_dir(tmp_path: Path) -> Path:
    """A data folder with Svendborg's children's case extract (yearly grants, an ended line without an end date) and its
    postings by account function, as the manifest lists them."""
    sample = tmp_path / "data" / "sample"
    sample.mkdir(parents=True)
    for name in ("dubu_yearly_grants_2024-09-30.csv", "opus_postings_by_function.csv"):
        shutil.copy(CORPUS / name, sample / name)
    (sample / paths.MANIFEST).write_text(
        "file,kind,bytes,sha256,municipality_code,snapshot_date\n"
        "dubu_yearly_grants_2024-09-30.csv,cases,0,,479,2024-09-30\n"
        "opus_postings_by_function.csv,actuals,0,,479,\n",
        encoding="utf-8",
    )
    return tmp_path / "data"


# 1.234.567 kr. a year: January booked 100.000 (5.28.20 is the opholdssted's function), 335 days x 1.234.567 / 365;
# 50.000 a year, 306 days; aflastning 8.000 a month with January and February booked 8.100 and 7.900 on 5.28.21 without
# a measure; døgninstitution 4.321 a day "Afsluttet" without an end date: 274 days; familiepleje 30.000 a month ending the
# day before the 18th birthday (05.05.2024): 4 months and 4/31; 5.000 kr. on 5.28.21 for a citizen without a case, unplaced.
HAND_WORKED = round(
    round(100_000 + 1_234_567 * 335 / 365, 2)
    + round(50_000 * 306 / 365, 2)
    + (8_100 + 7_900 + 10 * 8_000)
    + 274 * 4_321
    + round(4 * 30_000 + 4 / 31 * 30_000, 2)
    + 5_000,
    2,
)


def test_a_case_extract_and_the_warehouse_give_the_same_expected_result_to_the_ore(tmp_path):
    """`forecast --cases FILE` and `forecast --municipality` from a warehouse built from that file agree to the øre: the
    warehouse keeps the rate as given (1.234.567 kr. a year was a daily rate rounded to 3.382,38), the postings are placed
    by their account function, and both apply the same rules. The hand computation is 2.683.838,52 kr."""
    assert HAND_WORKED == 2_683_838.52
    data = _data_dir(tmp_path)
    env = {"HELPERS_DATA_DIR": str(data)}
    built = _cli("build", env=env)
    assert built.returncode == 0, built.stderr
    assert (
        "bogføringslinje(r) på 700 kr. uden indsats og uden funktion: kan ikke henføres til et område" in built.stdout
    )
    sample = data / "sample"
    from_file = _cli(
        "forecast",
        "--cases",
        str(sample / "dubu_yearly_grants_2024-09-30.csv"),
        "--actuals",
        str(sample / "opus_postings_by_function.csv"),
        "--year",
        "2024",
        "--as-of",
        "2024-09-30",
        "--json",
        env=env,
    )
    warehouse = _cli(
        "forecast", "--municipality", "479", "--area", "children", "--as-of", "2024-09-30", "--json", env=env
    )
    assert from_file.returncode == 0 and warehouse.returncode == 0, from_file.stderr + warehouse.stderr
    a, b = json.loads(from_file.stdout), json.loads(warehouse.stdout)
    assert a["forecast_total"] == b["forecast_total"] == HAND_WORKED
    assert a["unplaced"] == b["unplaced"] and [u["amount"] for u in a["unplaced"]] == [5_000.0]
    assert a["ended_without_end_date"] == b["ended_without_end_date"] and len(a["ended_without_end_date"]) == 1
    assert a["bookings_left_out"] == {
        "other_area": {"rows": 1, "amount": 1_000.0},
        "no_area": {"rows": 1, "amount": 700.0},
    }
    assert b["bookings_without_area"] == {"rows": 1, "amount": 700.0}
    assert "1 booking line(s) of no area (no measure, no account function) left out (700.00 kr.)" in from_file.stderr
    assert {s["sub_area"]: s["expected_result"] for s in b["sub_areas"]}[forecast.UNPLACED] == 5_000.0
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        found = con.execute(
            "select area, description from mart_data_quality where finding = 'unplaced_booking' order by area nulls last"
        ).fetchall()
    finally:
        con.close()
    assert [a for a, _ in found] == ["adults", "children", None]  # 5.32.32; 5.28.21 (3 lines); neither
    assert "3 bogføringslinje(r) på 21.000 kr. uden indsats på funktion 5.28.21" in found[1][1]
