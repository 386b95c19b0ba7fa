"""Extracts shaped like the ones municipal systems deliver (DUBU, Sensum/Nexus, Opus/Prisme, StatBank): recognised,
mapped, nothing lost, nothing corrupted. Each file in tests/data/real_format has its expected outcome here, with
forecast totals worked by hand; for every file rows read = accepted + quarantined."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import helpers_cli
from helpers import paths
from helpers.analysis import forecast
from helpers.intake import mappings, privacy
from helpers.intake.extracts import read_cases
from helpers.intake.ingest import ingest
from helpers.intake.messages import ExtractError
from helpers.warehouse import build as build_module

CORPUS = Path(__file__).parent / "data" / "real_format"
KEY = b"real-format-test-key"


def _reconciles(result) -> None:
    assert result.rows_read == len(result.accepted) + len(result.rejected)


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return helpers_cli(*args, env={**os.environ, "HELPERS_PSEUDONYM_KEY": "cli-test-key", **(env or {})})


def test_dubu_export_with_title_lines_sep_line_danish_words_and_several_lines_per_case():
    result = ingest("cases", CORPUS / "dubu_cases_2024-09-30.csv", KEY)
    _reconciles(result)
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (11, 9, 2)
    reasons = {e["line"]: e["reason"] for e in result.errors}
    assert reasons == {13: "duplicate of line 6 (identical in every column)", 14: "missing value"}
    rows = result.accepted.set_index("source_line")
    # "Anbringelse i plejefamilie", "Familiepleje" (fee and expenses of one foster family, same start date: both kept),
    # "netværksplejefamilie" and "Anbringelse" with Funktion 5.28.22 are all foster care
    assert rows.loc[[6, 7, 8, 9], "measure"].tolist() == ["familiepleje"] * 4
    assert (rows.loc[10, "measure"], rows.loc[10, "measure_raw"]) == (
        "unmapped",
        "Anbringelse",
    )  # 5.28.21 is several measures
    # Aktiv, Bevilget, I gang, empty, Aktuel; Afsluttet (with its end date) and Ophørt are ended
    assert rows.loc[[6, 7, 9, 10, 12], "status"].tolist() == ["current"] * 5
    assert rows.loc[[8, 11], "status"].tolist() == ["ended"] * 2
    assert rows.loc[16, "status"] == "expected" and rows.loc[16, "probability"] == 0.5  # Planlagt, 50%
    # rates as given, with their units: the forecast costs 3.500 a week as 500 a day, 36.500 a year as 100 a day
    assert (rows.loc[11, "rate"], rows.loc[11, "rate_unit"]) == (3_500.0, "week")
    assert (rows.loc[12, "rate"], rows.loc[12, "rate_unit"]) == (36_500.0, "year")
    assert (
        str(rows.loc[9, "start_date"]) == "2024-07-01" and str(rows.loc[9, "end_date"]) == "2024-12-31"
    )  # 1.7.24, 31/12/2024
    assert (
        rows.loc[6, "case_id"] == rows.loc[15, "case_id"] == privacy.pseudonymise("010108-4195", KEY)
    )  # '010108 4195' too
    assert result.unmapped == [{"column": "Ydelsesvariant", "value": "Anbringelse", "rows": 1}]


def test_dubu_forecast_counts_every_line_worked_by_hand():
    periods, rows = read_cases(CORPUS / "dubu_cases_2024-09-30.csv", KEY)
    result = forecast.forecast(periods, 2024)
    # 20.000 x 12 + 5.000 x 12 + 1.000 x 31 days + 10.000 x 6 + 7.000 x 12 (unmapped, under its own name)
    # + 500 x 10 days + 100 x 366 days + 2.000 x 12 + 4.000 x 6 x 0,5 (expected)
    assert result.forecast_total == pytest.approx(
        240_000 + 60_000 + 31_000 + 60_000 + 84_000 + 5_000 + 36_600 + 24_000 + 12_000
    )
    by = result.cases.groupby("measure")["year_total"].sum()
    assert by["familiepleje"] == pytest.approx(391_000) and by["Anbringelse"] == pytest.approx(84_000)
    assert rows == {"read": 11, "accepted": 9, "rejected": 2, "unmapped": 1}


def test_sensum_workbook_behind_a_cover_sheet_with_typed_cells_and_cpr_spellings():
    result = ingest("cases", CORPUS / "sensum_adults.xlsx", KEY)
    _reconciles(result)
    assert (len(result.accepted), len(result.rejected)) == (4, 0)
    rows = result.accepted.set_index("source_line")
    assert rows.loc[4, "rate"] == pytest.approx(
        345.678
    )  # a number cell is taken as typed, not re-read as 345.678 thousands
    assert (
        str(rows.loc[5, "start_date"]) == "2024-01-01" and str(rows.loc[5, "end_date"]) == "2024-01-31"
    )  # Excel serials
    assert rows.loc[4, "end_date"] is None  # 01.01.9999
    assert rows.loc[4, "case_id"] == privacy.pseudonymise(
        "010108-4195", KEY
    )  # 101084195: Excel dropped the leading zero
    assert rows.loc[5, "case_id"] == privacy.pseudonymise("020210-4006", KEY)  # en dash
    assert rows.loc[6, "case_id"] == privacy.pseudonymise("030312-3998", KEY)  # surrounding spaces
    assert rows.loc[6, "measure"] == "sel_85_bostoette" and rows.loc[7, "status"] == "expected"  # Bostøtte; Visiteret
    assert not {"Fornavn", "BorgerMobil", "first_name"} & set(result.accepted.columns)
    total = forecast.forecast(read_cases(CORPUS / "sensum_adults.xlsx", KEY)[0], 2024).forecast_total
    assert total == pytest.approx(345.678 * 366 + 1_000 * 31 + 10_000 * 6 + 1_000 * 12)


def test_opus_bookings_with_trailing_minus_parentheses_currency_and_month_forms():
    result = ingest("actuals", CORPUS / "opus_actuals.csv", KEY)
    _reconciles(result)
    rows = result.accepted
    assert rows["amount"].tolist() == [1234.5, -1234.5, -1234.5, 500.0, 2500.0]
    assert rows["month"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-10", "2024-05"]


def test_decimal_points_are_decided_per_column_and_an_open_column_is_reported(tmp_path):
    dot = ingest("cases", CORPUS / "dot_decimal_cases.csv", KEY)
    assert dot.accepted["rate"].tolist() == [845.5, 1234.5]  # 1234.5 says the column uses decimal points
    open_column = ingest("cases", CORPUS / "ambiguous_cases.csv", KEY)
    _reconciles(open_column)
    assert len(open_column.rejected) == 2 and "--decimal" in open_column.errors[0]["reason"]
    assert ingest("cases", CORPUS / "ambiguous_cases.csv", KEY, decimal=".").accepted["rate"].tolist() == [845.5, 1.2]
    assert ingest("cases", CORPUS / "ambiguous_cases.csv", KEY, decimal=",").accepted["rate"].tolist() == [
        845_500.0,
        1_200.0,
    ]
    done = _cli("ingest", "--kind", "cases", "--file", str(CORPUS / "ambiguous_cases.csv"), "--decimal", ".", "--json")
    assert json.loads(done.stdout)["accepted"] == 2


def test_a_utf8_file_with_one_windows_byte_keeps_utf8_and_says_which_line():
    result = ingest("cases", CORPUS / "utf8_with_one_cp1252_byte.csv", KEY)
    assert len(result.accepted) == 3 and result.accepted["provider"].tolist() == [
        "Bostedet Ærø",
        "Bostedet Skøjte",
        "Søhuset",
    ]
    assert [(n.code, n.params) for n in result.notes] == [("mixed_encoding", {"lines": "3"})]
    assert result.notes[0].danish().startswith("linje 3 indeholdt Windows-1252-tegn i en UTF-8-fil")


def test_a_windows_file_is_read_as_cp1252_so_dashes_and_quotes_survive():
    result = ingest("cases", CORPUS / "windows_cp1252.csv", KEY)
    assert result.accepted["provider"].tolist() == ["Søhuset – “Ærø”"]


def test_accounts_and_budget_with_the_headers_finance_systems_write():
    accounts = ingest("expenditure", CORPUS / "accounts_real_headers.csv")
    assert accounts.accepted["amount_1000_kr"].tolist() == [1706.5, -12.5] and accounts.accepted[
        "function"
    ].tolist() == ["5.28.22", "5.28.21"]
    budget = ingest("budget", CORPUS / "budget_real_headers.csv")
    assert budget.accepted["measure"].tolist() == ["sel_107", "familiepleje"]
    assert budget.accepted["area"].tolist() == ["adults", "children"] and budget.accepted["amount"].tolist() == [
        12_500_000.0,
        8_000_000.0,
    ]


def test_progression_keeps_a_citizens_later_registrations_when_one_is_quarantined():
    result = ingest("registrations", CORPUS / "registrations_real.csv", KEY)
    _reconciles(result)
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (30, 29, 1)
    assert result.errors[0]["line"] == 2 and "31.02.2017" in result.errors[0]["reason"]
    assert len(result.notes) == 1 and "registration(s) 1 missing before registration 2" in result.notes[0].english()
    rows = result.accepted
    assert set(rows["provider_type"]) == {"private", "own_municipality", "other_municipality"}
    assert set(rows["target_group"]) == {"intellectual", "mental_illness"} and set(rows["sex"]) <= {"M", "K"}
    done = _cli("progression", "--registrations", str(CORPUS / "registrations_real.csv"), "--json")
    out = json.loads(done.stdout)
    assert out["cases"] == 10 and out["rows"] == {"read": 30, "accepted": 29, "rejected": 1, "unmapped": 0}
    assert "30 rows read, 29 accepted, 1 quarantined" in done.stderr and "missing before registration 2" in done.stderr


def test_headers_are_listed_with_their_aliases():
    done = _cli("ingest", "--kind", "cases", "--columns")
    assert done.returncode == 0
    lines = {line.split(" (")[0]: line for line in done.stdout.splitlines()}
    assert "cpr-nr." in lines["cpr"] and "personnummer" in lines["cpr"] and "frekvens" in lines["rate_unit"]
    assert "mapped by data/reference/mappings/measure.csv" in lines["measure"]


def test_a_local_mapping_file_classifies_a_value_without_editing_the_shipped_ones(tmp_path):
    local = tmp_path / "mappings"
    local.mkdir()
    (local / "measure.csv").write_text("value,mapped\nUkendt ydelse,sel_104\n", encoding="utf-8")
    shipped = (mappings.SHIPPED / "measure.csv").read_text(encoding="utf-8")
    before = ingest("cases", CORPUS / "sensum_adults.xlsx", KEY)
    os.environ["HELPERS_MAPPINGS_DIR"] = str(local)
    try:
        after = ingest("cases", CORPUS / "sensum_adults.xlsx", KEY)
    finally:
        del os.environ["HELPERS_MAPPINGS_DIR"]
    assert "unmapped" in set(before.accepted["measure"]) and set(after.accepted["measure"]) == {
        "sel_107",
        "sel_108",
        "sel_85_bostoette",
        "sel_104",
    }
    assert (mappings.SHIPPED / "measure.csv").read_text(encoding="utf-8") == shipped


def test_mappings_suggest_writes_the_unmapped_values_with_counts_and_guesses(tmp_path):
    out = tmp_path / "forslag.csv"
    done = _cli(
        "mappings",
        "--suggest",
        "--kind",
        "cases",
        "--file",
        str(CORPUS / "dubu_cases_2024-09-30.csv"),
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "table,value,rows,suggested,similar_known,column" and rows[1].startswith("measure,Anbringelse,1,")
    assert rows[1].split(",")[3] in {"familiepleje", "opholdssted", "doegninstitution", "sikret_institution"}


def _data_dir(tmp_path: Path, files: dict[str, tuple[str, str]]) -> Path:
    """A data folder whose manifest lists `files` {name in the corpus: (kind, municipality)}."""
    sample = tmp_path / "data" / "sample"
    sample.mkdir(parents=True)
    rows = ["file,kind,bytes,sha256,municipality_code,snapshot_date"]
    for name, (kind, municipality) in files.items():
        shutil.copy(CORPUS / name, sample / name)
        rows.append(f"{name},{kind},0,,{municipality},{'2024-09-30' if kind == 'cases' else ''}")
    (sample / paths.MANIFEST).write_text("\n".join(rows) + "\n")
    return tmp_path / "data"


def test_a_bad_extract_is_listed_as_failed_and_the_rest_is_built(tmp_path):
    data = _data_dir(
        tmp_path,
        {
            "dubu_cases_2024-09-30.csv": ("cases", "479"),
            "opus_actuals.csv": ("actuals", "479"),
            "windows_cp1252.csv": ("transitions", "479"),
        },
    )
    done = _cli("build", env={"HELPERS_DATA_DIR": str(data)})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "FAILED windows_cp1252.csv: missing required column(s) for kind transitions" in done.stderr
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        periods = con.execute(
            "select count(*), min(municipality_code), min(snapshot_date) from mart_forecast_case_periods"
        ).fetchone()
        actuals = con.execute("select distinct municipality_code from mart_forecast_actuals").fetchall()
        failed = con.execute("select description from mart_data_quality where finding = 'failed_extract'").fetchall()
        unmapped = con.execute("select description from mart_data_quality where finding = 'unmapped_value'").fetchall()
    finally:
        con.close()
    assert periods[0] == 9 and periods[1] == "479" and str(periods[2]) == "2024-09-30"
    assert actuals == [("479",)]  # from the manifest: the file lies in no municipality's folder
    assert len(failed) == 1 and failed[0][0].startswith("windows_cp1252.csv: kunne ikke indlæses")
    assert len(unmapped) == 1 and "'Anbringelse'" in unmapped[0][0]


def test_an_interrupted_build_leaves_the_previous_warehouse_and_no_temporary_file(tmp_path, monkeypatch):
    data = _data_dir(tmp_path, {"opus_actuals.csv": ("actuals", "479")})
    build_module.build(data, key=KEY)
    before = (data / "warehouse.duckdb").read_bytes()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "_create_views", interrupt)
    with pytest.raises(KeyboardInterrupt):
        build_module.build(data, key=KEY)
    assert (data / "warehouse.duckdb").read_bytes() == before
    assert [p.name for p in data.iterdir() if p.name.endswith(".tmp") or ".tmp" in p.name] == []


def test_an_unwritable_data_folder_or_key_location_is_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = _cli("build", env={"HELPERS_DATA_DIR": str(blocker / "data")})
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    env = {"HELPERS_PSEUDONYM_KEY": "", "HELPERS_PSEUDONYM_KEY_FILE": str(blocker / "key")}
    done = _cli("forecast", "--cases", str(CORPUS / "dubu_cases_2024-09-30.csv"), "--year", "2024", env=env)
    assert (
        done.returncode == 2
        and "Traceback" not in done.stderr
        and done.stderr.strip().startswith("error: cannot read the pseudonym key")
    )


def test_a_rate_as_antal_times_pris_pr_stk_or_named_per_day():
    rows, _ = read_cases(CORPUS / "dubu_antal_pris.csv", KEY)
    # 4 x 1.250 a month; 10 x 300 a week (costed as 3.000 / 7 a day)
    assert (rows["rate"].tolist(), rows["rate_unit"].tolist()) == ([5_000.0, 3_000.0], ["month", "week"])
    assert forecast.forecast(rows, 2024).forecast_total == pytest.approx(5_000 * 12 + 3_000 / 7 * 10)
    per_day, _ = read_cases(CORPUS / "dubu_pris_pr_dag.csv", KEY)  # no unit column: 'Pris pr dag' says it
    assert (per_day["rate_unit"].tolist(), forecast.forecast(per_day, 2024).forecast_total) == (
        ["day"],
        pytest.approx(20_000),
    )


# ---------------------------------------------------------------- exports as they really come (issue 21, point 5)


def test_a_header_over_two_merged_rows_is_read_as_one():
    """DUBU's export saved from Excel: 'Ydelse' merged over 'startdato' and 'slutdato'; Nexus' workbook with merged
    cells over 'Startdato', 'Slutdato' and 'Takst', 'Enhed'."""
    csv = ingest("cases", CORPUS / "dubu_two_row_header.csv", KEY)
    _reconciles(csv)
    rows = csv.accepted.set_index("source_line")
    assert (len(csv.accepted), str(rows.loc[6, "start_date"]), str(rows.loc[6, "end_date"])) == (
        2,
        "2025-03-01",
        "2025-05-31",
    )
    assert rows["status"].tolist() == ["current", "current"] and rows["municipality_code"].tolist() == ["479", "479"]
    assert [n.code for n in csv.notes] == ["two_row_header"] and "Ydelse startdato" in csv.notes[0].english()
    book = ingest("cases", CORPUS / "nexus_merged_header.xlsx", KEY)
    assert book.accepted["measure"].tolist() == ["sel_107", "sel_108"]
    assert (
        book.accepted["rate_unit"].tolist() == ["day", "month"]
        and str(book.accepted.loc[1, "end_date"]) == "2025-06-30"
    )
    assert forecast.forecast(
        read_cases(CORPUS / "nexus_merged_header.xlsx", KEY)[0], 2025
    ).forecast_total == pytest.approx(1_500 * 365 + 30_000 * 6)


def test_a_workbook_with_one_sheet_per_month_reads_every_month_and_names_the_sheets():
    result = ingest("actuals", CORPUS / "opus_one_sheet_per_month.xlsx", KEY)
    _reconciles(result)
    assert result.rows_read == 7 and result.accepted.groupby("month")["amount"].sum().to_dict() == {
        "2025-01": 82_000.0,
        "2025-02": 76_000.0,
        "2025-03": 79_500.0,  # the refund line (art 7.6) is a line of its own, not a duplicate
    }
    notes = {n.code: n for n in result.notes}
    assert notes["sheets_read"].params["sheets"] == ["Januar (2 rækker)", "Februar (2 rækker)", "Marts (3 rækker)"]
    assert notes["sheets_passed_over"].params["sheets"] == ["Forside", "Noter"]


def test_a_bad_row_of_a_monthly_sheet_is_named_with_its_sheet(tmp_path):
    import openpyxl

    book = openpyxl.load_workbook(CORPUS / "opus_one_sheet_per_month.xlsx")
    book["Februar"]["E3"] = "mange penge"
    book.save(tmp_path / "bookings.xlsx")
    result = ingest("actuals", tmp_path / "bookings.xlsx", KEY)
    _reconciles(result)
    assert [(e["sheet"], e["line"], e["code"]) for e in result.errors] == [("Februar", 3, "not_a_number")]
    assert result.rejected[["sheet", "line"]].values.tolist() == [["Februar", 3]]


def test_two_columns_with_one_name_are_compared_never_guessed():
    with pytest.raises(ExtractError) as exc:
        ingest("cases", CORPUS / "dubu_same_name_differs.csv", KEY)
    assert exc.value.message.code == "same_name_differs" and "line 3: 'Aktiv' / 'Afsluttet'" in str(exc.value)
    done = _cli("ingest", "--kind", "cases", "--file", str(CORPUS / "dubu_same_name_differs.csv"))
    assert (
        done.returncode == 2 and "Traceback" not in done.stderr and "columns 7, 8 are all named 'Status'" in done.stderr
    )
    same = ingest("cases", CORPUS / "dubu_same_name_same_values.csv", KEY)
    assert same.accepted["function"].tolist() == ["5.28.22", "5.28.23"]
    assert [n.code for n in same.notes] == ["same_name_same_values"]


def test_barnets_lov_paragraphs_place_childrens_measures():
    result = ingest("cases", CORPUS / "dubu_barnets_lov.csv", KEY)
    rows = result.accepted.set_index("source_line")
    assert rows["measure"].to_dict() == {
        2: "kontaktperson",  # BL § 32, stk. 1, nr. 3
        3: "familiebehandling",  # Barnets lov § 32, stk. 1, nr. 5
        4: "aflastning",  # BL § 32, stk. 1, nr. 7: støtteophold
        5: "eftervaern",  # BL § 114
        6: "sikret_institution",  # BL § 62
        7: "unmapped",  # BL § 46: a placement, whose kind the basis does not say
    }
    assert set(rows["area"]) == {"children"}  # also the unmapped placement: its basis is in Barnets lov
    assert result.unmapped == [{"column": "Ydelsesvariant", "value": "Anbringelse", "rows": 1}]


def test_a_yearly_granted_amount_is_a_yearly_rate():
    periods, rows = read_cases(CORPUS / "nexus_bevilget_pr_aar.csv", KEY)
    assert rows == {"read": 2, "accepted": 2, "rejected": 0, "unmapped": 0}
    by_case = forecast.forecast(periods, 2025).cases.set_index("measure")["year_total"]
    # 730.000 a year, all of 2025 (365 days); 109.500 a year from 1.7 to 31.12 (184 days of 365)
    assert by_case["sel_107"] == pytest.approx(730_000) and by_case["sel_85_bostoette"] == pytest.approx(
        109_500 * 184 / 365
    )


def test_a_booking_date_is_the_booking_month():
    result = ingest("actuals", CORPUS / "prisme_posteringsdato.csv", KEY)
    assert result.accepted["month"].tolist() == ["2025-01", "2025-02", "2025-03"]
    assert result.accepted["municipality_code"].tolist() == ["479"] * 3  # 'Finansiering Kommunenavn'


@pytest.mark.parametrize(
    ("kind", "file", "column", "expected"),
    [
        ("budget", "budget_names.csv", "municipality_code", ["479", "479"]),
        ("expenditure", "accounts_names.csv", "municipality_code", ["101", "400", "173", "751"]),
        ("users", "users_names.csv", "municipality_code", ["479", "169"]),
        ("population", "population_names.csv", "area_code", ["000", "085", "479"]),
        ("registrations", "registrations_names.csv", "municipality_code", ["479"]),
        ("cases", "dubu_two_row_header.csv", "municipality_code", ["479", "479"]),
        ("actuals", "prisme_posteringsdato.csv", "municipality_code", ["479"] * 3),
    ],
)
def test_municipalities_and_areas_written_as_names_in_every_kind(kind, file, column, expected):
    result = ingest(kind, CORPUS / file, KEY)
    assert result.errors == [] and result.accepted[column].tolist() == expected
    if kind in ("budget", "users"):
        assert result.accepted["area"].tolist() == ["children", "adults"]  # 'Børn og familie', 'Voksenhandicap'


def test_not_assessed_in_a_registration_is_an_answer_not_an_error():
    result = ingest("registrations", CORPUS / "registrations_ikke_vurderet.csv", KEY)
    _reconciles(result)
    rows = result.accepted.set_index("source_line")
    assert (len(result.accepted), len(result.rejected)) == (3, 1)  # only VUM 5, which is no score
    assert rows["vum_score"].isna().tolist() == [True, False, True] and pd.isna(rows.loc[3, "previous_goal_met"])
    assert {n.params["column"]: n.params["rows"] for n in result.notes} == {
        "VUM": 2,
        "Tidligere mål opfyldt": 1,
        "Mål-VUM": 1,
    }


def test_accounts_with_a_line_per_function_and_art_sum_to_the_net():
    result = ingest("expenditure", CORPUS / "opus_accounts_art.csv")
    _reconciles(result)
    net = result.accepted.groupby("function")["amount_1000_kr"].sum()
    assert net.to_dict() == {"5.28.22": 38_000.0, "5.28.23": 16_500.0}  # Bogført beløb in kroner, as 1.000 kr.
    assert [(e["line"], e["code"]) for e in result.errors] == [(7, "duplicate_key")]  # the one line given twice
    assert result.errors[0]["params"]["columns"] == ["municipality_code", "function", "account_kind", "year"]


def test_a_line_with_utf8_characters_and_a_windows_byte_keeps_both():
    result = ingest("cases", CORPUS / "utf8_line_with_both.csv", KEY)
    assert result.accepted["provider"].tolist() == ["Bostedet Ærø, Søhus", "Åbo – Strandvej"]
    assert [(n.code, n.params) for n in result.notes] == [("mixed_encoding", {"lines": "2"})]


def test_a_legacy_xls_workbook_is_read_and_a_note_advises_xlsx():
    result = ingest("cases", CORPUS / "sensum_legacy.xls", KEY)
    _reconciles(result)
    rows = result.accepted
    assert rows["rate"].tolist() == [1500.5, 30_000.0] and str(rows.loc[1, "end_date"]) == "2025-04-30"
    assert [n.code for n in result.notes] == ["legacy_xls"]


@pytest.mark.parametrize(
    ("file", "code", "words"),
    [
        ("udtraek_zip_named.csv", "zip_not_workbook", "a zip archive"),
        ("rapport_pdf_named.csv", "pdf_not_data", "a PDF document"),
        ("dubu_html_named.xls", "html_not_data", "an HTML page"),
    ],
)
def test_a_file_that_is_no_extract_is_told_what_it_is(file, code, words):
    with pytest.raises(ExtractError) as exc:
        ingest("cases", CORPUS / file, KEY)
    assert exc.value.message.code == code
    done = _cli("ingest", "--kind", "cases", "--file", str(CORPUS / file))
    assert (
        done.returncode == 2
        and done.stderr.count("\n") == 1
        and words in done.stderr
        and "Traceback" not in done.stderr
    )


def test_no_file_of_the_corpora_makes_a_traceback(capsys):
    """Every file of both corpora through the command line, in-process: a usable file prints its counts, an unusable
    one a single line with exit 2, never an exception."""
    from helpers.cli import main
    from helpers.intake.kinds import KINDS

    files = sorted(CORPUS.iterdir()) + sorted((CORPUS.parent / "ingest").iterdir())
    for path in files:
        for kind in ("cases", "actuals", "registrations", "expenditure", "population"):
            assert kind in KINDS
            code = main(["ingest", "--kind", kind, "--file", str(path), "--json"])
            out, err = capsys.readouterr()
            assert code in (0, 2) and "Traceback" not in err, (path.name, kind)
            assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 or json.loads(out)["rows_read"] >= 0


def test_a_reader_that_stops_reading_ends_the_command_quietly(warehouse_path, tmp_path):
    """`... | head`: a JSON of 350 kB (more than a pipe holds) read for 10 characters, and a build's listing (of a data
    folder of its own: the shared warehouse is never rebuilt by a test)."""
    cases = paths.sample_dir() / "cases" / "479_svendborg" / "cases_2024-09-30.csv"
    data = _data_dir(tmp_path, {"dubu_cases_2024-09-30.csv": ("cases", "479"), "opus_actuals.csv": ("actuals", "479")})
    big = subprocess.run(
        f"{sys.executable} -m helpers forecast --cases {cases} --year 2024 --json | head -c 10; "
        f"{sys.executable} -m helpers build --show 100000 | head -n 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HELPERS_PSEUDONYM_KEY": "cli-test-key", "HELPERS_DATA_DIR": str(data)},
    )
    assert big.stdout.startswith('{"year": 2') and "ingested 2 of 2 files" in big.stdout
    assert "Traceback" not in big.stderr and "BrokenPipe" not in big.stderr


def test_another_name_of_a_column_beside_the_one_read_is_noted(tmp_path):
    """DUBU writes Takst and Pris pr dag side by side: Takst (first in the alias table) is read, and a note says so."""
    path = tmp_path / "dubu.csv"
    path.write_text(
        "CPR-nr.;Ydelsesvariant;Takst;Frekvens;Pris pr dag;Ydelse startdato;Ydelse slutdato;Kommune\n"
        "010108-4195;Anbringelse i plejefamilie;30.000,00;md.;986,30;01.01.2025;;Svendborg Kommune\n",
        encoding="utf-8",
    )
    result = ingest("cases", path, KEY)
    assert result.accepted["rate"].tolist() == [30_000.0] and result.accepted["rate_unit"].tolist() == ["month"]
    assert [(n.code, n.params["used"], n.params["others"]) for n in result.notes] == [
        ("alias_chosen", "Takst", ["'Pris pr dag'"])
    ]
    assert result.notes[0].danish() == "takst: læst fra 'Takst'; også i filen, men ikke læst: 'Pris pr dag'"
