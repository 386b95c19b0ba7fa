"""CPR parsing (century rule, sex), keyed pseudonyms and the key file."""

import datetime as dt
import os
import stat

import numpy as np
import pytest

from helpers.intake import privacy


@pytest.mark.parametrize(
    ("cpr", "born", "sex"),
    [
        ("010203-1235", dt.date(1903, 2, 1), "M"),  # 7th digit 1: 1900s
        ("150537-4002", dt.date(1937, 5, 15), "K"),  # 4 with year >= 37: 1900s
        ("150536-4002", dt.date(2036, 5, 15), "K"),  # 4 with year <= 36: 2000s
        ("311257-5001", dt.date(2057, 12, 31), "M"),  # 5-8 with year <= 57: 2000s
        ("311258-8001", dt.date(1858, 12, 31), "M"),  # 5-8 with year >= 58: 1800s
        ("290200-9998", dt.date(2000, 2, 29), "K"),  # 9 with year <= 36: 2000s, leap day
        ("0101901234", dt.date(1990, 1, 1), "K"),  # without the dash
    ],
)
def test_parse_cpr_derives_birth_date_and_sex(cpr, born, sex):
    assert privacy.parse_cpr(cpr) == (born, sex)


@pytest.mark.parametrize("cpr", ["320190-1234", "290201-1234", "12345", "abcdef-ghij", "010190-12345"])
def test_parse_cpr_rejects_impossible_numbers(cpr):
    with pytest.raises(privacy.CprError):
        privacy.parse_cpr(cpr)


def test_pseudonym_is_keyed_stable_and_ignores_dash():
    a = privacy.pseudonymise("010190-1234", b"k1")
    assert a == privacy.pseudonymise("0101901234", b"k1")
    assert a != privacy.pseudonymise("010190-1234", b"k2")
    assert a != privacy.pseudonymise("010190-1235", b"k1")
    assert "010190" not in a and len(a) == 17


def test_synthetic_cpr_round_trips_through_the_century_rule():
    rng = np.random.default_rng(1)
    for born in (
        dt.date(1950, 6, 1),
        dt.date(1999, 12, 31),
        dt.date(2001, 1, 1),
        dt.date(2010, 7, 4),
        dt.date(2040, 3, 3),
    ):
        for sex in ("M", "K"):
            assert privacy.parse_cpr(privacy.synthetic_cpr(born, sex, rng)) == (born, sex)


def test_key_file_created_once_outside_repo_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setenv(privacy.KEY_FILE_ENV, str(tmp_path / "sub" / "pseudonym.key"))
    first = privacy.load_key()
    assert len(first) == 64
    assert privacy.load_key() == first
    mode = os.stat(tmp_path / "sub" / "pseudonym.key").st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_key_from_environment_wins(monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, "abc")
    assert privacy.load_key() == b"abc"
