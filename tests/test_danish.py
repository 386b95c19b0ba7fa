"""Danish number and date parsing and formatting, on hand-worked examples."""

import datetime as dt

import pytest

from helpers.intake.values import parse_date, parse_number
from helpers.render.formats import format_date, format_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.706,5", 1706.5),
        ("1706,5", 1706.5),
        ("1706.5", 1706.5),
        ("1.706", 1706.0),
        ("-12.345.678,90", -12345678.9),
        ("0,5", 0.5),
        ("42", 42.0),
        (" 3,5 ", 3.5),
        ("1\u00a0706,5", 1706.5),
    ],
)
def test_parse_number_reads_danish_and_plain_formats(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.70,5", "12.34,5"])
def test_parse_number_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", dt.date(2024, 1, 31)),
        ("31.01.2024", dt.date(2024, 1, 31)),
        ("1.2.2024", dt.date(2024, 2, 1)),
        ("01.01.9999", None),
        ("9999-12-31", None),
        ("", None),
        ("29.02.2024", dt.date(2024, 2, 29)),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.2024", "2023-02-29", "13/13/2024", "yesterday"])
def test_parse_date_rejects_impossible_dates(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_format_number_uses_danish_separators():
    assert format_number(1706.5, 1) == "1.706,5"
    assert format_number(1234567.891, 2) == "1.234.567,89"
    assert format_number(-0.5, 1) == "-0,5"
    assert format_number(2.0, 2, thousands=False) == "2,00"
    assert format_number(float("nan")) == ""


def test_format_date_writes_sentinel_for_open_ended():
    assert format_date(dt.date(2024, 3, 1)) == "01.03.2024"
    assert format_date(None) == "01.01.9999"


def test_danish_alphabetical_order_puts_aa_with_aa_after_oe():
    from helpers.render.formats import danish_key

    names = ["Aarhus", "Ærø", "Albertslund", "Aabenraa", "Ødsherred", "Faaborg-Midtfyn", "Furesø", "Århus"]
    assert sorted(names, key=danish_key) == [
        "Albertslund",
        "Furesø",
        "Faaborg-Midtfyn",
        "Ærø",
        "Ødsherred",
        "Aabenraa",
        "Aarhus",
        "Århus",
    ]
