"""Tables for Danish readers: number formats 1.706,5, Danish column labels, small counts suppressed."""

from __future__ import annotations

import re
from html import escape

import numpy as np
import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler

from helpers.analysis.disclosure import complementary
from helpers.labels import FEW, HIDDEN, SMALL, SMALL_TEXT, is_small

LEGEND = (
    f"{SMALL_TEXT}: færre end {SMALL}. {HIDDEN}: skjult, så et lille tal ikke kan regnes ud. *: skøn på færre end {FEW} sager, "
    "usikkert. Tomme felter: kan ikke vises uden at afsløre små tal."
)


def danish_table(frame: pd.DataFrame, labels: dict[str, str] | None = None, decimals: int = 0) -> Styler:
    """A Styler with Danish thousands and decimal separators, Danish headers, escaped text and no index."""
    shown = frame.rename(columns=labels or {})
    styler = shown.style.format(decimal=",", thousands=".", precision=decimals, na_rep="", escape="html")
    return styler.hide(axis="index")


def highlight_row(table: str, name: str) -> str:
    """An HTML table (pandas' to_html) with the row whose first cell is `name` given the class `highlight` (bold on a
    light yellow ground, a reader's own municipality in a region's table); unchanged without a name."""
    if not name:
        return table
    return re.sub(rf"<tr>(\s*<td>{re.escape(escape(name))}</td>)", r'<tr class="highlight">\1', table)


def highlight_rows(styler: Styler, column: str, name: str) -> Styler:
    """A table (danish_table) with every cell of the rows whose `column` is `name` given the class `highlight`."""
    if not name:
        return styler
    frame = styler.data
    rows = frame[column].eq(name) if column in frame.columns else pd.Series(False, index=frame.index)
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    classes.loc[rows, :] = "highlight"
    return styler.set_td_classes(classes)


def bullets(items: list[str]) -> HTML:
    """Sentences as an HTML bullet list (escaped), e.g. a report's main conclusions."""
    return HTML('<ul class="conclusions">' + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>")


def suppression_mask(
    frame: pd.DataFrame,
    counts: list[str],
    parts: list[list[str]] | None = None,
    column_totals: bool = False,
    threshold: int = SMALL,
    pairs: list[tuple[str, str]] | None = None,
    hidden: pd.DataFrame | None = None,
    row_sums: list[list[int]] | None = None,
) -> pd.DataFrame:
    """Which count cells a report must not show: counts 1..threshold-1, and complementary cells.

    `pairs`: (part, whole) count columns shown side by side ("14 of 15"): where the whole minus the part is small, the
    part is hidden (and its complements, as for any hidden cell).
    `parts`: groups of count columns that add up to a total a reader knows (a row's n): where one cell of a
    group is hidden, the smallest other non-zero cell is hidden too, so it cannot be derived back. With
    `column_totals`, the same within each count column (whose total the report gives). The rule is
    helpers.analysis.disclosure.complementary; an empty cell protects its group like a hidden one.
    `row_sums`: rows (positions) that add up, [total row, part, part, ...]: the same within every count column.
    `hidden`: cells (True) already hidden by a protection that also covers other tables of the page, e.g. a count
    whose equations run through a figure; they are hidden here too, and protect this table's equations.
    """
    values = frame[counts].astype(float)
    primary = is_small(values, threshold)
    if hidden is not None:
        primary |= hidden.reindex(index=primary.index, columns=primary.columns, fill_value=False).astype(bool)
    for k, n in pairs or []:  # "14 of 15": the 1 not counted follows from the two, so the 14 is hidden too
        primary.loc[is_small(frame[n] - frame[k], threshold), k] = True
    width, at = len(counts), {c: j for j, c in enumerate(counts)}
    equations = [[i * width + at[c] for c in group] for i in range(len(frame)) for group in parts or []]
    if column_totals:
        equations += [[i * width + j for i in range(len(frame))] for j in range(width)]
    equations += [[i * width + j for i in rows] for rows in row_sums or [] for j in range(width)]
    flat = values.to_numpy().ravel()
    mask = complementary(np.nan_to_num(flat), equations, primary.to_numpy().ravel(), unknown=np.isnan(flat))
    return pd.DataFrame(mask.reshape(values.shape), index=frame.index, columns=counts)


def protected(
    frame: pd.DataFrame,
    counts: list[str],
    parts: list[list[str]] | None = None,
    column_totals: bool = False,
    shares: dict[str, tuple[str, str]] | None = None,
    means: dict[str, str] | None = None,
    decimals: dict[str, int] | None = None,
    few: int = FEW,
    threshold: int = SMALL,
    pairs: list[tuple[str, str]] | None = None,
    hidden: pd.DataFrame | None = None,
    row_sums: list[list[int]] | None = None,
) -> pd.DataFrame:
    """A table of Danish-formatted text that is safe to publish.

    Counts under `threshold` are `<5` and their complements `..` (a complement is not small: `<5` would be
    untrue); a share {column: (successes, n)} is hidden when
    its successes or failures are hidden or small; a mean {column: n} is hidden when its n is; shares and
    means on fewer than `few` cases are marked ` *`. `pairs`: (part, whole) count columns shown side by side without a
    share ("28 of 30"), protected as a share's are. `hidden` and `row_sums`: as suppression_mask's.
    """
    from helpers.render.formats import format_number

    pairs = [(k, n) for k, n in (shares or {}).values() if k in counts and n in counts] + list(pairs or [])
    mask = suppression_mask(frame, counts, parts, column_totals, threshold, pairs, hidden, row_sums)
    decimals = decimals or {}
    out = frame.astype(object).copy()
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]):
            out[col] = [format_number(v, decimals.get(col, 0)) for v in frame[col]]
    for col in counts:
        small = is_small(frame[col], threshold)
        out.loc[mask[col] & small, col] = f"<{threshold}"
        out.loc[mask[col] & ~small, col] = HIDDEN
    for col, (k, n) in (shares or {}).items():
        failures = frame[n] - frame[k]
        hidden = (
            (mask[k] if k in mask else False)
            | (mask[n] if n in mask else False)
            | is_small(failures, threshold)
            | is_small(frame[k], threshold)
            | (frame[n] < threshold)
        )
        out.loc[hidden, col] = ""
        out.loc[~hidden & (frame[n] < few), col] = out.loc[~hidden & (frame[n] < few), col] + " *"
    for col, n in (means or {}).items():
        hidden = (mask[n] if n in mask else False) | (frame[n] < threshold)
        out.loc[hidden, col] = ""
        out.loc[~hidden & (frame[n] < few), col] = out.loc[~hidden & (frame[n] < few), col] + " *"
    return out
