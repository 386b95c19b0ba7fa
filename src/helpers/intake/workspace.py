"""The municipality's own workspace: its extracts as added (`python -m helpers add`), and the manifest the build reads
beside the sample's. The workspace is never rebuilt or deleted by `sample`, `make data` or `make clean`, and git
ignores it. Layout (under data/local, or $HELPERS_WORKSPACE):

    MANIFEST.csv                         every extract: file, kind, municipality, snapshot, what `add` understood
    extracts/<code>_<name>/<kind>/FILE   the municipality's extracts, copied as they came (a file covering several
                                         municipalities: extracts/flere_kommuner/<kind>/FILE)
    statbank/TABLE.csv (+ .source.json)  tables fetched from Statistics Denmark (`python -m helpers fetch statbank`)
    mappings/TABLE.csv                   the municipality's own mapping files (value,mapped)
    replaced/<date>/...                  extracts replaced by a new export of the same file, or removed; kept, not read
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers import paths
from helpers.intake import mappings, privacy, reference
from helpers.intake.ingest import IngestResult, ingest, locate_columns
from helpers.intake.kinds import KINDS, all_column_names, known_names, period, required_names
from helpers.intake.messages import ExtractError, msg
from helpers.intake.parsers import area_code
from helpers.intake.readers import read_table

MANIFEST_COLUMNS = [
    "file",
    "kind",
    "municipality_code",
    "snapshot_date",
    "origin",
    "original",
    "sha256",
    "added_at",
    "period_start",
    "period_end",
    "rows_read",
    "accepted",
    "rejected",
    "unmapped",
]
# kinds whose extract is one municipality's own (case systems, progression); the others may cover many
OWN_KINDS = ("cases", "actuals", "budget", "transitions", "registrations", "parameter_scores")
SEVERAL = "flere_kommuner"


def manifest(workspace: Path | None = None) -> pd.DataFrame:
    """The workspace's manifest (empty when nothing was added)."""
    path = (workspace or paths.workspace_dir()) / paths.MANIFEST
    if not path.is_file():
        return pd.DataFrame(columns=MANIFEST_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False).reindex(columns=MANIFEST_COLUMNS, fill_value="")


def _write_manifest(frame: pd.DataFrame, workspace: Path) -> None:
    """The manifest written atomically, sorted by file (the same extracts give the same file)."""
    workspace.mkdir(parents=True, exist_ok=True)
    tmp = workspace / f".{paths.MANIFEST}.{os.getpid()}.tmp"
    frame.sort_values("file").to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, workspace / paths.MANIFEST)


def warehouse_name(file: str, origin: str) -> str:
    """An extract's name in the warehouse and the reports: egne/<code>_<name>/<kind>/FILE, or statbank/TABLE.csv."""
    return file if origin == "statbank" else f"{paths.WORKSPACE_PREFIX}/{file.removeprefix('extracts/')}"


# -- what a file is -------------------------------------------------------------------------------------------------------


def detect_kind(path: Path) -> str:
    """The kind whose columns the file's header names: of the kinds whose required columns are all there (the header
    read as each kind reads it), the one naming most of its columns; raises ExtractError when none or several fit
    equally well (give --kind)."""
    fits = {}
    for name, kind in KINDS.items():
        table = read_table(path, known_names(name), required_names(name), head_only=True)
        try:
            located = locate_columns(kind, table)
        except ExtractError as exc:
            if exc.message.code in ("missing_columns", "missing_columns_no_header"):
                continue
            raise
        fits[name] = sum(at is not None for at in located.positions.values())
    if not fits:
        header = [privacy.mask(h) for h in read_table(path, set(all_column_names()), head_only=True).header if h]
        raise ExtractError(path, msg("kind_not_detected", header=header, known=list(KINDS)))
    best = max(fits.values())
    tied = sorted(k for k, v in fits.items() if v == best)
    if len(tied) > 1:
        raise ExtractError(path, msg("kind_ambiguous", kinds=tied))
    return tied[0]


def _whose(kind: str, result: IngestResult, given: str | None, path: Path) -> str:
    """The municipality of an extract: the rows' one municipality, or --municipality; '' for a file covering several
    municipalities of a kind that may (accounts, users, population)."""
    column = "area_code" if kind == "population" else "municipality_code"
    found = sorted(set(result.accepted[column].dropna())) if column in result.accepted else []
    if given:
        code = _municipality_code(given, path)
        others = [c for c in found if c != code]
        if others and kind in OWN_KINDS:
            raise ExtractError(path, msg("municipality_differs", given=code, found=found))
        return code
    if len(found) == 1 and (kind != "population" or area_code(found[0]) == found[0]):
        return found[0]
    if kind in OWN_KINDS:
        raise ExtractError(path, msg("municipality_needed", kind=kind, found=found))
    return ""


def _municipality_code(text: str, path: Path) -> str:
    """A municipality's code from --municipality (a code or a name)."""
    code = area_code(text)
    if code is None:
        raise ExtractError(path, msg("unknown_municipality", value=text))
    return code


def _snapshot(kind: str, result: IngestResult, given: str | None, path: Path) -> str:
    """A case extract's snapshot date: --snapshot, else the one date of the rows' extract date column (Dato,
    Udtræksdato); other kinds have none."""
    if kind != "cases":
        return ""
    if given:
        try:
            return dt.date.fromisoformat(given).isoformat()
        except ValueError:
            raise ExtractError(path, msg("unreadable_date", value=given)) from None
    dates = sorted({d for d in result.accepted["extract_date"].dropna()}) if "extract_date" in result.accepted else []
    if len(dates) == 1:
        return dates[0].isoformat()
    raise ExtractError(path, msg("snapshot_needed", found=[d.isoformat() for d in dates]))


def _folder(code: str) -> str:
    """A municipality's folder name: '479_svendborg' (as the sample's), or flere_kommuner."""
    if not code:
        return SEVERAL
    name = reference.municipalities().set_index("municipality_code").loc[code, "municipality_name"]
    return f"{code}_{mappings.normalise(name)}"


# -- adding and removing --------------------------------------------------------------------------------------------------


@dataclass
class Added:
    """What `add` understood of a file and did with it."""

    file: str  # in the workspace
    kind: str
    municipality_code: str
    snapshot_date: str
    period: tuple[str | None, str | None]
    result: IngestResult
    replaced: list[str] = field(default_factory=list)
    already: str | None = None  # the same content was in the workspace already, as this file
    overlaps: list[str] = field(default_factory=list)  # other extracts of the kind and municipality covering its period


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _replace(workspace: Path, file: str, stamp: str) -> None:
    """Move an extract out of the way to replaced/<stamp>/ (kept, never read)."""
    source = workspace / file
    target = workspace / "replaced" / stamp / file
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.exists():
        shutil.move(source, target)


def add(
    path: Path,
    kind: str | None = None,
    municipality: str | None = None,
    snapshot: str | None = None,
    workspace: Path | None = None,
    key: bytes | None = None,
    origin: str = "own",
) -> Added:
    """Validate an extract, copy it into the workspace and record it in the manifest. The kind comes from the header
    (or `kind`), the municipality and a case extract's snapshot date from the rows (or the flags). A new export of a
    file already there (same kind, municipality, snapshot and name) replaces it; identical content is not added twice."""
    path = Path(path)
    workspace = workspace or paths.workspace_dir()
    kind = kind or detect_kind(path)
    if kind not in KINDS:
        raise ExtractError(path, msg("unknown_kind", kind=kind, known=list(KINDS)))
    result = ingest(kind, path, key=key)
    code = _whose(kind, result, municipality, path)
    snapshot_date = _snapshot(kind, result, snapshot, path)
    sha256 = _sha256(path)
    name = privacy.mask(path.name)
    file = f"extracts/{_folder(code)}/{kind}/{name}"
    if kind == "cases" and snapshot_date not in name:
        file = f"extracts/{_folder(code)}/{kind}/{snapshot_date}/{name}"
    found = manifest(workspace)
    start, end = period(kind, result.accepted)
    added = Added(file, kind, code, snapshot_date, (start, end), result)
    same = found[found["sha256"] == sha256]
    if len(same):
        added.already = same["file"].iloc[0]
        return added
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    earlier = found[found["file"] == file]
    for old in earlier["file"]:
        _replace(workspace, old, stamp)
        added.replaced.append(old)
    found = found[found["file"] != file]
    if kind in ("actuals", "budget") and start:
        mine = found[(found["kind"] == kind) & (found["municipality_code"] == code)]
        added.overlaps = [
            r.file for r in mine.itertuples() if r.period_start and not (r.period_end < start or r.period_start > end)
        ]
    target = workspace / file
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(path, tmp)
    os.replace(tmp, target)
    row = _row(added, origin, name, sha256)
    _write_manifest(pd.concat([found, pd.DataFrame([row])], ignore_index=True), workspace)
    return added


def _row(added: Added, origin: str, original: str, sha256: str) -> dict[str, str]:
    """The manifest's row of an extract: where, what, whose, when, and what the intake made of it."""
    counts = added.result.summary()
    start, end = added.period
    return {
        "file": added.file,
        "kind": added.kind,
        "municipality_code": added.municipality_code,
        "snapshot_date": added.snapshot_date,
        "origin": origin,
        "original": original,
        "sha256": sha256,
        "added_at": dt.datetime.now().isoformat(timespec="seconds"),
        "period_start": start or "",
        "period_end": end or "",
        "rows_read": str(counts["rows_read"]),
        "accepted": str(counts["accepted"]),
        "rejected": str(counts["rejected"]),
        "unmapped": str(counts["unmapped_rows"]),
    }


def record(file: str, kind: str, origin: str, space: Path | None = None, key: bytes | None = None) -> Added:
    """Record a file already in the workspace (a StatBank table fetched into statbank/) in the manifest, replacing its
    earlier row; a table covering every municipality has no municipality of its own."""
    space = space or paths.workspace_dir()
    path = space / file
    result = ingest(kind, path, key=key)
    added = Added(file, kind, "", "", period(kind, result.accepted), result)
    found = manifest(space)
    row = _row(added, origin, path.name, _sha256(path))
    _write_manifest(pd.concat([found[found["file"] != file], pd.DataFrame([row])], ignore_index=True), space)
    return added


def remove(file: str, workspace: Path | None = None) -> str:
    """Take an extract out of the workspace (moved to replaced/, kept); `file` as the manifest or the warehouse names
    it. Returns the file; raises ExtractError when the workspace has no such extract."""
    workspace = workspace or paths.workspace_dir()
    found = manifest(workspace)
    wanted = {file, f"extracts/{file.removeprefix(paths.WORKSPACE_PREFIX + '/')}"}
    hit = found[found["file"].isin(wanted)]
    if hit.empty:
        raise ExtractError(workspace / file, msg("not_in_workspace", known=list(found["file"])))
    stamp = dt.datetime.now().strftime("%Y-%m-%d_%H%M%S")
    _replace(workspace, hit["file"].iloc[0], stamp)
    _write_manifest(found[~found["file"].isin(hit["file"])], workspace)
    return hit["file"].iloc[0]
