"""Tables for Danish readers: number formats 1.706,5, Danish column labels, numbers right-aligned, small counts
suppressed; each table carries its exact numbers and a format per column, from which the batch writes the workbook."""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from itertools import count

import numpy as np
import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler

from helpers.analysis.disclosure import complementary
from helpers.labels import FEW, HIDDEN, SMALL, SMALL_TEXT, is_small
from helpers.render.formats import Shown, format_number, rounded_to_total

LEGEND = (
    f"{SMALL_TEXT}: færre end {SMALL}. {HIDDEN}: skjult, så et lille tal ikke kan regnes ud. *: skøn på færre end {FEW} sager, "
    "usikkert. Tomme felter: kan ikke vises uden at afsløre små tal."
)
TABLE_MIME = "application/vnd.helpers.tables+json"  # a report's tables as data, beside their HTML, for the workbook
MARKERS = {SMALL_TEXT, HIDDEN, "", "–"}  # text a number column may hold instead of a number
YEAR_HEADERS = {"år", "aar", "year", "regnskabsår", "budgetår"}
_uuids = count(1)  # table ids on a page: from 1 again for every page a kernel renders (new_page)


def new_page() -> None:
    """Start a page: table ids from 1 again, so a page is the same whatever the kernel rendered before it."""
    global _uuids
    _uuids = count(1)


def _columns(frame: pd.DataFrame, subset: object) -> list:
    """The columns a Styler `subset` names (a label, a list of labels, or everything)."""
    if subset is None:
        return list(frame.columns)
    if isinstance(subset, (list, tuple, pd.Index)):
        return [c for c in subset if c in frame.columns]
    return [subset] if subset in frame.columns else list(frame.columns)


def is_number_column(values: pd.Series) -> bool:
    """Numbers (not flags), or text that is a shown number or a marker in every cell (a protected column)."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    cells = [v for v in values if not (isinstance(v, float) and np.isnan(v)) and v is not None]
    numbers = [isinstance(v, (Shown, int, float, np.number)) and not isinstance(v, (bool, np.bool_)) for v in cells]
    hidden = [v in (SMALL_TEXT, HIDDEN) for v in cells]  # a column of hidden counts is still a column of counts
    return (any(numbers) or any(hidden)) and all(n or v in MARKERS for n, v in zip(numbers, cells))


def _cell(value: object) -> object:
    """A cell as the workbook gets it: the exact number (with the marker it carries), a date, text or nothing."""
    if isinstance(value, Shown):
        number = int(value.value) if value.value.is_integer() else value.value
        words = {k: v for k, v in (("prefix", value.prefix), ("suffix", value.suffix)) if v}
        return {"value": number} | words if words else number
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return "Ja" if value else "Nej"
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)  # 2017.0 is the year 2017
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date)):
        return {"date": pd.Timestamp(value).date().isoformat()}
    return str(value)


def _without_negative_zero(precision: int):
    """Numbers with thousands separators and `precision` decimals, never "-0" or "-0,0" (Python's `z`); text as it is.
    Styler then swaps the separators to Danish ones."""

    def formatted(value: object) -> object:
        if isinstance(value, (float, np.floating)) and not isinstance(value, Shown):
            return f"{value:z,.{precision}f}"
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            return f"{value:,d}"
        return value

    return formatted


class DanishTable(Styler):
    """A Styler for Danish readers that also carries the table as data: exact numbers, the decimals the page shows per
    column (from `format(precision=...)` or the shown numbers), markers as text. Displayed, it gives its HTML and that
    data (TABLE_MIME), from which the batch writes the report's workbook (helpers.render.workbook)."""

    def __init__(self, data: pd.DataFrame, title: str | None = None) -> None:
        super().__init__(data, cell_ids=False, uuid=f"t{next(_uuids)}")
        self.title, self.decimals, self.right = title, {}, []
        self.row_classes: dict[int, str] = {}

    def mark_rows(self, classes: dict[int, str]) -> DanishTable:
        """Give body rows (by position) a class on their <tr>: a table's summary rows set apart, a reader's own
        municipality highlighted (CSS: helpers.render.page)."""
        self.row_classes |= classes
        return self

    def set_caption(self, caption: str) -> DanishTable:
        """A caption as text: Styler writes it into the table as HTML, where "<5" would open a tag."""
        return super().set_caption(escape(caption))

    def align_right(self, columns: list) -> DanishTable:
        """Right-align these columns (headers and cells): numbers line up by their last digit."""
        self.right = [c for c in columns if c in self.data.columns]
        return self

    def to_html(self, *args, **kwargs) -> str:
        """Styler's HTML without the per-cell classes (the whole country's tables are 12 x 101 rows), with the
        right-aligned columns styled by position."""
        page = super().to_html(*args, **kwargs)
        page = re.sub(r' class="(?:data row\d+ col\d+|col_heading level0 col\d+)" ?>', ">", page)
        page = re.sub(r">\s+<", "><", re.sub(r'<style type="text/css">\s*</style>\s*', "", page))
        if self.row_classes:
            head, tbody, body = page.partition("<tbody>")
            first, *rows = body.split("<tr>")
            marked = [
                f'<tr class="{self.row_classes[i]}">' if i in self.row_classes else "<tr>" for i in range(len(rows))
            ]
            page = head + tbody + first + "".join(m + r for m, r in zip(marked, rows))
        hidden = set(self.hidden_columns)
        visible = [c for j, c in enumerate(self.data.columns) if j not in hidden]
        at = [visible.index(c) + 1 for c in self.right if c in visible]
        if not at:
            return page
        rules = ",".join(f"#T_{self.uuid} td:nth-child({k}),#T_{self.uuid} th:nth-child({k})" for k in at)
        return f"<style>{rules}{{text-align:right}}</style>" + page

    def format(self, formatter=None, subset=None, na_rep=None, precision=None, decimal=".", thousands=None, **kwargs):
        """Styler.format, remembering the decimals per column for the workbook's number formats."""
        if precision is not None:
            self.decimals |= {c: precision for c in _columns(self.data, subset)}
            formatter = formatter or _without_negative_zero(precision)
        return super().format(formatter, subset, na_rep, precision, decimal, thousands, **kwargs)

    def number_format(self, column: object) -> str | None:
        """The column's Excel number format: thousands separators and the decimals the page shows; a year column (by
        its header) without separators; dates as dd.mm.yyyy; None for text."""
        values = self.data[column]
        if pd.api.types.is_datetime64_any_dtype(values) or any(isinstance(v, dt.date) for v in values.head(50)):
            return "dd.mm.yyyy"
        if not is_number_column(values):
            return None
        if is_year_column(column, values):
            return "0"
        shown = [v.decimals for v in values if isinstance(v, Shown)]
        if shown:
            places = max(shown)
        elif pd.api.types.is_integer_dtype(values):
            places = 0
        else:
            places = self.decimals.get(column, 0)
        return "#,##0" + ("." + "0" * places if places else "")

    def as_data(self) -> dict:
        """The table for the workbook: title, Danish headers, a number format per column, rows of exact cells."""
        shown = [c for j, c in enumerate(self.data.columns) if j not in set(self.hidden_columns)]
        return {
            "title": self.title,
            "columns": [str(c) for c in shown],
            "formats": [self.number_format(c) for c in shown],
            "rows": [[_cell(v) for v in row] for row in self.data[shown].itertuples(index=False)],
        }

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self._repr_html_(), TABLE_MIME: {"tables": [self.as_data()]}}


class Block:
    """HTML and tables shown as one output (a table with the line explaining its markers, a section's tables under their
    own headings): one piece of HTML, and every table's data for the workbook."""

    def __init__(self, *parts: str | DanishTable | Block) -> None:
        self.parts = parts

    def html(self) -> str:
        return "".join(
            p if isinstance(p, str) else p.html() if isinstance(p, Block) else p.to_html() for p in self.parts
        )

    def tables(self) -> list[dict]:
        out = []
        for p in self.parts:
            out += p.tables() if isinstance(p, Block) else [p.as_data()] if isinstance(p, DanishTable) else []
        return out

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.html(), TABLE_MIME: {"tables": self.tables()}}


def danish_table(
    frame: pd.DataFrame, labels: dict[str, str] | None = None, decimals: int = 0, title: str | None = None
) -> DanishTable:
    """A table with Danish thousands and decimal separators, Danish headers, escaped text, no index, and its number
    columns (also protected ones: shown numbers and markers) right-aligned; `title` names its workbook sheet."""
    shown = frame.rename(columns=labels or {})
    table = DanishTable(shown, title).format(decimal=",", thousands=".", precision=decimals, na_rep="", escape="html")
    years = [c for c in shown.columns if is_year_column(c, shown[c])]
    if years:  # a year is a label: 2019, not 2.019
        table.format(lambda v: f"{int(v)}" if isinstance(v, (int, float, np.number)) else v, subset=years, na_rep="")
    numbers = [c for c in shown.columns if is_number_column(shown[c]) and c not in years]
    return table.align_right(numbers).hide(axis="index")


def is_year_column(header: object, values: pd.Series) -> bool:
    """A column of years, by its header (År, Regnskabsår, ...) and its whole numbers between 1900 and 2100."""
    numbers = pd.to_numeric(values, errors="coerce").dropna() if pd.api.types.is_numeric_dtype(values) else None
    return (
        str(header).strip().lower() in YEAR_HEADERS
        and numbers is not None
        and bool(((numbers % 1 == 0) & numbers.between(1900, 2100)).all())
    )


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
    pairs = [(k, n) for k, n in (shares or {}).values() if k in counts and n in counts] + list(pairs or [])
    mask = suppression_mask(frame, counts, parts, column_totals, threshold, pairs, hidden, row_sums)
    decimals = decimals or {}
    out = frame.astype(object).copy()
    for col in frame.columns:  # text that keeps each number (Shown), in object columns so it stays itself
        if pd.api.types.is_numeric_dtype(frame[col]):
            out[col] = pd.Series([format_number(v, decimals.get(col, 0)) for v in frame[col]], frame.index, object)
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
        out[col] = _uncertain(out[col], ~hidden & (frame[n] < few))
    for col, n in (means or {}).items():
        hidden = (mask[n] if n in mask else False) | (frame[n] < threshold)
        out.loc[hidden, col] = ""
        out[col] = _uncertain(out[col], ~hidden & (frame[n] < few))
    return out


def _uncertain(cells: pd.Series, marked: pd.Series) -> pd.Series:
    """The cells with ` *` after the marked ones (an estimate on fewer than FEW cases), still numbers for the workbook."""
    return pd.Series(
        [v.marked(" *") if m and isinstance(v, Shown) else v + " *" if m else v for v, m in zip(cells, marked)],
        cells.index,
        object,
    )


def rounded_kroner(
    frame: pd.DataFrame,
    anchors: list[str],
    differences: dict[str, tuple[str, str]] | None = None,
    splits: dict[str, list[str]] | None = None,
    sums: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """Amounts in whole kroner that add up as the exact ones do (the columns named, as integers).

    `anchors` are rounded so that the rows add up to the column's rounded total (largest remainders, so a total row or
    an area's total shown elsewhere is the same figure); `differences` {column: (a, b)} are a - b of the rounded
    anchors (a deviation = expected result - budget); `splits` {whole: [parts]} round each row's parts so that they add
    up to its rounded whole (quantity + price + pool = the deviation); a part that is an anchor keeps its rounding and
    the others share the rest, so a figure in two relations (the pool) is the same in both; `sums` {column: [parts]}
    are the sums of rounded parts (quantity + price, shown where the two are hidden)."""
    rounded = pd.DataFrame(index=frame.index)
    for column in anchors:
        rounded[column] = rounded_to_total(frame[column].to_numpy(float))
    for column, (a, b) in (differences or {}).items():
        rounded[column] = rounded[a] - rounded[b]
    for whole, parts in (splits or {}).items():
        free = [p for p in parts if p not in rounded]
        rest = rounded[whole] - rounded[[p for p in parts if p in rounded]].sum(axis=1)
        split = [rounded_to_total(row, total) for row, total in zip(frame[free].to_numpy(float), rest)]
        rounded[free] = np.array(split).reshape(len(frame), len(free))
    for column, parts in (sums or {}).items():
        rounded[column] = rounded[parts].sum(axis=1)
    return rounded.astype("int64")


def whole_kroner(
    frame: pd.DataFrame,
    anchors: list[str],
    differences: dict[str, tuple[str, str]] | None = None,
    splits: dict[str, list[str]] | None = None,
    total: tuple[str, str] | None = None,
    sums: dict[str, list[str]] | None = None,
) -> pd.DataFrame:
    """`frame` with the named amounts as whole kroner that add up (rounded_kroner), as text that keeps each exact amount
    for the workbook (Shown); other columns as they are. `total` (label column, label): a last row with the sums, which
    the rounded rows add up to."""
    rounded = rounded_kroner(frame, anchors, differences, splits, sums)
    out = frame.copy()  # other columns keep their types (counts stay numbers for protected)
    for column in rounded.columns:
        out[column] = pd.Series(
            [Shown(format_number(r), v, 0) for r, v in zip(rounded[column], frame[column])], frame.index, object
        )
    if total:
        row = {c: "" for c in out.columns} | {total[0]: total[1]}
        row |= {c: Shown(format_number(rounded[c].sum()), frame[c].sum(), 0) for c in rounded.columns}
        out = pd.concat([out, pd.DataFrame([row], dtype=object)], ignore_index=True)
    return out
