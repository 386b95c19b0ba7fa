"""XLSX workbooks for analysts: one sheet per table, written from the tables' data (exact numbers, the decimals the page
shows as each column's number format), never read back from the rendered HTML.

Excel shows `#,##0.0` with the reader's own separators, so a Danish Excel shows 1.706,5. A report's tables reach the
batch as data beside their HTML (helpers.render.tables.TABLE_MIME); `notebook_tables` collects them by section.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from helpers import paths
from helpers.render.tables import TABLE_MIME, YEAR_HEADERS

SHEET_CHARACTERS = str.maketrans(
    {":": "", "*": "", "?": "", "/": "-", "\\": "-", "[": "(", "]": ")"}
)  # Excel forbids []:*?/\\


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel-safe, unique sheet name (at most 31 characters, none of []:*?/\\): a long title is cut at a word with
    '…', keeping a trailing number ' (2)'; a name already taken gets the next number."""
    text = " ".join(title.translate(SHEET_CHARACTERS).split()) or "Tabel"
    number = re.search(r" \(\d+\)$", text)
    base, suffix = (text[: number.start()], number.group(0)) if number else (text, "")
    name, n = _shortened(base, 31 - len(suffix)) + suffix, 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        name, n = _shortened(base, 31 - len(suffix)) + suffix, n + 1
    taken.add(name)
    return name


def _shortened(text: str, width: int) -> str:
    """`text` if it fits in `width` characters, else cut at the last word that fits, with '…'."""
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,.;-–") + "…"


@dataclass
class Sheet:
    """A table as a report shows it, for a sheet: Danish headers, one Excel number format per column (None: text) and
    rows of cells (numbers exact; {"value", "suffix"} a number with a marker such as ' *'; {"date": ISO}; text)."""

    columns: list[str]
    formats: list[str | None]
    rows: list[list[object]]

    @classmethod
    def from_data(cls, data: dict) -> Sheet:
        return cls(data["columns"], data["formats"], data["rows"])


def _number_format(header: object, values: pd.Series, decimals: int | None = None) -> str:
    """Thousands separators; decimals as given, else as the values need; a year column (by its header) without separators."""
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if str(header).strip().lower() in YEAR_HEADERS and numbers.between(1900, 2100).all():
        return "0"
    if decimals is None:
        decimals = 0 if numbers.empty or (numbers == numbers.round()).all() else 1 if numbers.abs().max() >= 100 else 2
    return "#,##0" + ("." + "0" * decimals if decimals else "")


ABOUT_SHEET = "Om"


def write_workbook(
    path: Path,
    sheets: dict[str, pd.DataFrame | Sheet],
    decimals: int | None = None,
    about: list[tuple[str, str]] | None = None,
) -> Path:
    """Write each table to its own sheet (header in bold, a number format per column), atomically, readable by all.

    A `Sheet` keeps the formats it carries; for a frame, `decimals` is the decimals the screen shows for every number
    column (default: as the values need).
    `about`: (label, text) lines for a first sheet "Om" saying what the workbook holds (title, parameters, data, notes)."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    if about:
        ws = book.create_sheet(sheet_name(ABOUT_SHEET, taken))
        for label, text in about:
            ws.append([label, text])
            ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.column_dimensions["A"].width = max(12, *(len(label) + 2 for label, _ in about))
        ws.column_dimensions["B"].width = 100
        for cell in ws["B"]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for title, table in sheets.items():
        ws = book.create_sheet(sheet_name(title, taken))
        if isinstance(table, pd.DataFrame):
            _write_frame(ws, table, decimals)
        else:
            _write_sheet(ws, table)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    book.save(tmp)
    paths.publish(tmp, path)
    return path


def _width(header: object, texts: list[str]) -> int:
    return min(60, max(10, len(str(header)) + 2, *(len(t) + 2 for t in texts[:200])))


def _write_frame(ws, frame: pd.DataFrame, decimals: int | None) -> None:
    """A data frame as a sheet: numbers as numbers, a format per number column from its header and values."""
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append(
            [
                None if (isinstance(v, float) and pd.isna(v)) or v is pd.NA else (v.item() if hasattr(v, "item") else v)
                for v in row
            ]
        )
    for j, col in enumerate(frame.columns, start=1):
        letter = ws.cell(row=1, column=j).column_letter
        ws.column_dimensions[letter].width = _width(col, [str(v) for v in frame[col].head(200)])
        numbers = pd.to_numeric(frame[col], errors="coerce")
        if not pd.api.types.is_bool_dtype(frame[col]) and numbers.notna().any():
            fmt = _number_format(col, frame[col], decimals)
            for cell in ws[letter][1:]:
                cell.number_format = fmt


def _write_sheet(ws, sheet: Sheet) -> None:
    """A report's table as a sheet: exact numbers in the column's format (a marker such as ' *' kept in the cell's
    format, so the cell stays a number), dates as dates, hidden cells ('<5', '..') and text as text."""
    ws.append(list(sheet.columns))
    for row in sheet.rows:
        cells = []
        for value, fmt in zip(row, sheet.formats):
            if isinstance(value, dict) and "date" in value:
                cells.append((dt.date.fromisoformat(value["date"]), "dd.mm.yyyy"))
            elif isinstance(value, dict):  # words around the number kept in the format: "mindst "#,##0.0" *"
                prefix, suffix = (value.get(k, "").replace('"', "") for k in ("prefix", "suffix"))
                number_format = (
                    (f'"{prefix}"' if prefix else "") + (fmt or "General") + (f'"{suffix}"' if suffix else "")
                )
                cells.append((value["value"], number_format))
            else:
                cells.append((value, fmt if isinstance(value, (int, float)) else None))
        ws.append([v for v, _ in cells])
        for cell, (_, fmt) in zip(ws[ws.max_row], cells):
            if fmt:
                cell.number_format = fmt
    for j, header in enumerate(sheet.columns, start=1):
        letter = ws.cell(row=1, column=j).column_letter
        texts = [str(r[j - 1]) for r in sheet.rows if j - 1 < len(r) and not isinstance(r[j - 1], dict)]
        ws.column_dimensions[letter].width = _width(header, texts)


class _Tables(HTMLParser):
    """Collect the cells of every <table> in an HTML fragment (header rows and body rows) and its <h2>/<h3> headings, in
    document order (script contents are not parsed, so a heading in a script is no heading)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.parts: list[str | list[list[str]]] = []  # headings (text) and tables (rows) in the order they come
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
            self.parts.append(self.tables[-1])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag in ("h2", "h3") and self._heading is not None:
            self.parts.append(" ".join("".join(self._heading).split()))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._heading is not None:
            self._heading.append(data)


def html_tables(fragment: str) -> list[list[list[str]]]:
    """The cell texts of every <table> in an HTML fragment, row by row (entities decoded, whitespace collapsed): a page
    read back as a reader sees it (the tests and the attack test read pages with it)."""
    parser = _Tables()
    parser.feed(fragment)
    return parser.tables


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def notebook_tables(notebook) -> dict[str, Sheet]:
    """Every table an executed notebook shows (the data its tables carry beside their HTML), titled by its own title or
    by the section it appears under: a markdown cell's `##` heading, or one a report module writes in an output
    (markdown `##` or HTML `<h2>`/`<h3>`, before the tables of that output). A section's second table is
    'Section (2)'."""
    tables: dict[str, Sheet] = {}
    section, count = "Tabel", 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            heading = re.search(r"^##\s+(.+)$", cell.source, flags=re.MULTILINE)
            if heading:
                section, count = heading.group(1).strip(), 0
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            heading = re.search(r"^##\s+(.+)$", _text(data.get("text/markdown", "")), flags=re.MULTILINE)
            if heading:  # a section heading a report module writes (its text depends on the parameters)
                section, count = heading.group(1).strip(), 0
            parser = _Tables()
            parser.feed(_text(data.get("text/html", "")))
            headings = [p for p in parser.parts if isinstance(p, str)]
            if headings and not data.get(TABLE_MIME, {}).get("tables"):
                section, count = headings[-1], 0
            elif headings:
                section, count = headings[0], 0
            for table in data.get(TABLE_MIME, {}).get("tables", []):
                if len(table["rows"]) < 1:
                    continue
                if table.get("title"):
                    name = table["title"]
                else:
                    count += 1
                    name = f"{section} ({count})" if count > 1 else section
                tables[_unused(name, tables)] = Sheet.from_data(table)
    return tables


def _unused(name: str, tables: dict) -> str:
    """`name`, or 'name (2)', 'name (3)' ... where a table of that name is there already (no table overwrites another)."""
    n, found = 2, name
    while found in tables:
        found, n = f"{name} ({n})", n + 1
    return found
