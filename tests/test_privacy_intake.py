"""CPR numbers in every spelling and every column are pseudonymised or replaced at ingestion; other direct identifiers
are never read; messages show at most DDMMYY-xxxx."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import helpers_cli
from helpers.intake import privacy
from helpers.intake.ingest import ingest
from helpers.intake.readers import ExtractError

CORPUS = Path(__file__).parent / "data" / "real_format"
KEY = b"privacy-test-key"
CPR = re.compile(r"(?<![0-9])[0-3][0-9][01][0-9]{3}[ \-\u2010-\u2015]?[0-9]{4}(?![0-9])|(?<![0-9])[0-9]{9}(?![0-9])")


def _text_of(result) -> str:
    return (
        result.accepted.astype(str).to_csv()
        + result.rejected.to_csv()
        + json.dumps(result.summary(), ensure_ascii=False, default=str)
    )


def test_cpr_spellings_give_one_pseudonym_and_cprs_in_other_columns_are_replaced():
    result = ingest("cases", CORPUS / "cpr_everywhere.csv", KEY, keep=("Bemærkning",))
    assert len(result.accepted) == 5 and len(result.rejected) == 0
    assert set(result.accepted["case_id"]) == {
        privacy.pseudonymise("010108-4195", KEY)
    }  # hyphen, en dash, space, 9 digits, spaces
    assert result.accepted["provider"].iloc[0] == "Plejefar [CPR]"
    assert result.accepted["kept_bemaerkning"].iloc[0] == "ring til [CPR]"
    assert (
        result.accepted["caseworker"].str.match(r"SB-[0-9a-f]{6}$").all()
    )  # keyed pseudonyms, not initials or a number
    assert result.summary()["cpr_replaced"] == {"Leverandør": 1, "Sagsbehandler": 1, "Bemærkning": 1}
    assert not CPR.search(_text_of(result))


def test_names_phones_and_notes_are_never_read_unless_kept():
    result = ingest("cases", CORPUS / "cpr_everywhere.csv", KEY)
    text = _text_of(result)
    assert "Anna" not in text and "Hansen" not in text and "20304050" not in text and "ring til" not in text
    assert not any(c.startswith("kept_") for c in result.accepted.columns)


def test_a_cpr_used_as_case_id_is_pseudonymised_and_counted():
    result = ingest("cases", CORPUS / "cpr_as_case_id.csv", KEY)
    assert result.accepted["case_id"].tolist() == [privacy.pseudonymise("020210-4006", KEY), "A-17"]
    assert result.summary()["cpr_replaced"] == {"Sagsnummer": 1}


def test_messages_mask_cprs_in_values_reasons_and_header_listings(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "cpr;measure;rate;rate_unit;start_date;end_date;status\n320190-1234;sel_107;1,0;day;01.01.2024;;current\n",
        encoding="utf-8",
    )
    result = ingest("cases", bad, KEY)
    assert result.errors[0]["value"] == "320190-xxxx" and "1234" not in json.dumps(result.summary())
    odd = tmp_path / "odd.csv"
    odd.write_text("010108-4195;sel_107;1,0\n", encoding="utf-8")  # no header: the first data row is not echoed in full
    with pytest.raises(ExtractError) as exc:
        ingest("cases", odd, KEY)
    assert "010108-xxxx" in str(exc.value) and "4195" not in str(exc.value)
    done = helpers_cli(
        "ingest", "--kind", "cases", "--file", str(odd), env={**os.environ, "HELPERS_PSEUDONYM_KEY": "k"}
    )
    assert done.returncode == 2 and "4195" not in done.stderr and "010108-xxxx" in done.stderr
