"""Read raw extracts as systems deliver them into a header and rows of cells with their line numbers.

What a file is is decided by its content, not its name: CSV in any of the Danish conventions, an XLSX or ODS workbook,
a legacy .xls workbook; a zip archive, a PDF or an HTML page named .csv or .xls is told for what it is. In a CSV the
header is found below title lines (also a header over two rows, merged cells); in a workbook every sheet whose header
names the kind's columns is read (one sheet per month), a cover sheet is passed over.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.intake.messages import ExtractError, Message, msg

__all__ = ["ExtractError", "RawTable", "normalise_header", "read_table"]

HEADER_SCAN = 30  # rows searched for the header (title lines, notes and empty rows above it)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy Office file (.xls)


@dataclass(eq=False)
class RawTable:
    """A file's header and data rows: `frame` holds the cells (one column per header position; text for CSV, typed
    for a workbook), `lines` each row's line (CSV) or row number (a sheet), `sheets` each row's sheet when several
    were read, `extra` the cells beyond the header's width."""

    path: Path
    header: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    encoding: str
    delimiter: str
    sheet: str = ""
    header_line: int = 1
    notes: list[Message] = field(default_factory=list)
    extra: dict[int, list[object]] = field(default_factory=dict)  # row position -> the non-empty cells past the header
    typed: bool = False  # cells typed as in a workbook (numbers, dates), not all text
    sheets: np.ndarray | None = None  # per row: its sheet, when the rows come from several sheets

    def row_cells(self, position: int) -> list[object]:
        """A row's cells as read, those past the header included."""
        return list(self.frame.iloc[position]) + self.extra.get(position, [])

    def where(self, position: int) -> str:
        """A row's line as a reader finds it: '12', or '12 (ark Marts)' when the rows come from several sheets."""
        line = str(int(self.lines[position]))
        return f"{line} ({self.sheets[position]})" if self.sheets is not None else line


def normalise_header(name: object) -> str:
    """'Nettodrift (1.000 kr.)' -> 'nettodrift1000kr', 'Budgetår' -> 'budgetaar': case, accents, spaces and punctuation ignored."""
    text = unicodedata.normalize("NFC", str(name).replace("\ufeff", "")).strip().lower()
    text = text.replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", text)


# -- what the file is -----------------------------------------------------------------------------------------------------


def _sniff(path: Path, head: bytes) -> str:
    """'xlsx' (also ODS), 'xls' or 'text'; raises ExtractError for a file that is no extract (zip, PDF, HTML page)."""
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise ExtractError(path, msg("unreadable_workbook", detail="a damaged zip file")) from None
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names) or "content.xml" in names:
            return "xlsx"
        raise ExtractError(path, msg("zip_not_workbook"))
    if head.startswith(OLE2):
        return "xls"
    if head.startswith(b"%PDF"):
        raise ExtractError(path, msg("pdf_not_data"))
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<html", b"<!doctype html", b"<table", b"<head", b"<body")) or (
        start.startswith(b"<?xml") and b"<html" in start
    ):
        raise ExtractError(path, msg("html_not_data"))
    if start.startswith(b"<?xml") and b"office:spreadsheet" in start:
        raise ExtractError(path, msg("xml_spreadsheet"))
    return "text"


# -- decoding -------------------------------------------------------------------------------------------------------------


def _cp1252_character(error: UnicodeDecodeError) -> tuple[str, int]:
    """A byte that is no UTF-8 read as the Windows-1252 character it is (the rest of the line stays UTF-8)."""
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("helpers.cp1252", _cp1252_character)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode(data: bytes, path: Path) -> tuple[str, str, list[Message]]:
    """Decode CSV bytes: UTF-8 (with or without BOM) first, UTF-16 with BOM; a UTF-8 file holding some Windows-1252
    bytes stays UTF-8 and those bytes are read as Windows-1252 characters, one by one (a line with 'Ærø' in UTF-8 and
    'ø' from Windows keeps both), and the lines are named; a Windows file is cp1252 (not latin-1)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", []
    if b"\x00" in data:
        raise ExtractError(path, msg("binary_content"))
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    valid = _UTF8_MULTIBYTE.findall(data)
    stray = len(re.findall(rb"[\x80-\xff]", data)) - sum(len(v) for v in valid)  # bytes that are no UTF-8
    if valid and len(valid) >= stray:  # mostly UTF-8: a few Windows bytes pasted in
        bad = []
        for number, line in enumerate(data.split(b"\n"), start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad.append(str(number))
        shown = ", ".join(bad[:10]) + (" ..." if len(bad) > 10 else "")
        return data.decode("utf-8", errors="helpers.cp1252"), "utf-8", [msg("mixed_encoding", lines=shown)]
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


# -- the header -----------------------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    return str(value).strip() if value is not None and not (isinstance(value, float) and np.isnan(value)) else ""


def _hits(row: list[object], known: set[str]) -> int:
    return len({normalise_header(c) for c in row if _cell(c)} & known)


def _header_row(rows: list[list[object]], known: set[str]) -> int:
    """The index of the header among the first rows: the row naming most known columns (the first row when none does)."""
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:HEADER_SCAN]):
        hits = _hits(row, known)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _combined(top: list[object], bottom: list[object], known: set[str]) -> list[str]:
    """A header over two rows as one: a cell of the upper row stands over the empty cells to its right (merged cells),
    and each column is named by the first of 'upper lower', 'lower', 'upper' that is a known name."""
    width = max(len(top), len(bottom))
    top = [_cell(c) for c in top] + [""] * (width - len(top))
    bottom = [_cell(c) for c in bottom] + [""] * (width - len(bottom))
    names, over = [], ""
    for upper, lower in zip(top, bottom):
        over = upper or over
        candidates = [f"{over} {lower}".strip(), lower, upper]
        names.append(next((c for c in candidates if c and normalise_header(c) in known), lower or upper or ""))
    return names


def _header(records: list[list[object]], known: set[str]) -> tuple[list[str], int, int, Message | None]:
    """The header (its cells), the index of its first row, how many rows it spans (1 or 2), and a note for two."""
    at = _header_row(records, known) if known else 0
    header = [_cell(c) for c in records[at]]
    if not known:
        return header, at, 1, None
    best = (_hits(header, known), header, at, 1)
    for first in (at - 1, at):
        if 0 <= first and first + 1 < len(records):
            names = _combined(records[first], records[first + 1], known)
            if _hits(names, known) > best[0]:
                best = (_hits(names, known), names, first, 2)
    _, header, first, rows = best
    note = None
    if rows == 2:
        note = msg("two_row_header", first=first + 1, second=first + 2, names=[n for n in header if n])
    return header, first, rows, note


def _empty(cells: np.ndarray) -> np.ndarray:
    """Which cells hold nothing (missing or ''), vectorised over an object array; text of only spaces counts as a value
    here and as empty when the column is parsed."""
    return pd.isna(cells) | (cells == "") if cells.size else np.zeros(cells.shape, dtype=bool)


def _table(path: Path, records: list[list[object]], numbers: list[int], known: set[str], **info) -> RawTable:
    if not records:
        raise ExtractError(path, msg("empty_file"))
    header, at, spans, note = _header(records, known)
    while header and not header[-1]:
        header.pop()
    width = len(header)
    rest = records[at + spans :]
    longest = max((len(r) for r in rest), default=width)
    if any(len(r) != longest for r in rest):  # ragged rows (a CSV line with fewer or more fields): padded to one width
        rest = [list(r) + [None] * (longest - len(r)) for r in rest]
    body = pd.DataFrame(rest, dtype=object) if rest else pd.DataFrame(columns=range(width), dtype=object)
    for missing in range(body.shape[1], width):  # rows shorter than the header
        body[missing] = None
    empty = _empty(body.to_numpy())
    keep = ~empty.all(axis=1) if body.shape[1] else np.zeros(len(body), dtype=bool)
    lines = np.asarray(numbers[at + spans :], dtype="int64")[keep]
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
    notes = list(info.pop("notes", [])) + ([note] if note else [])
    return RawTable(path, header, frame, lines, header_line=numbers[at], extra=extra, notes=notes, **info)


# -- CSV ------------------------------------------------------------------------------------------------------------------


def read_csv_text(path: Path, known: set[str] = frozenset(), head_only: bool = False) -> RawTable:
    """Read a CSV extract as text cells, keeping each record's line number (quoted line breaks are followed).

    An Excel `sep=;` first line sets the separator; the header is the row among the first that names most columns
    of the kind (`known`, normalised names), so title lines above it are skipped. `head_only`: the first lines only
    (enough to tell the header)."""
    text, encoding, notes = decode(path.read_bytes(), path)
    if head_only:
        text = "\n".join(text.split("\n", HEADER_SCAN + 2)[: HEADER_SCAN + 2])
    if not text.strip():
        raise ExtractError(path, msg("empty_file"))
    head = text[:20000].splitlines()
    skip = 0
    delimiter = None
    if head and re.fullmatch(r'"?sep=(.)"?', head[0].strip()):
        delimiter, skip = re.fullmatch(r'"?sep=(.)"?', head[0].strip()).group(1), 1
    delimiter = delimiter or sniff_delimiter(head[skip : skip + HEADER_SCAN])
    if (
        '"' not in text and not head_only
    ):  # no quoted fields: every record is one line, pandas' C reader keeps the lines
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
    path: Path, text: str, delimiter: str, skip: int, known: set[str], encoding: str, notes: list[Message]
) -> RawTable | None:
    """A CSV without quotes read by pandas (fast); None when a row has more fields than the header or the header spans
    two rows (the csv module then reads it, so the row can be reported)."""
    lines = text.split("\n", skip + HEADER_SCAN + 1)
    head = [line.rstrip("\r").split(delimiter) for line in lines[skip : skip + HEADER_SCAN]]
    if not head:
        return None
    header, at, spans, _ = _header(head, known)
    if spans != 1:
        return None
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


# -- workbooks ------------------------------------------------------------------------------------------------------------


def _qualifies(table: RawTable, required: list[set[str]]) -> bool:
    names = {normalise_header(h) for h in table.header}
    return bool(required) and all(names & group for group in required)


def _aligned(table: RawTable, header: list[str]) -> pd.DataFrame:
    """A sheet's cells in the columns of another sheet's header, matched by name (a column it lacks stays empty)."""
    at = {}
    for i, name in enumerate(table.header):
        at.setdefault(normalise_header(name), i)
    columns = [at.get(normalise_header(h)) for h in header]
    return pd.DataFrame(
        {j: table.frame[i] if i is not None else pd.Series("", index=table.frame.index) for j, i in enumerate(columns)}
    )


def read_workbook(
    path: Path,
    known: set[str] = frozenset(),
    required: list[set[str]] = (),
    legacy: bool = False,
    head_only: bool = False,
) -> RawTable:
    """Read a workbook (XLSX, ODS or legacy XLS) with cells as typed: numbers stay numbers and dates stay dates. Every
    sheet whose header names the kind's required columns is read, in the order of the sheets (one sheet per month),
    and named in the notes; without such a sheet, the sheet whose header names most known columns. Row numbers are
    the sheet's."""
    from python_calamine import CalamineWorkbook

    try:
        with path.open("rb") as fh:
            book = CalamineWorkbook.from_filelike(fh)
    except Exception as exc:  # calamine raises several types for a damaged or unsupported file
        detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ExtractError(
            path, msg("legacy_xls_unreadable" if legacy else "unreadable_workbook", detail=detail)
        ) from None
    tables = []
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(
            skip_empty_area=False, nrows=HEADER_SCAN + 2 if head_only else None
        )
        if not rows:
            continue
        table = _table(
            path, rows, list(range(1, len(rows) + 1)), known, encoding="xlsx", delimiter="", sheet=name, typed=True
        )
        tables.append(table)
    if not tables:
        raise ExtractError(path, msg("empty_sheet"))
    chosen = [t for t in tables if _qualifies(t, list(required))]
    chosen_ids = {id(t) for t in chosen}
    notes = [msg("legacy_xls")] if legacy else []
    if len(chosen) <= 1:
        best = chosen[0] if chosen else max(tables, key=lambda t: (_hits(t.header, known), -tables.index(t)))
        best.notes = notes + best.notes
        return best
    first = chosen[0]
    frame = pd.concat([_aligned(t, first.header) for t in chosen], ignore_index=True)
    others = [t.sheet for t in tables if id(t) not in chosen_ids]
    notes += [msg("sheets_read", count=len(chosen), sheets=[f"{t.sheet} ({len(t.frame)} rækker)" for t in chosen])]
    notes += [msg("sheets_passed_over", sheets=others)] if others else []
    offsets = np.cumsum([0] + [len(t.frame) for t in chosen])
    extra = {int(offsets[k] + i): cells for k, t in enumerate(chosen) for i, cells in t.extra.items()}
    return RawTable(
        path,
        first.header,
        frame,
        np.concatenate([t.lines for t in chosen]),
        "xlsx",
        "",
        sheet=", ".join(t.sheet for t in chosen),
        header_line=first.header_line,
        notes=notes + [n for t in chosen for n in t.notes],
        extra=extra,
        typed=True,
        sheets=np.concatenate([np.full(len(t.frame), t.sheet, dtype=object) for t in chosen]),
    )


def read_table(
    path: Path, known: set[str] = frozenset(), required: list[set[str]] = (), head_only: bool = False
) -> RawTable:
    """Read a CSV file or a workbook, told apart by content (not by name). `known` are the kind's column names and
    aliases (normalised), `required` per required column its names: a workbook's sheets holding them all are read.
    `head_only`: the first rows only, enough to tell the header."""
    path = Path(path)
    if not path.is_file():
        raise ExtractError(path, msg("no_such_file"))
    with path.open("rb") as fh:
        head = fh.read(2048)
    what = _sniff(path, head)
    if what == "text":
        return read_csv_text(path, known, head_only)
    return read_workbook(path, known, required, legacy=what == "xls", head_only=head_only)
