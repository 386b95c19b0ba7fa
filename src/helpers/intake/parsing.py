"""Danish numbers and dates as systems export them: `1.706,5`, `31.01.2024`, open-ended sentinels."""

from __future__ import annotations

import datetime as dt
import re

_SENTINELS = {"01.01.9999", "9999-12-31", "31.12.9999", "9999-01-01"}
_DANISH_NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$|^[+-]?\d+(,\d+)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str) -> float:
    """Parse `1.706,5`, `1706,5` or `1706.5` to a float; raise ValueError on anything else.

    A lone dot followed by exactly three digits (`1.706`) is read as a thousands separator, since
    that is what a Danish export means by it; DuckDB would silently read it as 1.706.
    """
    s = text.strip().replace("\u00a0", "").replace(" ", "")
    if not s:
        raise ValueError("empty")
    if _DANISH_NUMBER.match(s):
        return float(s.replace(".", "").replace(",", "."))
    if _PLAIN_NUMBER.match(s):
        return float(s)
    raise ValueError(f"not a number: {text!r}")


def parse_date(text: str) -> dt.date | None:
    """Parse ISO `2024-01-31` or Danish `31.01.2024` (also `31-01-2024`); far-future sentinels and empty give None."""
    s = text.strip()
    if not s or s in _SENTINELS:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})", s)
        if not m:
            raise ValueError(f"not a date: {text!r}")
        d, mo, y = (int(g) for g in m.groups())
    if y >= 9999:
        return None
    return dt.date(y, mo, d)
