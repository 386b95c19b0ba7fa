"""Deterministic writers for the sample extracts, in the formats real systems deliver."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_extract(
    df: pd.DataFrame,
    path: Path,
    *,
    sep: str = ";",
    encoding: str = "utf-8",
    bom: bool = False,
    crlf: bool = False,
) -> Path:
    """Write a frame whose cells are already formatted strings/ints as a CSV extract, byte-stable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = df.to_csv(sep=sep, index=False, lineterminator="\r\n" if crlf else "\n")
    data = text.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path
