"""Data protection: CPR parsing, keyed pseudonyms, and synthetic CPR numbers for the sample."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.intake import values

CPR_PATTERN = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")
# a CPR number inside any text: DDMMYY, then a hyphen, en or em dash, space or nothing, then 4 digits
CPR_IN_TEXT = re.compile(r"(?<![0-9])([0-3][0-9][01][0-9]{3})[ \-\u2010-\u2015]?([0-9]{4})(?![0-9])")
# a CPR number typed as a number in Excel, which dropped its leading zero: D MM YY SSSS (a day 1-9, a month 01-12)
CPR_NINE_DIGITS = re.compile(r"(?<![0-9])([1-9](?:0[1-9]|1[0-2])[0-9]{2})([0-9]{4})(?![0-9])")
CPR_NINE_DIGIT_CELL = re.compile(r"\s*" + CPR_NINE_DIGITS.pattern + r"(?:\.0)?\s*")
KEY_ENV = "HELPERS_PSEUDONYM_KEY"
KEY_FILE_ENV = "HELPERS_PSEUDONYM_KEY_FILE"
DEFAULT_KEY_FILE = Path.home() / ".config" / "helpers" / "pseudonym.key"


class CprError(ValueError):
    """A value that is not a valid CPR number."""


def _century(year2: int, digit7: int) -> int:
    """Century from the 7th digit and the two-digit year (the CPR Office's table)."""
    if digit7 <= 3:
        return 1900
    if digit7 in (4, 9):
        return 2000 if year2 <= 36 else 1900
    return 2000 if year2 <= 57 else 1800


def parse_cpr(text: str) -> tuple[dt.date, str]:
    """Return (birth date, sex 'M'/'K') derived from a CPR number; raise CprError if impossible.

    The modulus-11 check is not applied: it has not been required since 2007.
    """
    m = CPR_PATTERN.match(text.strip())
    if not m:
        raise CprError(f"not a CPR number (DDMMYY-SSSS): {text!r}")
    day, month, year2, serial = int(m[1]), int(m[2]), int(m[3]), m[4]
    year = _century(year2, int(serial[0])) + year2
    try:
        born = dt.date(year, month, day)
    except ValueError as exc:
        raise CprError(f"impossible birth date in CPR number: {exc}") from None
    sex = "M" if int(serial[-1]) % 2 == 1 else "K"
    return born, sex


def parse_cprs(numbers: pd.Series) -> pd.DataFrame:
    """Birth date and sex of many normalised CPR numbers ('DDMMYY-SSSS') at once; `reason` where one is impossible.

    The same rules as parse_cpr (the century from the 7th digit and the two-digit year; odd last digit: a man)."""
    text = numbers.fillna("").astype(str)
    ok = text.str.fullmatch(r"\d{6}-\d{4}")
    digits = text.where(ok, "0" * 6 + "-" + "0" * 4)  # a placeholder for the rows that are no CPR number
    day, month, year2 = (pd.to_numeric(digits.str[a:b]) for a, b in ((0, 2), (2, 4), (4, 6)))
    d7, last = pd.to_numeric(digits.str[7]), pd.to_numeric(digits.str[10])
    century = np.where(
        d7 <= 3, 1900, np.where(d7.isin([4, 9]), np.where(year2 <= 36, 2000, 1900), np.where(year2 <= 57, 2000, 1800))
    )
    born = pd.to_datetime(pd.DataFrame({"year": century + year2, "month": month, "day": day}), errors="coerce")
    reason = pd.Series(None, index=numbers.index, dtype=object)
    reason[~ok] = "not a CPR number (DDMMYY-SSSS)"
    reason[ok & born.isna()] = "impossible birth date in CPR number"
    good = ok & born.notna()
    return pd.DataFrame(
        {
            "birth_date": pd.Series(born.dt.date, index=numbers.index).where(good, None),
            "sex": np.where(good, np.where(last % 2 == 1, "M", "K"), None),
            "reason": reason,
        },
        index=numbers.index,
    )


def normalise_cprs(cells: pd.Series) -> pd.Series:
    """CPR numbers in any spelling as 'DDMMYY-SSSS': with hyphen, en dash, space or none, surrounding spaces, typed as a
    number in Excel (0101084195.0) or with the leading zero lost (9 digits); None where a cell is none."""
    typed = cells.map(
        lambda v: isinstance(v, float) and v.is_integer() or isinstance(v, int) and not isinstance(v, bool)
    )
    text = cells.where(~typed, cells[typed].map(lambda v: str(int(v)))).fillna("").astype(str).str.strip()
    digits = text.str.replace(r"[ \-\u2010-\u2015]", "", regex=True)
    ok = digits.str.fullmatch(r"\d{9,10}")
    digits = digits.str.zfill(10)
    return (digits.str[:6] + "-" + digits.str[6:]).where(ok, None)


def pseudonymiser(key: bytes):
    """pseudonymise with the key's HMAC state prepared once (for many numbers)."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def one(cpr: str) -> str:
        h = keyed.copy()
        h.update(cpr.strip().replace("-", "").encode())
        return "P" + h.hexdigest()[:16]

    return one


def mask(text: object) -> str:
    """A text with every CPR-like number shown as DDMMYY-xxxx (enough to find the row, not the person); a 9-digit number
    that is a CPR number without its leading zero too (in messages a number more masked is harmless)."""
    masked = CPR_IN_TEXT.sub(lambda m: f"{m.group(1)}-xxxx", str(text))
    return CPR_NINE_DIGITS.sub(lambda m: f"0{m.group(1)}-xxxx", masked)


def scrub(text: str) -> str:
    """A stored text with every CPR-like number replaced by [CPR]; a whole cell of 9 digits that is a CPR number
    without its leading zero (a number cell in Excel) too."""
    return "[CPR]" if CPR_NINE_DIGIT_CELL.fullmatch(text) else CPR_IN_TEXT.sub("[CPR]", text)


def holds_cpr(text: object) -> bool:
    """Does a text hold a CPR-like number (as scrub replaces them)?"""
    return isinstance(text, str) and (
        CPR_IN_TEXT.search(text) is not None or CPR_NINE_DIGIT_CELL.fullmatch(text) is not None
    )


def masked_cprs(text: str) -> list[str]:
    """Each CPR-like number of a text, masked as DDMMYY-xxxx, without the text around it."""
    return [mask(m.group(0)) for pattern in (CPR_IN_TEXT, CPR_NINE_DIGITS) for m in pattern.finditer(text)]


def cprs_in_ids(cells: pd.Series) -> pd.Series:
    """The CPR number ('DDMMYY-SSSS') an identifier cell holds: the whole cell in any spelling (as normalise_cprs), else
    the first CPR-like number inside it (a case id 'SAG ' followed by a CPR number); None where it holds none. Dates are checked by parse_cprs."""
    whole = normalise_cprs(cells)
    inside = values._text(cells).astype(str).str.extract(CPR_IN_TEXT)
    return whole.where(whole.notna(), (inside[0] + "-" + inside[1]).where(inside[0].notna(), None)).astype(object)


def load_key() -> bytes:
    """The pseudonymisation key: from $HELPERS_PSEUDONYM_KEY, else a key file outside the repository.

    The key file ($HELPERS_PSEUDONYM_KEY_FILE or ~/.config/helpers/pseudonym.key) is created with a
    random key on first use, readable by the owner only. Keep it: a new key gives new pseudonyms.
    """
    env = os.environ.get(KEY_ENV)
    if env:
        return env.encode()
    path = Path(os.environ.get(KEY_FILE_ENV, DEFAULT_KEY_FILE))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pseudonymise(cpr: str, key: bytes) -> str:
    """Keyed pseudonym (HMAC-SHA256, 16 hex digits) of a CPR number, the same with or without dash."""
    digits = cpr.strip().replace("-", "")
    return "P" + hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:16]


def synthetic_cpr(born: dt.date, sex: str, rng: np.random.Generator) -> str:
    """A CPR-formatted number for a fictitious person, consistent with birth date and sex ('M'/'K').

    The 7th digit is chosen so that the century rule gives back `born`; the last digit is odd for men.
    """
    y2 = born.year % 100
    if born.year < 1900:
        d7 = int(rng.integers(5, 9))
    elif born.year < 2000:
        d7 = int(rng.integers(0, 4))
    else:
        d7 = 4 if y2 <= 36 else int(rng.integers(5, 9))
    middle = int(rng.integers(0, 100))
    last = int(rng.choice([1, 3, 5, 7, 9] if sex == "M" else [0, 2, 4, 6, 8]))
    return f"{born:%d%m}{y2:02d}-{d7}{middle:02d}{last}"


def pseudonymise_caseworker(code: str, key: bytes) -> str:
    """A caseworker's id as a short keyed pseudonym (the extract's initials are not shown)."""
    return "SB-" + hashlib.blake2s(str(code).encode("utf-8"), key=key[:32], digest_size=3).hexdigest()
