"""Danish number, date and month formats and the words around numbers, for readers: 1706.5 -> `1.706,5`, dates as
`31.01.2024`, months as `september 2024`, "1 kommune" but "3 kommuner", no sentence opening with a digit."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

import numpy as np


class Shown(str):
    """A number as a page shows it (`'1.706,5'`, `'12,5 *'`, `'mindst 77,8'`) that keeps its exact value, decimals and
    the words around it, so a workbook written from the table gets the number itself in the format the page uses."""

    value: float
    decimals: int
    prefix: str
    suffix: str

    def __new__(cls, text: str, value: float, decimals: int, suffix: str = "", prefix: str = "") -> Shown:
        shown = super().__new__(cls, text)
        shown.value, shown.decimals, shown.prefix, shown.suffix = float(value), int(decimals), prefix, suffix
        return shown

    def marked(self, suffix: str) -> Shown:
        """The same number with a marker after it (`' *'`: an uncertain estimate)."""
        return Shown(str(self) + suffix, self.value, self.decimals, self.suffix + suffix, self.prefix)

    def bound(self, prefix: str) -> Shown:
        """The same number with words before it (`'mindst '`: a lower bound where the exact figure is protected)."""
        return Shown(prefix + str(self), self.value, self.decimals, self.suffix, prefix + self.prefix)


def format_number(value: float | None, decimals: int = 0, thousands: bool = True) -> str:
    """Format like Danish reports do: 1706.5 -> `1.706,5`; None/NaN -> empty string; never `-0` or `-0,0`.

    The result is a `Shown`: text that keeps the exact value for workbooks."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    shown = value if round(value, decimals) != 0 else 0.0  # no "-0,0"
    s = f"{shown:,.{decimals}f}" if thousands else f"{shown:.{decimals}f}"
    return Shown(s.replace(",", "\x00").replace(".", ",").replace("\x00", "."), value, decimals)


def format_date(value: dt.date | None, open_ended: str = "01.01.9999") -> str:
    """Format a date as `dd.mm.yyyy`; None (open-ended) as the sentinel case systems use."""
    return open_ended if value is None else value.strftime("%d.%m.%Y")


MONTH_NAMES = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)
VEGA_MONTH = "%B %Y"  # the same month format in charts (axes, tooltips): "september 2024" with the da-DK locale


def format_month(value: dt.date | str) -> str:
    """The one month format of every page: a date or `2024-09` -> `september 2024`."""
    if isinstance(value, str):
        year, month = (int(p) for p in value[:7].split("-"))
    else:
        year, month = value.year, value.month
    return f"{MONTH_NAMES[month - 1]} {year}"


def format_period(text: str) -> str:
    """A period as extracts and parameters write it, as readers read it: `2024-09` -> `september 2024`,
    `2024-09-30` -> `30.09.2024`, `2024-Q3` -> `3. kvartal 2024`, `2010K1` -> `1. kvartal 2010`; a year stays."""
    text = str(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return format_date(dt.date.fromisoformat(text))
    if re.fullmatch(r"\d{4}-\d\d", text):
        return format_month(text)
    quarter = re.fullmatch(r"(\d{4})(?:-Q|K)([1-4])", text)
    if quarter:
        return f"{quarter.group(2)}. kvartal {quarter.group(1)}"
    return text


# -- words around numbers -------------------------------------------------------------------------------------------------

NUMBER_WORDS = ("nul", "én", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve", "tolv")


def count(n: int, singular: str, plural: str) -> str:
    """`n` with the noun in the right number: 1 kommune, 3 kommuner, 0 kommuner."""
    return f"{format_number(n)} {singular if n == 1 else plural}"


def opening_count(n: int, singular: str, plural: str, neuter: bool = False) -> str:
    """A count that opens a sentence, never with a digit: 'Ingen kommuner', 'Én kommune', 'Ét delområde',
    'Tre kommuner', and over twelve 'I alt 23 kommuner'."""
    if n == 0:
        return f"Ingen {plural}"
    if n == 1:
        return f"{'Ét' if neuter else 'Én'} {singular}"
    if n < len(NUMBER_WORDS):
        return f"{NUMBER_WORDS[n].capitalize()} {plural}"
    return f"I alt {format_number(n)} {plural}"


def opening_share(n: int, of: int, plural: str) -> str:
    """'n of the m' opening a sentence: 'Ingen af de 22 kommuner', 'Én af de 22 kommuner', 'Tre af de 22 kommuner',
    'I alt 14 af de 22 kommuner'."""
    if n == 0:
        return f"Ingen af de {format_number(of)} {plural}"
    if n < len(NUMBER_WORDS):
        return f"{NUMBER_WORDS[n].capitalize()} af de {format_number(of)} {plural}"
    return f"I alt {format_number(n)} af de {format_number(of)} {plural}"


# -- rounding so that shown figures add up ----------------------------------------------------------------------------


def rounded_to_total(parts: list[float] | np.ndarray, total: float | None = None) -> np.ndarray:
    """Whole numbers for `parts` that add up to the rounded `total` (default: the parts' own sum), each within 1 of its
    exact value: the largest remainders are rounded up (Hamilton's method), so a table's rows and its total agree."""
    values = np.asarray(parts, dtype=float)
    target = int(round(values.sum() if total is None else total))
    floors = np.floor(values)
    short = target - int(floors.sum())
    order = np.argsort(-(values - floors), kind="stable")
    out = floors.copy()
    if short >= 0:
        out[order[:short]] += 1
    else:  # the total is below the floors' sum (a total rounded on its own): take from the smallest remainders
        out[order[::-1][:-short]] -= 1
    return out


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
