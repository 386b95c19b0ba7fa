"""Read raw extracts as systems deliver them (CSV in any of the Danish conventions, or XLSX) into a header and rows of
cells with their line numbers: the header found below title lines, the data sheet found behind a cover sheet."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

HEADER_SCAN = 30  # rows searched for the header (title lines, notes and empty rows above it)


class ExtractError(Exception):
    """The file as a whole cannot be read (not decodable, no header, missing columns)."""


@dataclass
class RawTable:
    """A file's header and data rows: `frame` holds the cells (one column per header position; text for CSV, typed
    for XLSX), `lines` each row's line (CSV) or row number (XLSX), `extra` the cells beyond the header's width."""

    path: Path
    header: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    encoding: str
    delimiter: str
    sheet: str = ""
    header_line: int = 1
    notes: list[str] = field(default_factory=list)
    extra: dict[int, list[object]] = field(default_factory=dict)  # row position -> the non-empty cells past the header
    typed: bool = False  # cells typed as in a workbook (numbers, dates), not all text

    def row_cells(self, position: int) -> list[object]:
        """A row's cells as read, those past the header included."""
        return list(self.frame.iloc[position]) + self.extra.get(position, [])


def normalise_header(name: object) -> str:
    """'Nettodrift (1.000 kr.)' -> 'nettodrift1000kr', 'Budgetår' -> 'budgetaar': case, accents, spaces and punctuation ignored."""
    text = unicodedata.normalize("NFC", str(name).replace("\ufeff", "")).strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", text)


def decode(data: bytes, path: Path) -> tuple[str, str, list[str]]:
    """Decode CSV bytes: UTF-8 (with or without BOM) first, UTF-16 with BOM; a UTF-8 file with a few Windows-1252
    bytes keeps UTF-8 and decodes those lines as cp1252 (and says which); a Windows file is cp1252 (not latin-1)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", []
    if b"\x00" in data:
        raise ExtractError(f"{path}: cannot be decoded: binary content (NUL bytes) and no UTF-16 byte-order mark")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    bad = []
    for number, line in enumerate(lines, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
    utf8_multibyte = re.search(rb"[\xc2-\xf4][\x80-\xbf]", data) is not None
    if utf8_multibyte and len(bad) <= max(3, len(lines) // 100):
        text = "\n".join(
            line.decode("utf-8") if i + 1 not in set(bad) else line.decode("cp1252", errors="replace")
            for i, line in enumerate(lines)
        )
        shown = ", ".join(map(str, bad[:10])) + (" ..." if len(bad) > 10 else "")
        return text, "utf-8", [f"line(s) {shown} held Windows-1252 bytes in a UTF-8 file; read as Windows-1252"]
    return data.decode("cp1252", errors="replace"), "cp1252", []


def sniff_delimiter(lines: list[str]) -> str:
    """The separator used most consistently in the first lines: ';' (Danish exports), tab, or ','."""
    best, best_score = ";", -1
    for delimiter in (";", "\t", ","):
        counts = [line.count(delimiter) for line in lines if line.strip()]
        score = max(counts, default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _header_row(rows: list[list[object]], known: set[str]) -> int:
    """The index of the header among the first rows: the row naming most known columns (the first row when none does)."""
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN]):
        hits = len({normalise_header(c) for c in row if str(c or "").strip()} & known)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _empty(cells: np.ndarray) -> np.ndarray:
    """Which cells hold nothing (missing or ''), vectorised over an object array; text of only spaces counts as a value
    here and as empty when the column is parsed."""
    return pd.isna(cells) | (cells == "") if cells.size else np.zeros(cells.shape, dtype=bool)


def _table(path: Path, records: list[list[object]], numbers: list[int], known: set[str], **info) -> RawTable:
    if not records:
        raise ExtractError(f"{path}: the file is empty (no header line)")
    at = _header_row(records, known) if known else 0
    header = [str(c).strip() if c is not None else "" for c in records[at]]
    while header and not header[-1]:
        header.pop()
    width = len(header)
    rest = records[at + 1 :]
    longest = max((len(r) for r in rest), default=width)
    if any(len(r) != longest for r in rest):  # ragged rows (a CSV line with fewer or more fields): padded to one width
        rest = [list(r) + [None] * (longest - len(r)) for r in rest]
    body = pd.DataFrame(rest, dtype=object) if rest else pd.DataFrame(columns=range(width), dtype=object)
    for missing in range(body.shape[1], width):  # rows shorter than the header
        body[missing] = None
    empty = _empty(body.to_numpy())
    keep = ~empty.all(axis=1) if body.shape[1] else np.zeros(len(body), dtype=bool)
    lines = np.asarray(numbers[at + 1 :], dtype="int64")[keep]
    body = body[keep].reset_index(drop=True)
    empty = empty[keep]
    extra = {}
    if body.shape[1] > width:  # cells past the header's width: reported as a row with too many fields
        beyond = np.flatnonzero(~empty[:, width:].all(axis=1))
        extra = {int(i): list(body.iloc[i, width:]) for i in beyond}
    frame = body.iloc[:, :width].copy()
    frame.columns = range(width)
    frame = frame.where(
        ~pd.DataFrame(empty[:, :width], index=frame.index, columns=frame.columns), ""
    )  # as a CSV has them
    return RawTable(path, header, frame, lines, header_line=numbers[at], extra=extra, **info)


def read_csv_text(path: Path, known: set[str] = frozenset()) -> RawTable:
    """Read a CSV extract as text cells, keeping each record's line number (quoted line breaks are followed).

    An Excel `sep=;` first line sets the separator; the header is the row among the first that names most columns
    of the kind (`known`, normalised names), so title lines above it are skipped."""
    text, encoding, notes = decode(path.read_bytes(), path)
    if not text.strip():
        raise ExtractError(f"{path}: the file is empty (no header line)")
    head = text[:20000].splitlines()
    skip = 0
    delimiter = None
    if head and re.fullmatch(r'"?sep=(.)"?', head[0].strip()):
        delimiter, skip = re.fullmatch(r'"?sep=(.)"?', head[0].strip()).group(1), 1
    delimiter = delimiter or sniff_delimiter(head[skip : skip + HEADER_SCAN])
    if '"' not in text:  # no quoted fields, so every record is one line: pandas' C reader keeps the line numbers
        fast = _read_plain(path, text, delimiter, skip, known, encoding, notes)
        if fast is not None:
            return fast
    stream = io.StringIO(text, newline="")
    for _ in range(skip):
        stream.readline()
    reader = csv.reader(stream, delimiter=delimiter)
    records, numbers, start = [], [], skip + 1
    for record in reader:
        records.append(record)
        numbers.append(start)
        start = skip + reader.line_num + 1
    return _table(path, records, numbers, known, encoding=encoding, delimiter=delimiter, notes=notes)


def _read_plain(
    path: Path, text: str, delimiter: str, skip: int, known: set[str], encoding: str, notes: list[str]
) -> RawTable | None:
    """A CSV without quotes read by pandas (fast); None when a row has more fields than the header (the csv module
    then reads it, so the row can be reported)."""
    lines = text.split("\n", skip + HEADER_SCAN + 1)
    head = [line.rstrip("\r").split(delimiter) for line in lines[skip : skip + HEADER_SCAN]]
    at = _header_row(head, known) if known else 0
    header = [c.strip() for c in head[at]] if head else []
    while header and not header[-1]:
        header.pop()
    width = len(header)
    if not width:
        return None
    try:
        clean = (
            encoding in ("utf-8", "cp1252") and not notes
        )  # the file decodes as a whole: pandas reads the bytes itself
        source = path if clean else io.StringIO(text)
        frame = pd.read_csv(
            source,
            encoding=encoding if clean else None,
            sep=delimiter,
            header=None,
            skiprows=skip + at + 1,
            names=range(width),
            dtype=object,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
            quoting=csv.QUOTE_NONE,
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            frame = pd.DataFrame(columns=range(width), dtype=object)
        else:
            return None
    numbers = np.arange(len(frame), dtype="int64") + skip + at + 2
    first = frame[0].to_numpy()
    keep = (first != "") & (first == first)  # most rows: a first cell settles it; the rest are checked in full
    doubt = np.flatnonzero(~keep)
    if len(doubt):
        rest = frame.iloc[doubt].to_numpy()
        keep[doubt] = ((rest != "") & (rest == rest)).any(axis=1)
    frame = frame[keep].reset_index(drop=True)
    return RawTable(path, header, frame, numbers[keep], encoding, delimiter, header_line=skip + at + 1, notes=notes)


def read_xlsx(path: Path, known: set[str] = frozenset()) -> RawTable:
    """Read the data sheet of an XLSX workbook (the sheet whose header names most known columns: a cover sheet is
    passed over) with cells as typed: numbers stay numbers and dates stay dates. Row numbers are the sheet's."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for a damaged or non-XLSX file
        raise ExtractError(f"{path}: cannot be read as XLSX: {exc}") from None
    best = None
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        if not rows:
            continue
        hits = (
            len(
                {normalise_header(c) for c in rows[_header_row(rows, known)] if c is not None and str(c).strip()}
                & known
            )
            if known
            else 0
        )
        if best is None or hits > best[0]:
            best = (hits, name, rows)
    if best is None:
        raise ExtractError(f"{path}: the sheet is empty (no header row)")
    _, name, rows = best
    return _table(
        path, rows, list(range(1, len(rows) + 1)), known, encoding="xlsx", delimiter="", sheet=name, typed=True
    )


def read_table(path: Path, known: set[str] = frozenset()) -> RawTable:
    """Read CSV or XLSX by the file's content (XLSX is a zip file)."""
    if not path.exists():
        raise ExtractError(f"{path}: no such file")
    with path.open("rb") as fh:
        magic = fh.read(4)
    return read_xlsx(path, known) if magic == b"PK\x03\x04" else read_csv_text(path, known)
