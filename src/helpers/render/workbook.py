"""XLSX workbooks for analysts: one sheet per table, numbers kept as numbers with thousands separators.

Excel shows `#,##0.0` with the reader's own separators, so a Danish Excel shows 1.706,5.
"""

from __future__ import annotations

import os
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from helpers import paths

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


YEAR_HEADERS = {"år", "aar", "year", "regnskabsår", "budgetår"}


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
    path: Path, sheets: dict[str, pd.DataFrame], decimals: int | None = None, about: list[tuple[str, str]] | None = None
) -> Path:
    """Write each frame to its own sheet (header in bold, number formats per column), atomically, readable by all.

    `decimals`: the decimals the screen shows for every number column (default: as the values need).
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
    for title, frame in sheets.items():
        ws = book.create_sheet(sheet_name(title, taken))
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append(
                [
                    None
                    if (isinstance(v, float) and pd.isna(v)) or v is pd.NA
                    else (v.item() if hasattr(v, "item") else v)
                    for v in row
                ]
            )
        for j, col in enumerate(frame.columns, start=1):
            letter = ws.cell(row=1, column=j).column_letter
            ws.column_dimensions[letter].width = min(
                60, max(10, len(str(col)) + 2, *(len(str(v)) + 2 for v in frame[col].head(200)))
            )
            numbers = pd.to_numeric(frame[col], errors="coerce")
            if not pd.api.types.is_bool_dtype(frame[col]) and numbers.notna().any():
                fmt = _number_format(col, frame[col], decimals)
                for cell in ws[letter][1:]:
                    cell.number_format = fmt
        ws.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    book.save(tmp)
    paths.publish(tmp, path)
    return path


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


DANISH_NUMBER = re.compile(r"[-+]?\d{1,3}(\.\d{3})*(,\d+)?|[-+]?\d+(,\d+)?")


def _value(text: str) -> object:
    """A table cell back as a number where it is one in Danish format ('1.706,5' -> 1706.5); else the text."""
    from helpers.intake.values import parse_number

    return parse_number(text) if DANISH_NUMBER.fullmatch(text) else text


def html_tables(fragment: str) -> list[list[list[str]]]:
    """The cell texts of every <table> in an HTML fragment, row by row (entities decoded, whitespace collapsed)."""
    parser = _Tables()
    parser.feed(fragment)
    return parser.tables


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def notebook_tables(notebook) -> dict[str, pd.DataFrame]:
    """Every table an executed notebook shows, titled by the section it appears under: a markdown cell's `##` heading,
    or one a report module writes in an output (markdown `##` or HTML `<h2>`, as the packs do). A section's second
    table is 'Section (2)'."""
    tables: dict[str, pd.DataFrame] = {}
    section, count = "Tabel", 0
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            heading = re.search(r"^##\s+(.+)$", cell.source, flags=re.MULTILINE)
            if heading:
                section, count = heading.group(1).strip(), 0
            continue
        for output in cell.get("outputs", []):
            heading = re.search(
                r"^##\s+(.+)$", _text(output.get("data", {}).get("text/markdown", "")), flags=re.MULTILINE
            )
            if heading:  # a section heading a report module writes (its text depends on the parameters)
                section, count = heading.group(1).strip(), 0
            parser = _Tables()
            parser.feed(_text(output.get("data", {}).get("text/html", "")))
            for part in parser.parts:
                if isinstance(part, str):
                    section, count = part, 0
                    continue
                if len(part) < 2:
                    continue
                count += 1
                width = max(len(r) for r in part)
                header = part[0] + [""] * (width - len(part[0]))
                body = [[_value(v) for v in r] + [None] * (width - len(r)) for r in part[1:]]
                tables[f"{section} ({count})" if count > 1 else section] = pd.DataFrame(body, columns=header)
    return tables
