"""One extract read for a command: the accepted rows, typed as the warehouse types them, and the row counts
(read, accepted, rejected, unmapped) the command reports, so nothing is dropped silently."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from helpers import paths
from helpers.intake import mappings
from helpers.intake.ingest import IngestResult, ingest


def counts(result: IngestResult) -> dict[str, int]:
    """{read, accepted, rejected, unmapped}: rows of the file, and the accepted rows holding an unmapped value."""
    s = result.summary()
    return {
        "read": s["rows_read"],
        "accepted": s["accepted"],
        "rejected": s["rejected"],
        "unmapped": s["unmapped_rows"],
    }


def _own_names(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """An unmapped measure counts under its own name (its money is never dropped for an unfamiliar word)."""
    if column not in frame:
        return frame
    unmapped = frame[column] == mappings.UNMAPPED
    return frame.assign(**{column: frame[column].where(~unmapped, frame[f"{column}_raw"])})


def read_cases(path: Path, key: bytes | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Case periods from a `cases` extract: the accepted rows only (quarantined rows never reach the engine)."""
    result = ingest("cases", Path(path), key)
    return _own_names(result.accepted, "measure"), counts(result)


def read_actuals(path: Path, key: bytes | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Booked actuals (case_id, measure, month YYYY-MM, amount) from an `actuals` extract, accepted rows only."""
    result = ingest("actuals", Path(path), key)
    return _own_names(result.accepted, "measure"), counts(result)


def read_registrations(path: Path, key: bytes | None = None) -> tuple[pd.DataFrame, dict[str, int], list[str]]:
    """A registrations extract typed by the staging view (as in the warehouse), the row counts and the notes (gaps,
    cells saying not assessed), worded for the command line."""
    result = ingest("registrations", Path(path), key)
    con = duckdb.connect()
    try:
        con.register("raw_registrations", result.accepted.assign(source_file=Path(path).name))
        sql = (paths.SQL / "staging" / "stg_progression__registrations.sql").read_text(encoding="utf-8")
        frame = con.execute(f"{sql} order by case_id, registration_no").df()
    finally:
        con.close()
    return frame, counts(result), [note.english() for note in result.notes]


def caseworker_key(path: Path, key: bytes | None = None) -> pd.DataFrame:
    """The administration's own key from a `cases` extract: each caseworker as the extract names them, the keyed
    pseudonym the reports show (the same key as the ingestion's) and the number of accepted case lines. For the
    department head to read the packs' caseworker table; never written to the warehouse or the reports."""
    from helpers.intake.kinds import aliases
    from helpers.intake.messages import ExtractError, msg

    for name in ("caseworker", *aliases()["cases"].get("caseworker", ())):
        try:
            result = ingest("cases", Path(path), key, keep=(name,))
        except ExtractError as exc:
            if exc.message.code == "no_such_keep_column":
                continue
            raise
        kept = next(c for c in result.accepted if c.startswith("kept_"))
        rows = result.accepted[[kept, "caseworker"]].dropna()
        return (
            rows.groupby([kept, "caseworker"], as_index=False)
            .size()
            .set_axis(["in_extract", "pseudonym", "lines"], axis=1)
            .sort_values("in_extract", ignore_index=True)
        )
    raise ExtractError(path, msg("no_caseworker_column"))
