"""Danish number and date formats for readers: 1706.5 -> `1.706,5`, dates as `31.01.2024`."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata


def format_number(value: float | None, decimals: int = 0, thousands: bool = True) -> str:
    """Format like Danish reports do: 1706.5 -> `1.706,5`; None/NaN -> empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = value if round(value, decimals) != 0 else 0.0  # no "-0,0"
    s = f"{value:,.{decimals}f}" if thousands else f"{value:.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_date(value: dt.date | None, open_ended: str = "01.01.9999") -> str:
    """Format a date as `dd.mm.yyyy`; None (open-ended) as the sentinel case systems use."""
    return open_ended if value is None else value.strftime("%d.%m.%Y")


def slugify(text: str) -> str:
    """'Region Sjælland' -> 'region-sjaelland': ASCII, lower case, dashes."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


DANISH_LETTERS = str.maketrans(
    {"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|", "ü": "y", "é": "e"}
)  # after z, in Danish order


def danish_key(text: str) -> str:
    """A sort key in Danish alphabetical order: æ, ø, å after z, and 'aa' as 'å' (Aabenraa and Aarhus after Ødsherred)."""
    return str(text).lower().replace("aa", "å").translate(DANISH_LETTERS)
