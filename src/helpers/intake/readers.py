"""Read raw extracts (CSV in any of the Danish conventions, or XLSX) into header + text rows with line numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path


class ExtractError(Exception):
    """The file as a whole cannot be read (not decodable, no header, missing columns)."""


@dataclass
class RawTable:
    """A file's header and rows as text; `lines` holds each row's line number in the file (header = 1)."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    encoding: str
    delimiter: str


def normalise_header(name: str) -> str:
    """Lower-case, strip, spaces and dashes to underscores: 'Nettodrift (1.000 kr.)' -> 'nettodrift_(1.000_kr.)'."""
    text = unicodedata.normalize("NFC", name.replace("\ufeff", "")).strip().lower()
    return "_".join(text.replace("-", " ").split())


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else latin-1 (Windows exports)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data:
        raise ExtractError(f"{path}: cannot be decoded: binary content (NUL bytes) and no UTF-16 byte-order mark")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def sniff_delimiter(first_line: str) -> str:
    """The header's separator: ';' (Danish exports), tab, or ','."""
    counts = {d: first_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def read_csv_text(path: Path) -> RawTable:
    """Read a CSV extract as text, keeping each record's line number (quoted line breaks are followed)."""
    text, encoding = decode(path.read_bytes(), path)
    if not text.strip():
        raise ExtractError(f"{path}: the file is empty (no header line)")
    delimiter = sniff_delimiter(text.splitlines()[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    rows, lines, start = [], [], reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            rows.append(record)
            lines.append(start)
        start = reader.line_num + 1
    return RawTable(path, header, rows, lines, encoding, delimiter)


def _cell_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold (dates ISO, whole floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path) -> RawTable:
    """Read the first sheet of an XLSX workbook; row numbers are the sheet's (header = row 1)."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged or non-XLSX file
        raise ExtractError(f"{path}: cannot be read as XLSX: {exc}") from None
    sheet = workbook.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(v) for v in next(rows_iter)]
    except StopIteration:
        raise ExtractError(f"{path}: the sheet is empty (no header row)") from None
    while header and not header[-1]:
        header.pop()
    rows, lines = [], []
    for number, values in enumerate(rows_iter, start=2):
        cells = [_cell_text(v) for v in values[: len(header)]]
        if any(c.strip() for c in cells):
            rows.append(cells)
            lines.append(number)
    workbook.close()
    return RawTable(path, header, rows, lines, "xlsx", "")


def read_table(path: Path) -> RawTable:
    """Read CSV or XLSX by the file's content (XLSX is a zip file)."""
    if not path.exists():
        raise ExtractError(f"{path}: no such file")
    with path.open("rb") as fh:
        magic = fh.read(4)
    return read_xlsx(path) if magic == b"PK\x03\x04" else read_csv_text(path)
