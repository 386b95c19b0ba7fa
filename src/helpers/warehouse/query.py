"""Reading the warehouse: a read-only connection and one-query helpers (reports, explorer and CLI read marts only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from helpers import paths


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
    """Names of the models built from sql/ (views, and those materialized as tables), optionally those with a layer prefix."""
    rows = con.execute("""select view_name from duckdb_views() where not internal
                          union all select table_name from duckdb_tables() where regexp_matches(table_name, '^(stg|int|mart)_')
                          order by 1""").fetchall()
    return [r[0] for r in rows if r[0].startswith(prefix)]
