"""Danish number and date parsing and formatting, on hand-worked examples."""

import datetime as dt

import pandas as pd
import pytest

from helpers.intake import values
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


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "1.70,5", "12.34,5", "1e5", "1,2.5"])
def test_parse_number_rejects_garbage(text):
    with pytest.raises(ValueError):
        parse_number(text)


# One parser, called two ways (one cell; a whole column as the intake reads it) and run by two executors (Python's
# `re`, DuckDB's RE2), on the same cases: where the two parsers the project had disagreed, and the common forms.
# (text, the column's decimal separator, the value; None: not a number)
CASES = [
    ("1.706,5", ",", 1706.5),
    ("1706,5", ",", 1706.5),
    ("-12.345.678,90", ",", -12345678.9),
    ("1.234,50-", ",", -1234.5),  # a trailing minus (Opus)
    ("(1.234,50)", ",", -1234.5),  # parentheses
    ("1.234,50 kr.", ",", 1234.5),
    ("DKK 100", None, 100.0),
    ("1\u00a0706,5", ",", 1706.5),
    ("1\u202f706,5", ",", 1706.5),
    ("1 706,5", ",", 1706.5),
    ("1,234.50", ".", 1234.5),  # a decimal-point column
    ("1706.5", ".", 1706.5),
    (".5", ".", 0.5),
    ("1.706", ",", 1706.0),  # a Danish column (or one Danish cell)
    ("845.500", ".", 845.5),  # a decimal-point column
    ("42", None, 42.0),
    ("+5", None, 5.0),
    ("1e5", None, None),  # no system writes amounts so
    ("1,2,3", ",", None),
    ("12.34,5", ",", None),
    ("abc", ",", None),
]


@pytest.mark.parametrize(("text", "decimal", "expected"), CASES)
@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_the_number_rules_give_the_same_with_either_executor(text, decimal, expected, engine):
    got = values.number_texts(pd.Series([text], dtype=object), decimal, engine=engine)[0]
    assert (got != got and expected is None) or got == pytest.approx(expected)


@pytest.mark.parametrize(("text", "decimal", "expected"), CASES)
def test_one_cell_and_a_column_read_a_number_alike(text, decimal, expected):
    column = pd.Series([text, text], dtype=object)
    found = values.decimal_evidence(values.evidence_text(column))
    decided = values.decide_decimal(values.evidence_text(column), decimal, found)
    as_column, errors = values.parse_numbers(column, decided)
    if expected is None:
        with pytest.raises(ValueError):
            parse_number(text, decimal)
        assert errors.notna().all()
    else:
        assert parse_number(text, decimal) == pytest.approx(expected)
        assert as_column.tolist() == pytest.approx([expected, expected]) and errors.isna().all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", dt.date(2024, 1, 31)),
        ("2024-01-31 00:00:00", dt.date(2024, 1, 31)),
        ("20240131", dt.date(2024, 1, 31)),
        ("31.01.2024", dt.date(2024, 1, 31)),
        ("31-01-2024 08:15", dt.date(2024, 1, 31)),
        ("1.2.24", dt.date(2024, 2, 1)),
        ("01.01.9999", None),
        ("31-12-9999", None),
        (dt.datetime(9999, 12, 31), None),  # a typed cell of a workbook
        (dt.datetime(2024, 5, 1), dt.date(2024, 5, 1)),
    ],
)
def test_one_cell_and_a_column_read_a_date_alike(text, expected):
    as_column, errors = values.parse_dates(pd.Series([text], dtype=object))
    assert as_column[0] == expected and errors[0] is None
    assert parse_date(text) == expected


def test_a_column_of_repeated_dates_reads_each_row_as_its_own_cell():
    """A column with repeated, impossible and open-ended dates: the values and the errors land on their own rows, for
    a CSV's text column (pandas' str) and for a workbook's mixed cells."""
    cells = ["31.02.2024", "01.02.2024", "", "01.02.2024", "31.02.2024", "01.01.9999", " 01.02.2024", None]
    index = [7, 3, 9, 1, 5, 2, 8, 4]
    expected = [None, dt.date(2024, 2, 1), None, dt.date(2024, 2, 1), None, None, dt.date(2024, 2, 1), None]
    for raw in (pd.Series(cells, index=index, dtype="str"), pd.Series([*cells[:-1], 45323], index=index, dtype=object)):
        read, errors = values.parse_dates(raw)
        assert list(read.index) == index and list(errors.index) == index
        assert list(read)[:-1] == expected[:-1]
        assert [e is not None for e in errors] == [True, False, False, False, True, False, False, False]
        assert "31.02.2024" in str(errors[7]) and "31.02.2024" in str(errors[5])
    assert read[4] == dt.date(2024, 2, 1)  # Excel's serial 45323 in the mixed column


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
