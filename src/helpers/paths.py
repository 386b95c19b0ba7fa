"""Where the project's files live; one place so notebooks, CLI and tests agree."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT / "data" / "external"  # real public data the project uses, each file with a .source.txt sidecar
REAL_DATA = EXTERNAL  # DST population files and DAWA municipalities and regions, unchanged
PUBLISHED = EXTERNAL / "published"  # published figures the sample is calibrated to and the tests check against
REFERENCE = ROOT / "data" / "reference"
SQL = ROOT / "sql"


def data_dir() -> Path:
    """Root of the rebuildable data (sample extracts, staged files, warehouse); HELPERS_DATA_DIR overrides."""
    return Path(os.environ.get("HELPERS_DATA_DIR", ROOT / "data"))


def workspace_dir() -> Path:
    """The municipality's own workspace: its extracts as added (`python -m helpers add`), their manifest, its own
    mapping files and the StatBank tables fetched. Never rebuilt, never deleted by `make clean` or `make data`;
    ignored by git. $HELPERS_WORKSPACE overrides data/local."""
    return Path(os.environ.get("HELPERS_WORKSPACE", ROOT / "data" / "local"))


def sample_dir() -> Path:
    """Raw extracts of the embedded sample, as the users' systems would deliver them."""
    return data_dir() / "sample"


def warehouse_path() -> Path:
    """The DuckDB warehouse file built from the SQL views."""
    return data_dir() / "warehouse.duckdb"


def reports_dir() -> Path:
    """Where the reports are rendered: $HELPERS_REPORTS_DIR, else reports/."""
    return Path(os.environ.get("HELPERS_REPORTS_DIR", ROOT / "reports"))


def cache_dir() -> Path:
    """Files derived from installed packages and kept between runs (e.g. the packed Vega bundle); safe to delete."""
    return data_dir() / "cache"


MANIFEST = "MANIFEST.csv"  # in the sample folder and the workspace: every extract with its ingest kind
WORKSPACE_PREFIX = "egne"  # the workspace's extracts are named egne/<file> in the warehouse (the sample's: <file>)


def publish(tmp: Path | str, path: Path) -> None:
    """Give a finished temporary file the usual permissions (mkstemp makes 0600; reports are for readers) and
    rename it into place, so readers never see half a file."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)
