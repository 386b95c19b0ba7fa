"""The DuckDB warehouse: ingest every extract, load the accepted rows, build the SQL views in layer order."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from helpers import paths, privacy, reference
from helpers.ingest import KINDS, IngestResult, finish_frame, ingest


LAYERS = ("staging", "intermediate", "marts")
REFERENCE_TABLES = {
    "ref_municipalities": reference.municipalities,
    "ref_regions": reference.regions,
    "ref_account_functions": reference.account_functions,
    "ref_measure_groups": reference.measure_groups,
    "ref_measures": reference.measures,
    "ref_age_groups": reference.age_groups,
    "ref_municipal_settings": reference.municipal_settings,
}


@dataclass
class BuildReport:
    """What a build did: per-file ingestion counts, rows per view, and the data-quality findings."""

    ingested: pd.DataFrame
    view_rows: pd.DataFrame
    checks: pd.DataFrame


def sql_files(sql_dir: Path = paths.SQL) -> list[Path]:
    """The view files in build order: staging, intermediate, marts; alphabetical within a layer."""
    return [p for layer in LAYERS for p in sorted((sql_dir / layer).glob("*.sql"))]


def check_files(sql_dir: Path = paths.SQL) -> list[Path]:
    """The data-quality checks: each returns the offending rows with a `description`."""
    return sorted((sql_dir / "checks").glob("*.sql"))


def _ingest_manifest(sample_dir: Path, key: bytes) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Ingest every file of the manifest; accepted rows by kind, a log per file, quarantined rows."""
    manifest = pd.read_csv(sample_dir / paths.MANIFEST, dtype=str)
    accepted: dict[str, list[pd.DataFrame]] = {k: [] for k in KINDS}
    log, quarantine = [], []
    for row in manifest.itertuples():
        result: IngestResult = ingest(row.kind, sample_dir / row.file, key=key)
        accepted[row.kind].append(result.accepted.assign(source_file=row.file))
        log.append({"file": row.file, "kind": row.kind, "rows_read": result.rows_read,
                    "accepted": len(result.accepted), "rejected": len(result.rejected)})
        quarantine.append(result.rejected.assign(file=row.file, kind=row.kind))
    # A kind without files still gets its (empty) table, so every view builds.
    frames = {k: pd.concat(v, ignore_index=True) if v else finish_frame(KINDS[k], []).assign(source_file="") for k, v in accepted.items()}
    q = pd.concat(quarantine, ignore_index=True)[["file", "kind", "line", "reason", "raw"]]
    return frames, pd.DataFrame(log), q


def _create_views(con: duckdb.DuckDBPyConnection, files: list[Path]) -> list[str]:
    """Create one view per file (name = file stem); a view whose dependency comes later is retried."""
    pending, created = list(files), []
    while pending:
        progress, failed = False, []
        for path in pending:
            try:
                con.execute(f"create or replace view {path.stem} as\n{path.read_text(encoding='utf-8')}")
                created.append(path.stem)
                progress = True
            except duckdb.CatalogException as exc:
                failed.append((path, exc))
        if not progress:
            path, exc = failed[0]
            raise RuntimeError(f"{path}: {exc}")
        pending = [p for p, _ in failed]
    return created


def build(data_dir: Path | None = None, sql_dir: Path = paths.SQL, key: bytes | None = None) -> BuildReport:
    """Build the warehouse from the sample extracts; idempotent, written to a temporary file then renamed."""
    data_dir = data_dir or paths.data_dir()
    sample_dir = data_dir / "sample"
    if not (sample_dir / paths.MANIFEST).exists():
        raise FileNotFoundError(f"{sample_dir / paths.MANIFEST}: no sample data; run `python -m helpers sample` first")
    frames, log, quarantine = _ingest_manifest(sample_dir, key if key is not None else privacy.load_key())
    qdir = data_dir / "quarantine"
    qdir.mkdir(parents=True, exist_ok=True)
    for kind, part in quarantine.groupby("kind", sort=True):
        part.to_csv(qdir / f"{kind}.csv", index=False, lineterminator="\n")

    target = data_dir / "warehouse.duckdb"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("set threads to 2")
        for name, loader in REFERENCE_TABLES.items():
            _load(con, name, loader())
        for kind, frame in frames.items():
            _load(con, f"raw_{kind}", frame)
        _load(con, "raw_ingest_log", log)
        _load(con, "raw_quarantine", quarantine)
        # Checks read the marts and mart_data_quality reads the checks: one pass resolves the order.
        created = _create_views(con, sql_files(sql_dir) + check_files(sql_dir))
        checks = [v for v in created if v.startswith("check_")]
        views = [p.stem for p in sql_files(sql_dir)]
        view_rows = pd.DataFrame({"view": views, "rows": [con.execute(f"select count(*) from {v}").fetchone()[0] for v in views]})
        findings = pd.concat([con.execute(f"select '{c}' as check_name, description from {c}").df() for c in checks] or
                             [pd.DataFrame(columns=["check_name", "description"])], ignore_index=True)
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(tmp, target)
    return BuildReport(log, view_rows, findings)


def _load(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Load a frame as a table (object columns of dates/ints are typed by DuckDB's analyser)."""
    con.register("_frame", frame)
    con.execute(f"create or replace table {name} as select * from _frame")
    con.unregister("_frame")


def connect(path: Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (read-only by default); it holds tables and views only, so any cwd works."""
    path = path or paths.warehouse_path()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse; run `make data` (or `python -m helpers build`)")
    return duckdb.connect(str(path), read_only=read_only)


def query(sql: str, params: list | None = None, path: Path | None = None) -> pd.DataFrame:
    """Run one query on the warehouse and return a DataFrame (the connection is closed afterwards)."""
    con = connect(path)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def view_names(con: duckdb.DuckDBPyConnection, prefix: str = "") -> list[str]:
    """Names of the views in the warehouse, optionally those starting with a layer prefix."""
    rows = con.execute("select view_name from duckdb_views() where not internal order by view_name").fetchall()
    return [r[0] for r in rows if r[0].startswith(prefix)]


