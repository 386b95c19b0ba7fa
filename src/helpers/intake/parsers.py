"""Column parsers: a column's distinct raw cells to typed values and, where a cell is unusable, the Message saying why.

Each parser takes the cells and the column's decimal convention and returns (values, errors); `errors` holds a Message
where a cell cannot be used and None elsewhere. Codes and names are accepted for municipalities and areas ('479',
'0479', 'Svendborg', 'Svendborg Kommune', 'Københavns Kommune', 'Region Sjælland').
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import pandas as pd

from helpers import labels
from helpers.intake import reference, values
from helpers.intake.mappings import normalise
from helpers.intake.messages import msg
from helpers.intake.readers import normalise_header

Parsed = tuple[pd.Series, pd.Series]


def _text(raw: pd.Series, decimal: str | None) -> Parsed:
    return values._text(raw).astype(object), values.nones(raw.index)


def _checked(
    raw: pd.Series, decimal: str | None, check: Callable[[pd.Series], pd.Series], code: str, **params
) -> Parsed:
    """Numbers, with cells failing `check` reported with the message `code` (the cell as its value)."""
    number, errors = values.parse_numbers(raw, decimal)
    bad = number.notna() & ~check(number)
    errors[bad] = [msg(code, value=v, **params) for v in values._text(raw[bad])]
    return number.where(~bad), errors


def _as_int(parsed: Parsed) -> Parsed:
    number, errors = parsed
    fraction = number.notna() & (number != number.round())
    errors[fraction] = [msg("not_a_whole_number", value=f"{v:g}") for v in number[fraction]]
    return number.where(~fraction).round().astype("Int64"), errors  # whole numbers, <NA> where empty or refused


def _between(low: int, high: int, code: str) -> Callable[[pd.Series, str | None], Parsed]:
    return lambda raw, decimal: _as_int(
        _checked(raw, decimal, lambda n: n.between(low, high), code, low=low, high=high)
    )


def _dates(raw: pd.Series, decimal: str | None) -> Parsed:
    return values.parse_dates(raw)


def _required_date(raw: pd.Series, decimal: str | None) -> Parsed:
    parsed, errors = values.parse_dates(raw)
    sentinel = parsed.isna() & errors.isna() & (values._text(raw) != "")
    errors[sentinel] = [msg("sentinel_date", value=v) for v in values._text(raw[sentinel])]
    return parsed, errors


@cache
def _names() -> dict[str, str]:
    """Municipalities, regions and the country by their names as written ('svendborg', 'koebenhavns', 'regionsjaelland',
    'helelandet'), normalised: also the genitive ('Københavns Kommune', 'Bornholms Regionskommune')."""
    munis, regs = reference.municipalities(), reference.regions()
    found = {normalise(labels.COUNTRY_NAME): labels.COUNTRY_CODE, "christiansoe": labels.CHRISTIANSOE_CODE}
    found |= {normalise(n): c for n, c in zip(regs["region_name"], regs["region_code"])}
    for name, code in zip(munis["municipality_name"], munis["municipality_code"]):
        found[normalise(name)] = code
        if not normalise(name).endswith("s"):
            found[normalise(name) + "s"] = code
    return found


def area_code(text: str, municipalities_only: bool = True) -> str | None:
    """A municipality's (or, if allowed, a region's or the country's) 3-digit code from a cell: '479', '0479' (DAWA),
    '479.0', 'Svendborg', 'Svendborg Kommune', 'Københavns Kommune', '0479 Svendborg Kommune'; None if none."""
    text = str(text).strip().removesuffix(".0")
    munis = _municipality_codes()
    allowed = munis if municipalities_only else munis | set(_names().values())
    if re.fullmatch(r"\d{1,4}", text):
        code = text.zfill(3)[-3:]
        return code if code in allowed else None
    leading = re.match(r"^(\d{1,4})\s*[-–:]?\s*(.+)$", text)  # '0479 Svendborg Kommune', '479 - Svendborg'
    if leading:
        by_code, by_name = area_code(leading[1], municipalities_only), area_code(leading[2], municipalities_only)
        return by_code if by_code and by_name in (None, by_code) else None
    key = normalise(text)
    for suffix in ("regionskommune", "kommune"):
        if key.endswith(suffix) and key != suffix:
            key = key.removesuffix(suffix)
            break
    code = _names().get(key)
    return code if code in allowed else None


@cache
def _municipality_codes() -> frozenset[str]:
    return frozenset(reference.municipalities()["municipality_code"])


def _municipality(raw: pd.Series, decimal: str | None) -> Parsed:
    """A municipality's 3-digit DST code ('101'); 4-digit DAWA codes ('0101') and names are accepted."""
    text = values._text(raw)
    code = text.map(lambda t: area_code(t) if t else None)
    errors = values.nones(raw.index)
    bad = code.isna() & (text != "")
    errors[bad] = [msg("unknown_municipality", value=v) for v in text[bad]]
    return code.astype(object).where(~bad, None), errors


def _population_area(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw)
    code = text.map(lambda t: area_code(t, municipalities_only=False) if t else None)
    errors = values.nones(raw.index)
    bad = code.isna() & (text != "")
    errors[bad] = [msg("unknown_area", value=v) for v in text[bad]]
    return code.astype(object).where(code.notna(), None), errors


SEXES = {"1": "1", "maend": "1", "m": "1", "2": "2", "kvinder": "2", "k": "2", "tot": "T", "ialt": "T", "koenialt": "T"}


def _population_sex(raw: pd.Series, decimal: str | None) -> Parsed:
    code = values._text(raw).map(lambda v: SEXES.get(normalise_header(v)))
    errors = values.nones(raw.index)
    errors[code.isna()] = [msg("not_a_sex", value=v) for v in values._text(raw[code.isna()])]
    return code.astype(object), errors


def _population_age(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw).str.lower().str.removesuffix(" år")
    total = text.isin(["ialt", "i alt", "alder i alt", "tot"])
    number, errors = _as_int(_checked(text.where(~total, ""), None, lambda n: n.between(0, 125), "impossible_age"))
    return number.where(~total, None), errors


def _statbank_period(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw).str.upper()
    ok = text.str.fullmatch(r"\d{4}(K[1-4]|M(0[1-9]|1[0-2]))?")
    errors = values.nones(raw.index)
    errors[~ok] = [msg("not_a_period", value=v) for v in text[~ok]]
    return text.astype(object).where(ok, None), errors


def _function(raw: pd.Series, decimal: str | None) -> Parsed:
    """An account function as d.dd.dd: '5.28.22', '52822' (StatBank's codes have no dots), '5.28.22 Plejefamilier'."""
    parts = values._text(raw).str.extract(r"^(\d)\.?(\d{2})\.?(\d{2})(?:\s+\D.*)?$")
    ok = parts[0].notna()
    errors = values.nones(raw.index)
    errors[~ok] = [msg("not_a_function", value=v) for v in values._text(raw[~ok])]
    return (parts[0] + "." + parts[1] + "." + parts[2]).astype(object).where(ok, None), errors


def _account_group(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw).str.replace(r"\.0$", "", regex=True)
    ok = text.str.fullmatch(r"\d{1,3}")
    errors = values.nones(raw.index)
    errors[~ok] = [msg("not_an_account_group", value=v) for v in text[~ok]]
    return text.str.zfill(3).astype(object).where(ok, None), errors


def _share(raw: pd.Series, decimal: str | None) -> Parsed:
    """A probability as a share (0,6) or a percentage: with `%` (60 %), or a whole number from 2 to 100 (60); another
    number over 1 (1,5) is no probability."""
    text = values._text(raw)
    number, errors = values.parse_numbers(text.str.rstrip("% ").where(values._is_text(raw), raw), decimal)
    percent = text.str.endswith("%") | (number.between(2, 100) & (number == number.round()))
    number = number.where(~percent, number / 100)
    bad = number.notna() & ~number.between(0, 1)
    errors[bad] = [msg("probability_out_of_range", value=v) for v in text[bad]]
    return number.where(~bad), errors


def _vum(raw: pd.Series, decimal: str | None) -> Parsed:
    return _checked(raw, decimal, lambda n: n.isin([0.0, 1.0, 2.0, 3.0, 3.5, 4.0]), "not_a_vum_score")


PARSERS: dict[str, Callable[[pd.Series, str | None], Parsed]] = {
    "text": _text,
    "number": lambda raw, decimal: values.parse_numbers(raw, decimal),
    "amount": lambda raw, decimal: _checked(raw, decimal, lambda n: n >= 0, "negative_amount"),
    "count": lambda raw, decimal: _as_int(_checked(raw, decimal, lambda n: n >= 0, "negative_count")),
    "int": lambda raw, decimal: _as_int(values.parse_numbers(raw, decimal)),
    "year": _between(1990, 2100, "year_out_of_range"),
    "registration_no": _between(1, 9, "registration_no_out_of_range"),
    "score": _between(0, 4, "score_out_of_range"),
    "share": _share,
    "vum": _vum,
    "date": _dates,
    "required_date": _required_date,
    "month": lambda raw, decimal: values.parse_months(raw),
    "municipality": _municipality,
    "population_area": _population_area,
    "population_sex": _population_sex,
    "population_age": _population_age,
    "statbank_period": _statbank_period,
    "function": _function,
    "account_group": _account_group,
}
NUMERIC = {"number", "amount", "count", "int", "share", "vum"}  # parsers whose text needs a decimal convention
