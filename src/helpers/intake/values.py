"""The one Danish number and date parser: whole columns of raw cells to typed values, vectorised, and single cells by
the same rules (`parse_number`, `parse_date`). Numbers as Danish and other systems write them (the decimal separator
decided per column), dates and months in the common forms. Each column parser returns (values, errors): `errors`
holds a Message where a cell is unusable.

Cells from a workbook arrive typed (numbers, datetimes) and are taken as typed; text cells are parsed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from helpers.intake.messages import msg

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
    """A column whose decimal separator cannot be decided from its values (its argument a Message)."""


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


_DUCK = None
# One set of rules for reading a number text, run by two executors: DuckDB's RE2 for long columns (in C) and Python's
# `re` for short ones and single cells (no query overhead). tests/test_danish.py runs the same cases through both.
# Cleaning, in order: currency and the spaces around it out; spaces (also no-break and narrow no-break) and apostrophes
# as thousands separators out; parentheses as a leading minus; a trailing minus as a leading minus.
_CLEAN_STEPS = (
    (r"(?i)\s*(kr\.?|dkk)\s*", ""),
    (r"[\s\u00a0\u202f']", ""),
    (r"^\((.*)\)$", r"-\1"),
    (r"^([^-]*\d)-$", r"-\1"),
)
# the shape a number must have in a column's decimal convention, and how it becomes a plain number
_SHAPES = {
    ",": (r"(\d{1,3}(\.\d{3})+|\d+)(,\d+)?", (("\\.", ""), (",", "."))),
    ".": (r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|\.\d+", ((",", ""),)),
    None: (r"\d+", ()),
}
_PYTHON_LIMIT = 2000  # distinct texts up to which Python's `re` is faster than a DuckDB query


def _re2(pattern: str) -> str:
    """A Python pattern in RE2's spelling (\\uXXXX as \\x{XXXX})."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", r"\\x{\1}", pattern)


def _clean_sql(column: str) -> str:
    sql = f"trim({column})"
    for pattern, replacement in _CLEAN_STEPS:
        quoted = _re2(pattern).replace("'", "''")
        sql = f"regexp_replace({sql}, '{quoted}', '{replacement}', 'g')"
    return sql


def clean_number_text(text: str) -> str:
    """A number text as the rules clean it: '1.234,50 kr.' -> '1.234,50', '(1.234,50)' -> '-1.234,50'."""
    text = text.strip()
    for pattern, replacement in _CLEAN_STEPS:
        text = re.sub(pattern, replacement, text)
    return text


def _duck():
    """One in-memory DuckDB connection per process for vectorised text work (RE2 regular expressions run in C)."""
    global _DUCK
    if _DUCK is None:
        import duckdb

        _DUCK = duckdb.connect()
        _DUCK.execute("set threads to 1")
    return _DUCK


def _evidence_python(text: pd.Series) -> tuple[bool, bool, bool]:
    cleaned = [clean_number_text(t) for t in text]
    return tuple(any(p.search(t) for t in cleaned) for p in (_COMMA_DECIMAL, _DOT_DECIMAL, _AMBIGUOUS))


def decimal_evidence(text: pd.Series, engine: str | None = None) -> tuple[bool, bool, bool]:
    """Whether a column's cleaned number texts say comma decimal, dot decimal, and whether some are ambiguous ('845.500').
    `engine` ('python' or 'duckdb') forces an executor; by default the short way is taken."""
    if text.empty:
        return False, False, False
    if (engine or ("python" if len(text) <= _PYTHON_LIMIT else "duckdb")) == "python":
        return _evidence_python(text)
    con = _duck()
    con.register("_evidence", pd.DataFrame({"t": text.to_numpy(dtype=object)}))
    try:
        found = con.execute(
            f"with cleaned as (select {_clean_sql('t')} as t from _evidence) "
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
        raise Ambiguous(msg("mixed_decimals"))
    if comma or dot:
        return "," if comma else "."
    if not ambiguous:
        return None
    if hint:
        return hint
    separated = evidence_text(text)
    example = separated[separated.str.match(_AMBIGUOUS)].iloc[0]
    raise Ambiguous(msg("ambiguous_decimal", value=example))


def _number_python(text: str, decimal: str | None) -> float:
    """One text as a number by the rules (NaN when it has not the shape of one)."""
    cleaned = clean_number_text(text)
    negative = cleaned.startswith("-")
    plain = cleaned.lstrip("+-")
    shape, steps = _SHAPES[decimal]
    if not re.fullmatch(shape, plain) or not re.match(r"^[0-9.]", plain):
        return np.nan
    for old, new in steps:
        plain = re.sub(old, new, plain)
    try:
        return -float(plain) if negative else float(plain)
    except ValueError:
        return np.nan


def _numbers_sql(text: pd.Series, decimal: str | None) -> np.ndarray:
    """Clean and convert number texts in DuckDB, in order (NaN where a text has not the shape of a number)."""
    shape, steps = _SHAPES[decimal]
    normal = "t"
    for old, new in steps:
        normal = f"replace({normal}, '{old.replace(chr(92), '')}', '{new}')"
    frame = pd.DataFrame({"raw": text.to_numpy(dtype=object)})
    sql = f"""
        with cleaned as (select row_number() over () as i, {_clean_sql("raw")} as c from _numbers),
        signed as (select i, starts_with(c, '-') as negative, ltrim(c, '+-') as t from cleaned)
        select case when regexp_full_match(t, '{shape}') and regexp_matches(t, '^[0-9.]') then try_cast({normal} as double) end
                   * case when negative then -1 else 1 end as value
        from signed order by i"""
    con = _duck()
    con.register("_numbers", frame)
    try:
        return con.execute(sql).df()["value"].to_numpy(dtype="float64", na_value=np.nan)
    finally:
        con.unregister("_numbers")


def number_texts(text: pd.Series, decimal: str | None, engine: str | None = None) -> np.ndarray:
    """Number texts as floats in a decimal convention (',' '.' or None for whole numbers only), NaN where one is not
    a number. `engine` ('python' or 'duckdb') forces an executor; by default the short way is taken."""
    if (engine or ("python" if len(text) <= _PYTHON_LIMIT else "duckdb")) == "python":
        return np.array([_number_python(t, decimal) for t in text], dtype="float64")
    return _numbers_sql(text, decimal)


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
    whole = plain_text.str.fullmatch(r"[+-]?\d+").fillna(False).astype(bool)  # not '1e5', 'inf' or 'nan'
    quick = pd.to_numeric(plain_text.where(whole), errors="coerce")  # whole numbers without separators, the common case
    if decimal != NO_SEPARATORS:
        quick = quick.where(~_has_separator(plain_text))
    decimal = None if decimal == NO_SEPARATORS else decimal
    values[quick.dropna().index] = quick.dropna()
    is_text = is_text & values.isna()
    if not is_text.any():  # every text was a plain whole number
        return values, errors
    values[is_text] = number_texts(_text(raw[is_text]), decimal)
    bad = is_text & values.isna() & (_text(raw) != "")
    errors[bad] = [msg("not_a_number", value=v) for v in _text(raw[bad])]
    return values, errors


def parse_number_texts(text: pd.Series, hint: str | None = ",") -> tuple[pd.Series, pd.Series]:
    """Numbers of a column of texts, its decimal separator decided from all its values (`hint` where they leave it
    open; Danish by default), with an error per unreadable cell. Raises Ambiguous when the values contradict each other."""
    return parse_numbers(text, decide_decimal(evidence_text(text), hint=hint))


@lru_cache(maxsize=65536)
def parse_number(text: str, decimal: str | None = None) -> float:
    """One number as a Danish reader writes it, by the same rules as a column: `1.706,5`, `1706,5`, `1.234,50-`,
    `(1.234,50)`, `1.234,50 kr.`; `1706.5` (a decimal point where nothing else fits). `decimal` decides what the text
    leaves open; by default a Danish text: `1.706` is 1706. Raises ValueError (its message a Message) on anything else."""
    series = pd.Series([str(text)], dtype=object)
    if not series[0].strip():
        raise ValueError(msg("missing_value"))
    try:
        value, error = parse_number_texts(series, decimal or ",")
    except Ambiguous as exc:
        raise ValueError(exc.args[0]) from None
    if error[0] is not None:
        raise ValueError(error[0])
    return float(value[0])


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
    # a typed date is taken as it is; 31.12.9999 typed in a workbook is open-ended (and beyond pandas' Timestamp)
    values[stamps] = [
        None if v.year >= SENTINEL_YEAR else v.date() if isinstance(v, dt.datetime) else v for v in raw[stamps]
    ]
    serial = raw.map(
        lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and not pd.isna(v)
    )
    if serial.any():
        days = raw[serial].astype("float64")
        ok = days.between(1, 2958465)  # Excel's 01.01.1900 .. 31.12.9999
        values[serial & ok.reindex(raw.index, fill_value=False)] = [
            (EXCEL_EPOCH + pd.Timedelta(days=int(d))).date() for d in days[ok]
        ]
        out_of_range = serial & ~ok.reindex(raw.index, fill_value=True)
        errors[out_of_range] = [msg("excel_serial_out_of_range", value=v) for v in _text(raw[out_of_range])]
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
    errors[bad] = [msg("unreadable_date", value=_text(raw[[i]]).iloc[0]) for i in bad]
    return values, errors


@lru_cache(maxsize=65536)
def parse_date(text: str) -> dt.date | None:
    """One date by the same rules as a column (ISO, d.m.yyyy, yyyymmdd, d.m.yy ...); None for empty or open-ended
    (01.01.9999); raises ValueError (its message a Message) on an impossible or unreadable date."""
    value, error = parse_dates(pd.Series([text], dtype=object))
    if error[0] is not None:
        raise ValueError(error[0])
    return value[0]


def parse_months(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Booking months as 'YYYY-MM' from 202410, 2024-10, 2024/10, 2024M10, 'okt 2024', 10-2024, 10.2024, or a date
    (a booking date such as Posteringsdato 15.03.2024 is booked in its month)."""
    values = nones(raw.index)
    errors = nones(raw.index)
    stamps = raw.map(lambda v: isinstance(v, (dt.date, dt.datetime, pd.Timestamp)))
    values[stamps] = [f"{v.year:04d}-{v.month:02d}" for v in raw[stamps]]
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
    dated = year.isna()
    if dated.any():  # a full date: its month
        days, _ = parse_dates(text[dated])
        found = days.notna()
        year[dated & found.reindex(year.index, fill_value=False)] = [d.year for d in days[found]]
        month[dated & found.reindex(month.index, fill_value=False)] = [d.month for d in days[found]]
    good = year.notna() & month.between(1, 12)
    values[good[good].index] = [f"{int(y):04d}-{int(m):02d}" for y, m in zip(year[good], month[good])]
    bad = good[~good].index
    errors[bad] = [msg("not_a_month", value=_text(raw[[i]]).iloc[0]) for i in bad]
    return values, errors


@dataclass
class Distinct:
    """A column's distinct cells (typed cells told apart by type: the number 1 is not the text '1') and, per row,
    the position of its cell among them: all Python-level work runs on the distinct cells only."""

    codes: np.ndarray
    cells: pd.Series
    text: pd.Series

    @classmethod
    def of(cls, raw: pd.Series, typed: bool) -> Distinct:
        if typed and pd.api.types.infer_dtype(raw, skipna=True) not in (
            "string",
            "empty",
            "floating",
            "integer",
            "datetime",
            "date",
        ):
            codes, uniques = pd.factorize(
                raw.map(lambda v: (type(v).__name__, v)), use_na_sentinel=False
            )  # mixed types
            cells = pd.Series([u[1] for u in uniques], dtype=object)
        else:
            # first occurrences, in order; missing cells (a short row) get their own number after the others
            # (use_na_sentinel=False would scan the whole column for missing values first: a third of the time)
            codes, uniques = pd.factorize(raw.to_numpy(), use_na_sentinel=True)
            cells = pd.Series(uniques, dtype=object)
            if (codes < 0).any():
                codes = np.where(codes < 0, len(cells), codes)
                cells = pd.concat([cells, pd.Series([None], dtype=object)], ignore_index=True)
        return cls(codes, cells, _text(cells))

    def spread(self, series: pd.Series, index: pd.Index) -> pd.Series:
        """Per-distinct results back to one per row."""
        return pd.Series(series.to_numpy()[self.codes], index=index, dtype=series.dtype)
