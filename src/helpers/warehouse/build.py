"""Build the DuckDB warehouse: ingest every extract of the manifest (re-using unchanged ones), load the accepted
rows, and create the SQL views in the order their table references give (staging, intermediate, marts)."""

from __future__ import annotations

import graphlib
import hashlib
import multiprocessing
import os
import pickle
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import sqlglot
from sqlglot import exp

from helpers import labels, paths
from helpers.intake import mappings, privacy, reference
from helpers.intake.ingest import QUARANTINE_COLUMNS, IngestResult, finish_frame, ingest
from helpers.intake.kinds import KINDS, period
from helpers.intake.messages import ExtractError, msg
from helpers.intake.workspace import OWN_KINDS, warehouse_name

LAYERS = ("staging", "intermediate", "marts")
PREFIXES = {"staging": "stg_", "intermediate": "int_", "marts": "mart_"}
# what each layer may read: tables loaded by the build (raw_, ref_) and the layers before it, never one after it
READS = {"staging": ("raw_", "ref_"), "intermediate": ("stg_", "int_", "ref_"), "marts": ("stg_", "int_", "ref_")}
INGEST_TABLES = ("raw_ingest_log", "raw_quarantine", "raw_unmapped", "raw_ingest_notes")
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


@dataclass
class BuildReport:
    """What a build did: per-file ingestion counts, rows per view, and the data-quality findings."""

    ingested: pd.DataFrame
    view_rows: pd.DataFrame
    checks: pd.DataFrame
    left_out: list[str] = field(default_factory=list)  # sample extracts replaced by the workspace's own


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


def _cache_path(kind: str, sha256: str, key: bytes, cache_dir: Path, version: str) -> Path:
    """Where an extract's ingestion result is kept: by kind, file checksum, key, intake code and reference data."""
    key_tag = hashlib.sha256(b"cache" + key).hexdigest()[:12]
    return cache_dir / f"{kind}-{sha256[:24]}-{key_tag}-{version}.pkl"


def _ingest_cached(
    kind: str, path: Path, sha256: str, key: bytes, cache_dir: Path, version: str
) -> tuple[IngestResult, bool]:
    """Ingest one extract, or reuse the result of an earlier build when file, key, intake code and reference data are the same."""
    cached = _cache_path(kind, sha256, key, cache_dir, version)
    try:
        with cached.open("rb") as fh:
            return pickle.load(fh), True
    except FileNotFoundError:  # not ingested yet, or a build beside this one has just pruned it
        pass
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


PARALLEL_FROM = 8  # extracts to ingest before worker processes pay for their start (about a second each)


def _prefetch_one(job: tuple[str, Path, str, bytes, Path, str]) -> None:
    """A worker's job: ingest one extract into the cache. A failure is left to the build's own pass, which ingests the
    extract again and reports it (file, line, column, value) as it reports every failure."""
    try:
        _ingest_cached(*job)
    except Exception:  # reported by the build's own pass, in the manifest's order
        pass


def _prefetch(files: list[tuple[str, Path]], key: bytes, cache_dir: Path, version: str) -> set[str]:
    """Ingest the extracts no earlier build ingested into the cache, in worker processes side by side (one per core),
    when there are at least PARALLEL_FROM of them: a first build, or a national one, is ingestion bound and one
    extract does not depend on another. The build then reads every result from the cache in the manifest's order, so
    the warehouse holds the same rows. Returns the checksums of the extracts ingested here (not reused: the log says)."""
    jobs = []
    for kind, path in files:
        try:
            sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue  # reported by the build's own pass
        if kind in KINDS and not _cache_path(kind, sha256, key, cache_dir, version).exists():
            jobs.append((kind, path, sha256, key, cache_dir, version))
    workers = min(os.cpu_count() or 1, len(jobs))
    if len(jobs) < PARALLEL_FROM or workers < 2:
        return set()
    # the largest first, one at a time, so that the workers end together (the sample: 8,4-9,1 -> 8,1-8,6 s on 2 cores)
    jobs.sort(key=lambda job: -job[1].stat().st_size)
    # spawned, not forked: the build may run in a process that has started Jupyter's event loop (a notebook, a test)
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_prefetch_one, jobs))
    return {job[2] for job in jobs}


@dataclass(frozen=True)
class Source:
    """A folder of extracts and its manifest: the embedded sample, or the municipality's own workspace."""

    origin: str  # "sample" or "own"
    folder: Path
    manifest: pd.DataFrame


def sources(data_dir: Path, workspace: Path | None, sample: bool = True) -> list[Source]:
    """The sample (unless left out) and the workspace, each with its manifest (a workspace without one holds nothing)."""
    found = []
    folders = ([("sample", data_dir / "sample")] if sample else []) + ([("own", workspace)] if workspace else [])
    for origin, folder in folders:
        path = folder / paths.MANIFEST
        if not path.is_file():
            continue
        manifest = pd.read_csv(path, dtype=str, keep_default_na=False)
        for optional in ("municipality_code", "snapshot_date", "origin"):
            if optional not in manifest:
                manifest[optional] = ""
        found.append(Source(origin, folder, manifest))
    return found


def _municipalities(kind: str, frame: pd.DataFrame) -> pd.Series:
    """Whose each accepted row is: its municipality (a population row: its area), else the manifest's."""
    column = "area_code" if kind == "population" else "municipality_code"
    own = frame[column] if column in frame else pd.Series(None, index=frame.index, dtype=object)
    return own.where(own.notna(), frame["manifest_municipality_code"])


def _coverage(own: dict[str, list[pd.DataFrame]]) -> dict[str, set[str]]:
    """Per kind, the municipalities (areas) the workspace holds data of; a kind of one national series (the price
    index) covers everything ('*'); a municipality with any extract of its own systems (cases, actuals, budget,
    transitions, progression) has all of the sample's data of those kinds replaced, so no generated citizen is mixed
    with its real ones."""
    covered = {}
    for kind, frames in own.items():
        if not frames:
            continue
        codes = set(pd.concat([_municipalities(kind, f) for f in frames]).dropna())
        covered[kind] = {"*"} if kind in NATIONAL_KINDS else codes
    together = set().union(*(covered.get(k, set()) for k in OWN_KINDS))
    for kind in OWN_KINDS if together else ():
        covered[kind] = together
    return covered


NATIONAL_KINDS = {"price_index"}


def _entry(origin: str, name: str, kind: str, municipality: str) -> dict:
    return {
        "file": name,
        "kind": kind,
        "origin": origin,
        "sha256": None,
        "bytes": None,
        "period_start": None,
        "period_end": None,
        "municipality_code": municipality or None,
        "rows_read": 0,
        "accepted": 0,
        "rejected": 0,
        "unmapped": 0,
        "replaced": 0,
        "cached": False,
        "failed": None,
        "failed_da": None,
    }


@dataclass
class Ingested:
    """What the build ingested: accepted rows by kind, a log per file, the quarantine, unmapped values, notes, and the
    sample extracts left out because the workspace holds the municipality's own."""

    frames: dict[str, pd.DataFrame]
    log: pd.DataFrame
    quarantine: pd.DataFrame
    unmapped: pd.DataFrame
    notes: pd.DataFrame
    left_out: list[str]


def _ingest_sources(found: list[Source], key: bytes, cache_dir: Path) -> Ingested:
    """Ingest the workspace's extracts, then the sample's for what the workspace does not cover; an extract that cannot
    be read is logged as failed with its one-line reason (English and Danish), and the rest go on."""
    version = _code_version()
    accepted: dict[str, dict[str, list[pd.DataFrame]]] = {
        "own": {k: [] for k in KINDS},
        "sample": {k: [] for k in KINDS},
    }
    log, quarantine, unmapped, notes, used, left_out = [], [], [], [], set(), []
    covered: dict[str, set[str]] = {}
    for source in sorted(found, key=lambda s: s.origin != "own"):  # the workspace first: it decides what is replaced
        if source.origin == "sample":
            covered = _coverage(accepted["own"])
        rows = list(source.manifest.itertuples())
        replaced = [  # a sample extract of a municipality and kind the workspace holds its own data of
            bool(
                source.origin == "sample"
                and row.municipality_code
                and row.municipality_code in covered.get(row.kind, ())
            )
            for row in rows
        ]
        wanted = [(row.kind, source.folder / row.file) for row, out in zip(rows, replaced) if not out]
        fresh = _prefetch(wanted, key, cache_dir, version)
        for row, out in zip(rows, replaced):
            name = privacy.mask(row.file if source.origin == "sample" else warehouse_name(row.file, row.origin))
            entry = _entry(row.origin or source.origin, name, row.kind, row.municipality_code)
            if out:
                left_out.append(f"{name} ({row.kind}, {row.municipality_code})")
                continue
            path = source.folder / row.file
            try:
                if row.kind not in KINDS:
                    raise ExtractError(path, msg("unknown_kind", kind=row.kind, known=list(KINDS)))
                if row.kind == "cases" and not row.snapshot_date:
                    raise ExtractError(path, msg("no_snapshot_date"))
                data = path.read_bytes()
                sha256 = hashlib.sha256(data).hexdigest()
                result, cached = _ingest_cached(row.kind, path, sha256, key, cache_dir, version)
                cached = cached and sha256 not in fresh  # ingested by this build's workers: not reused
            except ExtractError as exc:
                entry["failed"] = privacy.mask(exc.message.english())
                entry["failed_da"] = privacy.mask(exc.message.danish())
                log.append(entry)
                continue
            except (OSError, ValueError) as exc:
                failure = msg("unreadable_file", detail=str(exc).splitlines()[0].removeprefix(f"{path}: "))
                entry["failed"], entry["failed_da"] = privacy.mask(failure.english()), privacy.mask(failure.danish())
                log.append(entry)
                continue
            used.add(f"{row.kind}-{sha256[:24]}")
            frame = result.accepted.assign(
                source_file=name,
                manifest_municipality_code=row.municipality_code or None,
                snapshot_date=row.snapshot_date or None,
            )
            if source.origin == "sample" and covered.get(row.kind):
                whose = _municipalities(row.kind, frame)
                mine = whose.isin(covered[row.kind]) | ("*" in covered[row.kind])
                entry["replaced"] = int(mine.sum())
                frame = frame[~mine]
            accepted[source.origin][row.kind].append(frame)
            start, end = period(row.kind, result.accepted)
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
            notes += [
                {
                    "file": name,
                    "kind": row.kind,
                    "code": n.code,
                    "note": privacy.mask(n.english()),
                    "note_da": privacy.mask(n.danish()),
                }
                for n in result.notes
            ]
    if cache_dir.is_dir():
        for stale in cache_dir.glob("*.pkl"):  # results of extracts no longer in a manifest, or of older code
            if "-".join(stale.name.split("-")[:2]) not in used or not stale.stem.endswith(version):
                stale.unlink(missing_ok=True)  # a build beside this one may have pruned it already
    # A kind without files still gets its (empty) table, so every view builds.
    frames = {}
    for kind in KINDS:
        parts = [f for origin in ("own", "sample") for f in accepted[origin][kind] if len(f)]
        frames[kind] = (
            pd.concat(parts, ignore_index=True)
            if parts
            else finish_frame(KINDS[kind], []).assign(
                source_file="", manifest_municipality_code=None, snapshot_date=None
            )
        )
    columns = ["file", "kind", *QUARANTINE_COLUMNS]
    q = pd.concat(quarantine, ignore_index=True)[columns] if quarantine else pd.DataFrame(columns=columns)
    unmapped_frame = pd.DataFrame(unmapped, columns=["file", "kind", "column", "value", "rows"]).rename(
        columns={"column": "column_name", "rows": "row_count"}
    )
    notes_frame = pd.DataFrame(notes, columns=["file", "kind", "code", "note", "note_da"])
    return Ingested(frames, pd.DataFrame(log), q, unmapped_frame, notes_frame, left_out)


def _create_views(con: duckdb.DuckDBPyConnection, views: dict[str, View], order: list[str]) -> None:
    """Create one view per file, each after everything it reads; a file marked `-- materialized: table` as a table,
    computed once here instead of at every read."""
    for name in order:
        try:
            con.execute(f"create or replace {views[name].materialized} {name} as\n{views[name].sql}")
        except duckdb.Error as exc:
            raise RuntimeError(f"{views[name].path}: {exc}") from None


def build(
    data_dir: Path | None = None,
    sql_dir: Path = paths.SQL,
    key: bytes | None = None,
    workspace: Path | None = None,
    sample: bool = True,
) -> BuildReport:
    """Build the warehouse from the embedded sample and the municipality's own workspace (its extracts replace the
    sample's for the municipalities and kinds they cover); idempotent, written to a temporary file then renamed."""
    data_dir = data_dir or paths.data_dir()
    workspace = workspace if workspace is not None else paths.workspace_dir()
    found = sources(data_dir, workspace, sample)
    if not found:
        raise FileNotFoundError(
            f"{data_dir / 'sample' / paths.MANIFEST}: no sample data and nothing in the workspace {workspace}; run "
            "`python -m helpers sample` first, or add extracts with `python -m helpers add`"
        )
    views = read_views(sql_dir)
    problems = layer_violations(views)
    if problems:
        raise ValueError("SQL layers: " + "; ".join(problems))
    ingested = _ingest_sources(found, key if key is not None else privacy.load_key(), data_dir / "staged")
    frames, log, quarantine, unmapped = ingested.frames, ingested.log, ingested.quarantine, ingested.unmapped
    qdir = data_dir / "quarantine"
    qdir.mkdir(parents=True, exist_ok=True)
    for kind, part in quarantine.groupby("kind", sort=True):
        part.to_csv(qdir / f"{kind}.csv", index=False, lineterminator="\n")

    loaded = {*REFERENCE_TABLES, *(f"raw_{k}" for k in frames), *INGEST_TABLES}
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
        _load(con, "raw_ingest_notes", ingested.notes)
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
    return BuildReport(log, view_rows, findings, ingested.left_out)


def _load(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """Load a frame as a table (object columns of dates/ints are typed by DuckDB's analyser)."""
    con.register("_frame", frame)
    con.execute(f"create or replace table {name} as select * from _frame")
    con.unregister("_frame")
