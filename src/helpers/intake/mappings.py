"""Mapping tables for classification columns (measure, status, unit, provider type, target group, sex, yes/no, area ...):
the shipped Danish defaults in data/reference/mappings/ and a municipality's own files in the local folder.

A local file has the same name and columns (`value,mapped`) and wins over the shipped one for the values it lists;
the shipped files are never edited. Matching ignores case, accents, surrounding spaces and punctuation.
A value nobody mapped is not an error: ingestion keeps the row with the mapped value `unmapped` and lists the value.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from functools import cache
from pathlib import Path

import pandas as pd

from helpers import paths

UNMAPPED = "unmapped"
SHIPPED = paths.REFERENCE / "mappings"


def local_dir() -> Path:
    """Where a municipality keeps its own mapping files: $HELPERS_MAPPINGS_DIR, else the workspace's mappings/."""
    return Path(os.environ.get("HELPERS_MAPPINGS_DIR", paths.workspace_dir() / "mappings"))


def normalise(text: object) -> str:
    """'Anbringelse i Plejefamilie.' -> 'anbringelseiplejefamilie'; æ, ø, å as ae, oe, aa; other accents dropped."""
    s = str(text).lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa").replace("§", "p")
    s = unicodedata.normalize("NFKD", s)
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in s if not unicodedata.combining(c)))


def _read(path: Path) -> dict[str, str]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment="#")
    missing = {"value", "mapped"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"{path}: a mapping file needs the columns value,mapped (missing {', '.join(sorted(missing))})"
        )
    return {normalise(v): m.strip() for v, m in zip(frame["value"], frame["mapped"]) if normalise(v)}


def table(name: str) -> dict[str, str]:
    """The mapping {normalised value: code} of one table: shipped, then the local file on top."""
    own = local_dir() / f"{name}.csv"
    return _table(name, own, own.stat().st_mtime_ns if own.is_file() else 0)


@cache
def _table(name: str, own: Path, version: int) -> dict[str, str]:
    shipped = SHIPPED / f"{name}.csv"
    mapping = _read(shipped) if shipped.is_file() else {}
    if version:
        mapping |= _read(own)
    return mapping


def names() -> list[str]:
    """The shipped mapping tables."""
    return sorted(p.stem for p in SHIPPED.glob("*.csv"))


def apply(raw: pd.Series, name: str) -> pd.Series:
    """Each value's code in table `name`; empty stays empty (None), unknown becomes `unmapped`."""
    mapping = table(name)
    keys = raw.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else normalise(v))
    mapped = keys.map(mapping)
    return mapped.where(keys == "", mapped.fillna(UNMAPPED)).where(keys != "", None)


def suggest(values: pd.Series, name: str, n: int = 3) -> pd.DataFrame:
    """Unmapped values with their row counts and the closest known values (for the analyst to confirm)."""
    mapping = table(name)
    counts = values.value_counts()
    rows = []
    for value, count in counts.items():
        close = difflib.get_close_matches(normalise(value), list(mapping), n=n, cutoff=0.5)
        rows.append(
            {
                "table": name,
                "value": value,
                "rows": int(count),
                "suggested": mapping[close[0]] if close else "",
                "similar_known": " | ".join(sorted({mapping[c] for c in close})),
            }
        )
    return pd.DataFrame(rows, columns=["table", "value", "rows", "suggested", "similar_known"])
