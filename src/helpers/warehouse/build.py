"""Build the DuckDB warehouse: ingest every extract of the manifest (re-using unchanged ones), load the accepted
rows, and create the SQL views in the order their table references give (staging, intermediate, marts)."""

from __future__ import annotations

import graphlib
import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp

from helpers import labels, paths
from helpers.intake import mappings, privacy, reference
from helpers.intake.ingest import KINDS, IngestResult, finish_frame, ingest
from helpers.intake.readers import ExtractError

LAYERS = ("staging", "intermediate", "marts")
PREFIXES = {"staging": "stg_", "intermediate": "int_", "marts": "mart_"}
# what each layer may read: tables loaded by the build (raw_, ref_) and the layers before it, never one after it
READS = {"staging": ("raw_", "ref_"), "intermediate": ("stg_", "int_", "ref_"), "marts": ("stg_", "int_", "ref_")}
REFERENCE_TABLES = {
    "ref_municipalities": reference.municipalities,
    "ref_regions": reference.regions,
    "ref_account_functions": reference.account_functions,
    "ref_measure_groups": reference.measure_groups,
    "ref_measures": reference.measures,
    "ref_age_groups": reference.age_groups,
    "ref_municipal_settings": reference.municipal_settings,
    "ref_constants": labels.constants_frame,
}
# the column whose first and last value say which period an extract covers
PERIOD_COLUMNS = {
    "population": "period",
    "expenditure": "year",
    "users": "year",
    "price_index": "year",
    "municipal_facts": "year",
    "budget": "year",
    "cases": "start_date",
    "actuals": "month",
    "transitions": "expected_transition_date",
    "registrations": "registration_date",
    "parameter_scores": "assessment_date",
}


@dataclass
class BuildReport:
    """What a build did: per-file ingestion counts, rows per view, and the data-quality findings."""

    ingested: pd.DataFrame
    view_rows: pd.DataFrame
    checks: pd.DataFrame


@dataclass(frozen=True)
class View:
    """One SQL file: its view name, layer, text and the tables and views it reads."""

    name: str
    layer: str
    path: Path
    sql: str
    reads: frozenset[str]
    materialized: str = "view"  # "table" when the file says `-- materialized: table` (dbt's config, as a comment)


def read_views(sql_dir: Path = paths.SQL) -> dict[str, View]:
    """Every view file of the three layers with the tables it references (parsed by sqlglot; CTE names left out)."""
    views = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            tree = sqlglot.parse_one(sql, read="duckdb")
            ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
            reads = frozenset(t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes)
            config = re.search(r"^-- materialized: (table|view)\b", sql, flags=re.M)
            views[path.stem] = View(path.stem, layer, path, sql, reads, config.group(1) if config else "view")
    return views


def layer_violations(views: dict[str, View]) -> list[str]:
    """Views named for another layer than their folder, or reading a table their layer may not read."""
    problems = []
    for v in views.values():
        if not v.name.startswith(PREFIXES[v.layer]):
            problems.append(f"{v.path}: a {v.layer} view must be named {PREFIXES[v.layer]}...")
        for table in sorted(v.reads):
            if not table.startswith(READS[v.layer]):
                problems.append(f"{v.path}: reads {table}, but {v.layer} reads only {', '.join(READS[v.layer])} tables")
    return problems


def build_order(views: dict[str, View], loaded: set[str]) -> list[str]:
    """The views sorted so that every view comes after what it reads (ties: by layer, then name)."""
    unknown = sorted(
        f"{v.name} reads {t}" for v in views.values() for t in v.reads if t not in views and t not in loaded
    )
    if unknown:
        raise ValueError("unknown table(s): " + "; ".join(unknown))
    sorter = graphlib.TopologicalSorter({v.name: sorted(t for t in v.reads if t in views) for v in views.values()})
    sorter.prepare()
    rank = {name: (LAYERS.index(v.layer), name) for name, v in views.items()}
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=rank.__getitem__)
        order += ready
        sorter.done(*ready)
    return order


def sql_files(sql_dir: Path = paths.SQL) -> list[Path]:
    """The view files in build order."""
    views = read_views(sql_dir)
    return [views[n].path for n in build_order(views, {t for v in views.values() for t in v.reads if t not in views})]


# -- ingestion with a cache of unchanged extracts ------------------------------------------------------------------------


def _code_version() -> str:
    """A fingerprint of what decides an ingestion result besides the file: the intake code and the reference data."""
    digest = hashlib.sha256()
    sources = sorted((paths.ROOT / "src" / "helpers" / "intake").glob("*.py")) + sorted(paths.REFERENCE.rglob("*.csv"))
    for path in sources + sorted(
        mappings.local_dir().glob("*.csv")
    ):  # a municipality's own mappings change results too
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _period(kind: str, frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """First and last value of the kind's period column, as text (e.g. '2010K1'..'2024K1', '2024-01'..'2024-09')."""
    values = frame[PERIOD_COLUMNS[kind]].dropna() if len(frame) else pd.Series(dtype=object)
    if values.empty:
        return None, None
    return str(values.min()), str(values.max())


def _ingest_cached(
    kind: str, path: Path, sha256: str, key: bytes, cache_dir: Path, version: str
) -> tuple[IngestResult, bool]:
    """Ingest one extract, or reuse the result of an earlier build when file, key, intake code and reference data are the same."""
    key_tag = hashlib.sha256(b"cache" + key).hexdigest()[:12]
    cached = cache_dir / f"{kind}-{sha256[:24]}-{key_tag}-{version}.pkl"
    if cached.is_file():
        with cached.open("rb") as fh:
            return pickle.load(fh), True
    result = ingest(kind, path, key=key)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(f".{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cached)
    finally:
        tmp.unlink(missing_ok=True)
    return result, False


def _ingest_manifest(
    sample_dir: Path, key: bytes, cache_dir: Path
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Ingest every file of the manifest; accepted rows by kind, a log per file (checksum, period, unmapped, failure),
    quarantined rows. An extract that cannot be read is logged as failed with its one-line reason; the rest go on."""
    manifest = pd.read_csv(sample_dir / paths.MANIFEST, dtype=str, keep_default_na=False)
    for optional in ("municipality_code", "snapshot_date"):
        if optional not in manifest:
            manifest[optional] = ""
    version = _code_version()
    accepted: dict[str, list[pd.DataFrame]] = {k: [] for k in KINDS}
    log, quarantine, unmapped, used = [], [], [], set()
    for row in manifest.itertuples():
        path, name = sample_dir / row.file, privacy.mask(row.file)  # a file named after a citizen keeps the name masked
        entry = {
            "file": name,
            "kind": row.kind,
            "sha256": None,
            "bytes": None,
            "period_start": None,
            "period_end": None,
            "municipality_code": row.municipality_code or None,
            "rows_read": 0,
            "accepted": 0,
            "rejected": 0,
            "unmapped": 0,
            "cached": False,
            "failed": None,
        }
        try:
            if row.kind not in KINDS:
                raise ExtractError(f"unknown kind {row.kind!r} in the manifest")
            if row.kind == "cases" and not row.snapshot_date:
                raise ExtractError("a case extract needs its snapshot date (snapshot_date) in the manifest")
            data = path.read_bytes()
            sha256 = hashlib.sha256(data).hexdigest()
            result, cached = _ingest_cached(row.kind, path, sha256, key, cache_dir, version)
        except (ExtractError, OSError, ValueError) as exc:
            entry["failed"] = privacy.mask(str(exc).splitlines()[0].removeprefix(f"{path}: "))
            log.append(entry)
            continue
        used.add(f"{row.kind}-{sha256[:24]}")
        frame = result.accepted.assign(
            source_file=name,
            manifest_municipality_code=row.municipality_code or None,
            snapshot_date=row.snapshot_date or None,
        )
        accepted[row.kind].append(frame)
        start, end = _period(row.kind, result.accepted)
        entry |= {
            "sha256": sha256,
            "bytes": len(data),
            "period_start": start,
            "period_end": end,
            "rows_read": result.rows_read,
            "accepted": len(result.accepted),
            "rejected": len(result.rejected),
            "unmapped": int(result.summary()["unmapped_rows"]),
            "cached": cached,
        }
        if (
            entry["municipality_code"] is None
            and "municipality_code" in result.accepted
            and result.accepted["municipality_code"].nunique() == 1
        ):
            entry["municipality_code"] = result.accepted["municipality_code"].dropna().iloc[0]
        log.append(entry)
        quarantine.append(result.rejected.assign(file=name, kind=row.kind))
        unmapped += [u | {"file": name, "kind": row.kind} for u in result.unmapped]
    if cache_dir.is_dir():
        for stale in cache_dir.glob("*.pkl"):  # results of extracts no longer in the manifest, or of older code
            if "-".join(stale.name.split("-")[:2]) not in used or not stale.stem.endswith(version):
                stale.unlink()
    # A kind without files still gets its (empty) table, so every view builds.
    frames = {
        k: pd.concat(v, ignore_index=True)
        if v
        else finish_frame(KINDS[k], []).assign(source_file="", manifest_municipality_code=None, snapshot_date=None)
        for k, v in accepted.items()
    }
    q = (
        pd.concat(quarantine, ignore_index=True)[["file", "kind", "line", "reason", "raw", "measure"]]
        if quarantine
        else pd.DataFrame(columns=["file", "kind", "line", "reason", "raw", "measure"])
    )
    unmapped_frame = pd.DataFrame(unmapped, columns=["file", "kind", "column", "value", "rows"]).rename(
        columns={"column": "column_name", "rows": "row_count"}
    )
    return frames, pd.DataFrame(log), q, unmapped_frame


def _create_views(con: duckdb.DuckDBPyConnection, views: dict[str, View], order: list[str]) -> None:
    """Create one view per file, each after everything it reads; a file marked `-- materialized: table` as a table,
    computed once here instead of at every read."""
    for name in order:
        try:
            con.execute(f"create or replace {views[name].materialized} {name} as\n{views[name].sql}")
        except duckdb.Error as exc:
            raise RuntimeError(f"{views[name].path}: {exc}") from None


def build(data_dir: Path | None = None, sql_dir: Path = paths.SQL, key: bytes | None = None) -> BuildReport:
    """Build the warehouse from the sample extracts; idempotent, written to a temporary file then renamed."""
    data_dir = data_dir or paths.data_dir()
    sample_dir = data_dir / "sample"
    if not (sample_dir / paths.MANIFEST).exists():
        raise FileNotFoundError(f"{sample_dir / paths.MANIFEST}: no sample data; run `python -m helpers sample` first")
    views = read_views(sql_dir)
    problems = layer_violations(views)
    if problems:
        raise ValueError("SQL layers: " + "; ".join(problems))
    frames, log, quarantine, unmapped = _ingest_manifest(
        sample_dir, key if key is not None else privacy.load_key(), data_dir / "staged"
    )
    qdir = data_dir / "quarantine"
    qdir.mkdir(parents=True, exist_ok=True)
    for kind, part in quarantine.groupby("kind", sort=True):
        part.to_csv(qdir / f"{kind}.csv", index=False, lineterminator="\n")

    loaded = {*REFERENCE_TABLES, *(f"raw_{k}" for k in frames), "raw_ingest_log", "raw_quarantine", "raw_unmapped"}
    order = build_order(views, loaded)
    target = data_dir / "warehouse.duckdb"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    finished = False
    try:
        con.execute("set threads to 2")
        for name, loader in REFERENCE_TABLES.items():
            _load(con, name, loader())
        for kind, frame in frames.items():
            _load(con, f"raw_{kind}", frame)
        _load(con, "raw_ingest_log", log)
        _load(con, "raw_quarantine", quarantine)
        _load(con, "raw_unmapped", unmapped)
        _create_views(con, views, order)
        marts = [n for n in order if views[n].layer == "marts"]
        shown = [n for n in order if views[n].layer != "intermediate" or not n.startswith("int_check_")]
        view_rows = pd.DataFrame(
            {"view": shown, "rows": [con.execute(f"select count(*) from {v}").fetchone()[0] for v in shown]}
        )
        findings = (
            con.execute("select finding as check_name, description from mart_data_quality").df()
            if "mart_data_quality" in marts
            else pd.DataFrame(columns=["check_name", "description"])
        )
        con.execute("checkpoint")
        con.close()
        os.replace(tmp, target)
        finished = True
    finally:
        con.close()
        if not finished:  # an error or Ctrl-C: the previous warehouse stays, no half-written file is left behind
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return BuildReport(log, view_rows, findings)


def _load(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Load a frame as a table (object columns of dates/ints are typed by DuckDB's analyser)."""
    con.register("_frame", frame)
    con.execute(f"create or replace table {name} as select * from _frame")
    con.unregister("_frame")
