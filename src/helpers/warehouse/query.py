"""Reading the warehouse: a read-only connection and one-query helpers (reports, explorer and CLI read marts only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from helpers import paths

_shared: tuple[tuple, duckdb.DuckDBPyConnection] | None = (
    None  # the process's read-only connection and its file's identity
)


def identity(path: Path | None = None) -> tuple:
    """The warehouse file's identity (path, inode, modification time, size): another after every build, which writes a
    new file. What a process keeps from the warehouse is kept under it."""
    path = path or paths.warehouse_path()
    stat = path.stat()
    return (str(path.resolve()), stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """One read-only connection per process, kept open: opening the file cost a report a third of its queries' time.
    It is opened again when the file is another (a build replaces the warehouse with a new file)."""
    global _shared
    current = identity(path)
    if _shared is None or _shared[0] != current:
        if _shared is not None:
            _shared[1].close()
        _shared = (current, duckdb.connect(current[0], read_only=True))
    return _shared[1]


def connect(path: Path | None = None, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse: read-only (the default) a cursor of the process's shared connection, with state
    of its own (session variables); it holds tables and views only, so any cwd works. Close it after use."""
    path = path or paths.warehouse_path()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse; run `make data` (or `python -m helpers build`)")
    return _read_only(path).cursor() if read_only else duckdb.connect(str(path), read_only=False)


def query(sql: str, params: list | None = None, path: Path | None = None) -> pd.DataFrame:
    """Run one query on the warehouse and return a DataFrame."""
    con = connect(path)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()


def view_names(con: duckdb.DuckDBPyConnection, prefix: str = "") -> list[str]:
    """Names of the models built from sql/ (views, and those materialized as tables), optionally those with a layer prefix."""
    rows = con.execute("""select view_name from duckdb_views() where not internal
                          union all select table_name from duckdb_tables() where regexp_matches(table_name, '^(stg|int|mart)_')
                          order by 1""").fetchall()
    return [r[0] for r in rows if r[0].startswith(prefix)]
