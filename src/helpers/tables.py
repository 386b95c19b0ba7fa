"""Tables for Danish readers: number formats 1.706,5, Danish column labels, small counts suppressed."""

from __future__ import annotations

from html import escape

import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler

SMALL = 5  # counts below this are shown as "<5" in rendered reports


def suppress_small(frame: pd.DataFrame, count_columns: list[str], threshold: int = SMALL) -> pd.DataFrame:
    """Replace counts in 1..threshold-1 by the text '<5' so no cell can identify a person."""
    out = frame.copy()
    for col in count_columns:
        values = out[col]
        small = values.notna() & (values > 0) & (values < threshold)
        out[col] = values.astype("object").where(~small, f"<{threshold}")
    return out


def danish_table(frame: pd.DataFrame, labels: dict[str, str] | None = None, decimals: int = 0) -> Styler:
    """A Styler with Danish thousands and decimal separators, Danish headers, escaped text and no index."""
    shown = frame.rename(columns=labels or {})
    styler = shown.style.format(decimal=",", thousands=".", precision=decimals, na_rep="", escape="html")
    return styler.hide(axis="index")


def bullets(items: list[str]) -> HTML:
    """Sentences as an HTML bullet list (escaped), e.g. a report's main conclusions."""
    return HTML("<ul class=\"conclusions\">" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")
