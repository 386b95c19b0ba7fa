"""Ingestion on a corpus of bad files: every row accepted or quarantined with file line, column, value, reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import helpers_cli
from helpers.intake import privacy
from helpers.intake.ingest import KINDS, ingest
from helpers.intake.readers import ExtractError

CORPUS = Path(__file__).parent / "data" / "ingest"
KEY = b"test-key"


def _data_lines(path: Path) -> set[int]:
    """Line numbers (header = 1) of the non-empty data lines of a one-record-per-line CSV."""
    text = path.read_bytes().decode("latin-1")
    return {i for i, line in enumerate(text.splitlines(), start=1) if i > 1 and line.strip()}


def _reconciles(result, path: Path) -> None:
    """Nothing is lost: every data line is accepted or quarantined, once."""
    accepted = set(result.accepted["source_line"])
    rejected = set(result.rejected["line"])
    assert not accepted & rejected
    assert accepted | rejected == _data_lines(path)
    assert result.rows_read == len(result.accepted) + len(result.rejected)


def test_cases_each_bad_row_is_quarantined_with_its_reason():
    path = CORPUS / "cases_bad_rows.csv"
    result = ingest("cases", path, key=KEY)
    _reconciles(result, path)
    reasons = {e["line"]: e for e in result.errors}
    assert reasons[3]["column"] == "rate" and "negative" in reasons[3]["reason"] and reasons[3]["value"] == "-12.000,00"
    assert reasons[5]["column"] == "start_date" and "31.02.2024" in reasons[5]["reason"]
    assert reasons[6]["column"] == "end_date" and "before start" in reasons[6]["reason"]
    assert reasons[7]["column"] == "cpr" and reasons[7]["value"] == "320190-xxxx"
    assert reasons[8]["column"] == "measure" and reasons[8]["reason"] == "missing value"
    assert reasons[11]["column"] == "probability"
    assert (
        4 not in reasons and 9 not in reasons and 10 not in reasons
    )  # a weekly rate, an unfamiliar measure or status: kept
    assert "duplicate of line 2" in reasons[12]["reason"]
    assert reasons[15]["column"] == "(row)" and "fields" in reasons[15]["reason"]
    assert sorted(result.accepted["source_line"]) == [2, 4, 9, 10, 13, 14]
    rows = result.accepted.set_index("source_line")
    assert (rows.loc[4, "rate"], rows.loc[4, "rate_unit"]) == (1800.0, "week")  # uge: kept as given, costed / 7
    assert (rows.loc[9, "measure"], rows.loc[9, "measure_raw"]) == ("unmapped", "sel_999")
    assert (rows.loc[10, "status"], rows.loc[10, "status_raw"]) == ("unmapped", "maybe")
    assert {(u["column"], u["value"], u["rows"]) for u in result.unmapped} == {
        ("measure", "sel_999", 1),
        ("status", "maybe", 1),
    }


def test_cases_accepted_rows_are_parsed_and_pseudonymised():
    result = ingest("cases", CORPUS / "cases_bad_rows.csv", key=KEY)
    rows = result.accepted.set_index("source_line")
    assert "cpr" not in result.accepted.columns
    assert rows.loc[2, "case_id"] == privacy.pseudonymise("010190-1233", KEY)
    assert str(rows.loc[2, "birth_date"]) == "1990-01-01" and rows.loc[2, "cpr_sex"] == "M"
    assert rows.loc[2, "rate"] == 2150.5 and rows.loc[2, "end_date"] is None  # 01.01.9999 is open-ended
    assert rows.loc[13, "probability"] == 0.5 and rows.loc[13, "status"] == "expected"
    assert rows.loc[2, "probability"] == 1.0  # default for current cases
    assert rows.loc[14, "end_date"] is None  # 9999-12-31 sentinel
    # No CPR number survives anywhere in what ingestion returns.
    text = result.accepted.to_csv() + result.rejected.to_csv() + json.dumps(result.summary(), default=str)
    assert not privacy.CPR_PATTERN.search(text.replace(";", " ")) and "1233" not in text


def test_latin1_with_danish_headers_and_synonyms():
    result = ingest("cases", CORPUS / "cases_latin1_danish_headers.csv", key=KEY)
    assert result.rows_read == 2 and len(result.accepted) == 2
    rows = result.accepted.set_index("source_line")
    assert rows.loc[2, "rate_unit"] == "day" and rows.loc[3, "rate_unit"] == "month"
    assert rows.loc[3, "rate"] == 12000.0 and rows.loc[3, "status"] == "expected"
    assert rows.loc[2, "provider"] == "Bostedet Ærø"


def test_utf8_bom_comma_separated_with_case_id():
    result = ingest("cases", CORPUS / "cases_bom_comma_case_id.csv", key=KEY)
    assert len(result.accepted) == 2 and result.accepted["case_id"].tolist() == [
        "P00000000000000a1",
        "P00000000000000a2",
    ]
    assert result.accepted["probability"].tolist() == [1.0, 0.75]


def test_xlsx_is_read_with_sheet_row_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["cpr", "measure", "rate", "rate_unit", "start_date", "end_date", "status"])
    import datetime as dt

    ws.append(["010190-1233", "sel_107", 2150.5, "day", dt.datetime(2024, 1, 1), None, "current"])
    ws.append(["020285-1122", "sel_107", -5, "day", dt.datetime(2024, 1, 1), None, "current"])
    path = tmp_path / "cases.xlsx"
    wb.save(path)
    result = ingest("cases", path, key=KEY)
    assert result.accepted["source_line"].tolist() == [2]
    assert result.errors == [
        {
            "line": 3,
            "column": "rate",
            "value": "-5",
            "code": "negative_amount",
            "params": {"value": "-5"},
            "reason": "negative amount: '-5'",
        }
    ]


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            "cases_missing_columns.csv",
            "missing required column(s) for kind cases: rate_unit (or a rate named per day or per month)",
        ),
        ("empty.csv", "empty"),
        ("binary_no_bom.csv", "cannot be decoded"),
    ],
)
def test_unusable_files_raise_with_file_name(file, message):
    with pytest.raises(ExtractError) as exc:
        ingest("cases", CORPUS / file, key=KEY)
    assert message in str(exc.value) and file in str(exc.value)


def test_header_only_file_reads_zero_rows():
    result = ingest("cases", CORPUS / "cases_header_only.csv", key=KEY)
    assert (result.rows_read, len(result.accepted), len(result.rejected)) == (0, 0, 0)


def test_expenditure_bad_rows():
    path = CORPUS / "expenditure_bad.csv"
    result = ingest("expenditure", path)
    _reconciles(result, path)
    reasons = {e["line"]: e for e in result.errors}
    assert "duplicate of line 2" in reasons[3]["reason"]
    assert reasons[4]["column"] == "kommunekode" and "unknown municipality" in reasons[4]["reason"]
    assert reasons[5]["column"] == "funktion"
    assert reasons[6]["column"] == "nettodrift_1000_kr" and reasons[6]["value"] == "mange penge"
    assert reasons[8]["column"] == "aar"
    good = result.accepted.set_index("source_line")
    assert good.loc[7, "amount_1000_kr"] == 1706.5 and good.loc[7, "account_group"] == "001"


def test_users_bad_rows():
    path = CORPUS / "users_bad.csv"
    result = ingest("users", path)
    _reconciles(result, path)
    reasons = {e["line"]: e["reason"] for e in result.errors}
    assert "duplicate of line 2" in reasons[3]
    assert "unknown measure group for area adults" in reasons[5]
    assert "negative" in reasons[6]
    rows = result.accepted.set_index("source_line")
    assert rows.loc[4, "area"] == "children"  # 'boern' is a synonym
    assert rows.loc[7, "municipality_code"] == "101"  # 4-digit DAWA code accepted


def test_registrations_sequence_rules():
    path = CORPUS / "registrations_bad.csv"
    result = ingest("registrations", path, key=KEY)
    _reconciles(result, path)
    reasons = {e["line"]: e for e in result.errors}
    assert 4 not in reasons and any(
        "registration(s) 3 missing before registration 4" in n.english() for n in result.notes
    )  # a gap
    assert reasons[6]["column"] == "registration_date" and "not after registration 1" in reasons[6]["reason"]
    assert reasons[7]["column"] == "vum_score" and reasons[7]["value"] == "5"
    rows = result.accepted.set_index("source_line")
    assert rows.loc[5, "vum_score"] == 3.5 and rows.loc[5, "goals_set"] == "yes"
    assert rows.loc[8, "vum_score"] is None or rows.loc[8, "vum_score"] != rows.loc[8, "vum_score"]  # not assessed


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_reports_missing_columns(tmp_path, kind):
    path = tmp_path / "x.csv"
    path.write_text("unrelated;columns\n1;2\n")
    with pytest.raises(ExtractError, match="missing required column"):
        ingest(kind, path, key=KEY)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return helpers_cli(*args)


def test_cli_json_and_exit_codes():
    ok = _cli("ingest", "--kind", "cases", "--file", str(CORPUS / "cases_bad_rows.csv"), "--json")
    assert ok.returncode == 0, ok.stderr
    out = json.loads(ok.stdout)
    assert {"rows_read", "accepted", "rejected", "errors"} <= set(out)
    assert (out["rows_read"], out["accepted"], out["rejected"]) == (14, 6, 8) and out["unmapped_rows"] == 2
    assert {"line", "column", "value", "code", "params", "reason"} == set(out["errors"][0])

    missing = _cli("ingest", "--kind", "cases", "--file", str(CORPUS / "cases_missing_columns.csv"), "--json")
    assert missing.returncode == 2
    assert (
        "cases_missing_columns.csv" in missing.stderr
        and "rate_unit (or a rate named per day or per month)" in missing.stderr
    )
    assert "Traceback" not in missing.stderr and missing.stderr.count("\n") == 1

    absent = _cli("ingest", "--kind", "cases", "--file", "/nonexistent/file.csv")
    assert absent.returncode == 2 and "no such file" in absent.stderr and "Traceback" not in absent.stderr
