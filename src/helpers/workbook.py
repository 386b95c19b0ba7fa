"""XLSX workbooks for analysts: one sheet per table, numbers kept as numbers with thousands separators.

Excel shows `#,##0.0` with the reader's own separators, so a Danish Excel shows 1.706,5.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font


def sheet_name(title: str, taken: set[str]) -> str:
    """An Excel-safe, unique sheet name (at most 31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", title).strip() or "Tabel"
    name, n = base[:31], 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def _number_format(values: pd.Series) -> str:
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if numbers.empty or (numbers == numbers.round()).all():
        return "#,##0"
    return "#,##0.0" if numbers.abs().max() >= 100 else "#,##0.00"


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write each frame to its own sheet (header in bold, number formats per column), atomically."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for title, frame in sheets.items():
        ws = book.create_sheet(sheet_name(title, taken))
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and pd.isna(v)) or v is pd.NA else (v.item() if hasattr(v, "item") else v) for v in row])
        for j, col in enumerate(frame.columns, start=1):
            letter = ws.cell(row=1, column=j).column_letter
            ws.column_dimensions[letter].width = min(60, max(10, len(str(col)) + 2, *(len(str(v)) + 2 for v in frame[col].head(200))))
            if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
                fmt = _number_format(frame[col])
                for cell in ws[letter][1:]:
                    cell.number_format = fmt
        ws.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    book.save(tmp)
    os.replace(tmp, path)
    return path
