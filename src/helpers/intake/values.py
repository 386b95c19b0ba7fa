"""Whole columns of raw cells to typed values, vectorised: numbers as Danish and other systems write them, dates and
months in the common forms. Each parser returns (values, errors): `errors` holds a reason where a cell is unusable.

Cells from XLSX arrive typed (numbers, datetimes) and are taken as typed; text cells are parsed.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

SENTINEL_YEAR = 9999  # open-ended periods carry 01.01.9999, 9999-12-31 ...
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
MONTHS_DA = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "maj": 5,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}


class Ambiguous(ValueError):
    """A column whose decimal separator cannot be decided from its values."""


def nones(index: pd.Index) -> pd.Series:
    """An object column of None (pandas 3 turns Series(None, dtype=object) into NaN)."""
    return pd.Series([None] * len(index), index=index, dtype=object)


def _is_text(raw: pd.Series) -> pd.Series:
    if pd.api.types.infer_dtype(raw, skipna=False) == "string":
        return pd.Series(True, index=raw.index)
    return raw.map(lambda v: isinstance(v, str))


def _text(raw: pd.Series) -> pd.Series:
    """The cells as stripped text ('' for missing), whatever their type."""
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):  # all text (CSV): no per-cell type checks
        return raw.fillna("").astype(object).str.strip()

    def text(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return raw.map(text)


# -- numbers -----------------------------------------------------------------------------------------------------------

_COMMA_DECIMAL = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$|^[+-]?\d+,(\d{1,2}|\d{4,})$|^[+-]?\d{1,3}(\.\d{3}){2,}$")
_DOT_DECIMAL = re.compile(
    r"^[+-]?\d{1,3}(,\d{3})+\.\d+$|^[+-]?\d*\.(\d{1,2}|\d{4,})$|^[+-]?\d{1,3}(,\d{3}){2,}$|^[+-]?\d{4,}\.\d+$"
)
_AMBIGUOUS = re.compile(r"^[+-]?\d{1,3}[.,]\d{3}$")


def _has_separator(text: pd.Series) -> np.ndarray:
    """Which texts hold a comma or a point (one pass in C through numpy's string functions)."""
    joined = "".join(text.to_numpy(dtype=object))
    if "," not in joined and "." not in joined:  # whole numbers only, the common case: no per-text work
        return np.zeros(len(text), dtype=bool)
    chars = text.to_numpy(dtype=str)
    return (np.char.find(chars, ",") >= 0) | (np.char.find(chars, ".") >= 0) if len(chars) else np.zeros(0, dtype=bool)


def evidence_text(text: pd.Series) -> pd.Series:
    """The texts of a column that can tell its decimal separator (those holding a comma or a point)."""
    return text[_has_separator(text)]


def decimal_evidence(text: pd.Series) -> tuple[bool, bool, bool]:
    """Whether a column's cleaned number texts say comma decimal, dot decimal, and whether some are ambiguous ('845.500')."""
    if text.empty:
        return False, False, False
    con = _duck()
    con.register("_evidence", pd.DataFrame({"t": text.to_numpy(dtype=object)}))
    try:
        found = con.execute(
            f"with cleaned as (select {_CLEAN_SQL.format(column='t')} as t from _evidence) "
            "select bool_or(regexp_matches(t, ?)), bool_or(regexp_matches(t, ?)), bool_or(regexp_matches(t, ?)) "
            "from cleaned",
            [_COMMA_DECIMAL.pattern, _DOT_DECIMAL.pattern, _AMBIGUOUS.pattern],
        ).fetchall()[0]
    finally:
        con.unregister("_evidence")
    return tuple(bool(v) for v in found)


def decide_decimal(
    text: pd.Series, hint: str | None = None, evidence: tuple[bool, bool, bool] | None = None
) -> str | None:
    """',' or '.' for a column from all its values; `hint` (an override or the file's convention) decides what they
    leave open; None when no value needs deciding. Raises Ambiguous when the values contradict each other or stay open."""
    comma, dot, ambiguous = evidence or decimal_evidence(text)
    if comma and dot:
        raise Ambiguous("the column mixes decimal commas and decimal points")
    if comma or dot:
        return "," if comma else "."
    if not ambiguous:
        return None
    if hint:
        return hint
    separated = evidence_text(text)
    example = separated[separated.str.match(_AMBIGUOUS)].iloc[0]
    raise Ambiguous(
        f"'{example}' can be read with a decimal comma or a decimal point (give --decimal , or --decimal .)"
    )


_DUCK = None
# currency and spaces out, a trailing minus or parentheses as a leading minus
_CLEAN_SQL = r"""regexp_replace(regexp_replace(regexp_replace(regexp_replace(trim({column}), '(?i)\s*(kr\.?|dkk)\s*', '', 'g'),
    '[\s\x{{00a0}}\x{{202f}}'']', '', 'g'), '^\((.*)\)$', '-\1'), '^([^-]*\d)-$', '-\1')"""


def _duck():
    """One in-memory DuckDB connection per process for vectorised text work (RE2 regular expressions run in C)."""
    global _DUCK
    if _DUCK is None:
        import duckdb

        _DUCK = duckdb.connect()
        _DUCK.execute("set threads to 1")
    return _DUCK


def _numbers_sql(text: pd.Series, decimal: str | None) -> pd.DataFrame:
    """Clean and convert number texts in DuckDB: (value, ok) per text, in order."""
    if decimal == ",":
        shape, normal = r"(\d{1,3}(\.\d{3})+|\d+)(,\d+)?", "replace(replace(t, '.', ''), ',', '.')"
    elif decimal == ".":
        shape, normal = r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|\.\d+", "replace(t, ',', '')"
    else:
        shape, normal = r"\d+", "t"
    frame = pd.DataFrame({"raw": text.to_numpy(dtype=object)})
    sql = f"""
        with cleaned as (select row_number() over () as i, {_CLEAN_SQL.format(column="raw")} as c from _numbers),
        signed as (select i, starts_with(c, '-') as negative, ltrim(c, '+-') as t from cleaned)
        select case when regexp_full_match(t, '{shape}') and regexp_matches(t, '^[0-9.]') then try_cast({normal} as double) end
                   * case when negative then -1 else 1 end as value
        from signed order by i"""
    con = _duck()
    con.register("_numbers", frame)
    try:
        return con.execute(sql).df()
    finally:
        con.unregister("_numbers")


NO_SEPARATORS = "none"  # a column's decision when none of its texts holds a comma or a point: whole numbers, no checks


def parse_numbers(raw: pd.Series, decimal: str | None) -> tuple[pd.Series, pd.Series]:
    """Numbers from typed cells or text in the column's decimal convention (',' or '.'; None: only whole numbers seen;
    NO_SEPARATORS: no text holds a separator, so whole numbers need no separator check)."""
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    errors = nones(raw.index)
    typed = raw.map(lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool))
    values[typed] = raw[typed].astype("float64")
    is_text = _is_text(raw) & ~typed
    plain_text = _text(raw[is_text])
    quick = pd.to_numeric(plain_text, errors="coerce")  # whole numbers without separators, the common case
    if decimal != NO_SEPARATORS:
        quick = quick.where(~_has_separator(plain_text))
    decimal = None if decimal == NO_SEPARATORS else decimal
    values[quick.dropna().index] = quick.dropna()
    is_text = is_text & values.isna()
    if not is_text.any():  # every text was a plain whole number
        return values, errors
    number = pd.Series(
        _numbers_sql(_text(raw[is_text]), decimal)["value"].to_numpy(), index=raw.index[is_text], dtype="float64"
    )
    values[is_text] = number
    bad = is_text & values.isna() & (_text(raw) != "")
    errors[bad] = [f"not a number: {v!r}" for v in _text(raw[bad])]
    return values, errors


# -- dates ----------------------------------------------------------------------------------------------------------------

_DATE_FORMS = (
    (re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"), False),
    (re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"), False),
    (re.compile(r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{4})(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?$"), False),
    (re.compile(r"^(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?P<y>\d{2})$"), True),
)


def parse_dates(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates (datetime.date, None for empty or open-ended sentinels) from typed cells, Excel serial numbers or text:
    ISO with or without time, yyyymmdd, d.m.yyyy, d/m/yyyy, d-m-yyyy (day first) and d.m.yy (00-69: 2000s)."""
    values = nones(raw.index)
    errors = nones(raw.index)
    stamps = raw.map(lambda v: isinstance(v, (dt.date, dt.datetime, pd.Timestamp)))
    values[stamps] = [pd.Timestamp(v).date() for v in raw[stamps]]
    serial = raw.map(
        lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and not pd.isna(v)
    )
    if serial.any():
        days = raw[serial].astype("float64")
        ok = days.between(1, 2958465)  # Excel's 01.01.1900 .. 31.12.9999
        values[serial & ok.reindex(raw.index, fill_value=False)] = [
            (EXCEL_EPOCH + pd.Timedelta(days=int(d))).date() for d in days[ok]
        ]
        errors[serial & ~ok.reindex(raw.index, fill_value=True)] = "not a date (an Excel serial number out of range)"
    text = _text(raw[~stamps & ~serial])
    text = text[text != ""]
    year = pd.Series(np.nan, index=text.index)
    month, day = year.copy(), year.copy()
    for pattern, two_digit in _DATE_FORMS:
        todo = year.isna()
        parts = text[todo].str.extract(pattern).astype("float64")
        if two_digit:
            parts["y"] = np.where(parts["y"] < 70, 2000 + parts["y"], 1900 + parts["y"])
        year[todo], month[todo], day[todo] = parts["y"], parts["m"], parts["d"]
    sentinel = year >= SENTINEL_YEAR
    real = year.notna() & ~sentinel
    parsed = pd.to_datetime(pd.DataFrame({"year": year[real], "month": month[real], "day": day[real]}), errors="coerce")
    good = parsed.notna()
    values[good[good].index] = [d.date() for d in parsed[good]]
    bad = list(parsed[~good].index) + list(year[year.isna()].index)
    errors[bad] = [f"impossible or unreadable date: {raw[i]!r}" for i in bad]
    return values, errors


def parse_months(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booking months as 'YYYY-MM' from 202410, 2024-10, 2024/10, 2024M10, 'okt 2024', 10-2024, 10.2024 or a date."""
    values = nones(raw.index)
    errors = nones(raw.index)
    stamps = raw.map(lambda v: isinstance(v, (dt.date, dt.datetime, pd.Timestamp)))
    values[stamps] = [f"{pd.Timestamp(v):%Y-%m}" for v in raw[stamps]]
    text = _text(raw[~stamps]).str.lower().str.replace(r"\.0$", "", regex=True)
    text = text[text != ""]
    year = pd.Series(np.nan, index=text.index)
    month = year.copy()
    for pattern in (r"^(?P<y>\d{4})[-/m]?(?P<m>\d{1,2})$", r"^(?P<m>\d{1,2})[-./](?P<y>\d{4})$"):
        todo = year.isna()
        parts = text[todo].str.extract(pattern).astype("float64")
        year[todo], month[todo] = parts["y"], parts["m"]
    named = year.isna() & text.str.match(r"^[a-zæøå]{3}")
    if named.any():
        parts = text[named].str.extract(r"^(?P<name>[a-zæøå]{3})[a-zæøå]*\.?\s*(?P<y>\d{4})$")
        month[named] = parts["name"].map(MONTHS_DA)
        year[named] = pd.to_numeric(parts["y"], errors="coerce")
    good = year.notna() & month.between(1, 12)
    values[good[good].index] = [f"{int(y):04d}-{int(m):02d}" for y, m in zip(year[good], month[good])]
    bad = good[~good].index
    errors[bad] = [f"not a month (YYYY-MM): {raw[i]!r}" for i in bad]
    return values, errors
