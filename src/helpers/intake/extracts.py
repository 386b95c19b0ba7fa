"""One extract read for a command: the accepted rows, typed as the warehouse types them, and the count quarantined."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from helpers import paths
from helpers.intake.ingest import ingest


def read_cases(path: Path, key: bytes | None = None) -> tuple[pd.DataFrame, int]:
    """Case periods from a `cases` extract: the accepted rows only (quarantined rows never reach the engine)."""
    result = ingest("cases", Path(path), key)
    return result.accepted, len(result.rejected)


def read_actuals(path: Path, key: bytes | None = None) -> tuple[pd.DataFrame, int]:
    """Booked actuals (case_id, measure, month YYYY-MM, amount) from an `actuals` extract, accepted rows only."""
    result = ingest("actuals", Path(path), key)
    return result.accepted, len(result.rejected)


def read_registrations(path: Path, key: bytes | None = None) -> tuple[pd.DataFrame, int]:
    """A registrations extract typed by the staging view (as in the warehouse), and the number of rows quarantined."""
    result = ingest("registrations", Path(path), key)
    con = duckdb.connect()
    try:
        con.register("raw_registrations", result.accepted.assign(source_file=Path(path).name))
        sql = (paths.SQL / "staging" / "stg_progression__registrations.sql").read_text(encoding="utf-8")
        frame = con.execute(f"{sql} order by case_id, registration_no").df()
    finally:
        con.close()
    return frame, len(result.rejected)
