"""The rendered-report cache: a report is rendered again only when its inputs changed. Its key is a checksum of what a
report is made of (the warehouse file, the notebook, the package's source, the installed packages and Python, the
report's definition and parameters); the pages and workbooks are kept under data/cache/reports/<key>/.

A report's notebook run is kept too, under a key of what the kernel reads (notebook, parameters, warehouse, code): the
same report in another folder (other links between its pages, a what-if heading) is a page made again from the kept run,
not a run of its own. What one computation gives every process (a municipality's backtest) is kept here too (`keep`)."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path

from helpers import paths

PACKAGE = Path(__file__).resolve().parents[1]  # src/helpers
KEEP = (
    400  # entries kept, the most recently used (a full run on the embedded data is 44 renders and 44 runs, about 45 MB)
)
RESULT = "result.json"
EXECUTED = "executed.ipynb"
KEPT = "kept.pickle"


def store() -> Path:
    """Where rendered reports are kept, beside the other rebuildable caches (safe to delete)."""
    return paths.cache_dir() / "reports"


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_digest(package: Path = PACKAGE) -> str:
    """sha256 of the package's files (every file but compiled ones), the installed distributions and Python's version:
    the code a report runs."""
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest.update("\n".join([sys.version, *installed]).encode())
    return digest.hexdigest()


def key_of(payload: object) -> str:
    """An entry's key: the sha256 of its inputs as JSON (keys sorted)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def inputs_key(
    definition: dict, notebook: Path, params: dict, published: dict | None, warehouse: str, code: str
) -> str:
    """A report's key: its definition (name, folder, title, kinds), its notebook's bytes, its parameters (and the
    published ones a what-if page names), the warehouse's and the code's digests."""
    return key_of(
        {
            "definition": definition,
            "notebook": file_digest(notebook),
            "params": params,
            "published": published,
            "warehouse": warehouse,
            "code": code,
        }
    )


def execution_key(notebook: Path, params: dict, warehouse: str, code: str) -> str:
    """A notebook run's key: what its kernel reads (the notebook's bytes, its parameters, the warehouse, the code), not
    what only its page shows (definition, links, the published settings a what-if page names)."""
    return key_of({"run": file_digest(notebook), "params": params, "warehouse": warehouse, "code": code})


def get_execution(key: str) -> dict | None:
    """A kept notebook run (the executed notebook as JSON), marked as used; or None."""
    return _read(key, EXECUTED)


def put_execution(key: str, executed: dict) -> None:
    """Keep a notebook run that finished without error, written whole."""
    _keep(
        key, lambda folder: (folder / EXECUTED).write_text(json.dumps(executed, ensure_ascii=False), encoding="utf-8")
    )


def get_kept(key: str) -> object | None:
    """An object kept under `key` (`keep`), marked as used; or None."""
    return _read(key, KEPT, pickle.loads)


def keep(key: str, value: object) -> None:
    """Keep an object that one computation gives every process, under a key of what it is computed from (`key_of`)."""
    _keep(key, lambda folder: (folder / KEPT).write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))


@contextlib.contextmanager
def lock(key: str) -> Iterator[None]:
    """Hold `key` while rendering it, so processes that want the same report at once (a test worker and another, two
    runs) render it once: the second waits, then finds it stored."""
    folder = store() / ".locks"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / key).open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def get(key: str) -> dict | None:
    """The stored render of `key` ({"result": its fields, "folder": where its files are}), marked as used; or None."""
    result = _read(key, RESULT)
    return None if result is None else {"result": result, "folder": store() / key}


def put(key: str, result: dict, page: Path, workbook: Path | None) -> None:
    """Keep a finished render: its page, its workbook and its fields, written whole."""

    def write(folder: Path) -> None:
        shutil.copyfile(page, folder / "page.html")
        if workbook is not None:
            shutil.copyfile(workbook, folder / "page.xlsx")
        (folder / RESULT).write_text(json.dumps(result, ensure_ascii=False, default=str), encoding="utf-8")

    _keep(key, write)


def _read(key: str, name: str, load: Callable[[bytes], object] = json.loads) -> object | None:
    """An entry's file as `load` reads it (JSON by default), the entry marked as used (prune keeps the most recently
    used); or None."""
    folder = store() / key
    try:
        value = load((folder / name).read_bytes())
    except (OSError, ValueError, EOFError, pickle.UnpicklingError):
        return None
    os.utime(folder)
    return value


def _keep(key: str, write: Callable[[Path], None]) -> None:
    """Store an entry whole: `write` fills a new folder, renamed into place (when another process stored the same key
    first, its copy stays; a full disk leaves the entry uncached)."""
    store().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=store(), prefix=f".{key[:12]}."))
    try:
        write(tmp)
        os.rename(tmp, store() / key)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


def restore(folder: Path, page: Path, workbook: Path | None) -> None:
    """Copy a stored render's page (and workbook) to where the report goes, each file whole (copy, then rename)."""
    for name, target in (("page.html", page), ("page.xlsx", workbook)):
        if target is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        shutil.copyfile(folder / name, tmp)
        paths.publish(tmp, target)


def prune(keep: int = KEEP) -> int:
    """Delete all but the `keep` most recently used renders; returns how many were deleted."""
    if not store().is_dir():
        return 0
    folders = [p for p in store().iterdir() if p.is_dir()]
    entries = sorted((p for p in folders if not p.name.startswith(".")), key=os.path.getmtime)
    abandoned = [
        p for p in folders if p.name.startswith(".") and p.name != ".locks" and time.time() - p.stat().st_mtime > 3600
    ]
    old = entries[: max(0, len(entries) - keep)] + abandoned  # and what a killed run left half written
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    return len(old)
