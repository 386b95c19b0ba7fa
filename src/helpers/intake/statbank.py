"""Public data from Statistics Denmark's StatBank API (api.statbank.dk/v1, docs/statbank.md): REGK31 (net operating
expenditure by function) and FOLK1A (population by municipality, sex and age) fetched in the streaming BULK format with
codes, cached in the workspace with a sidecar (table, query, retrieval time, licence) and recorded in its manifest, so
the build reads them as the benchmark's expenditure and population in place of the embedded sample's.

BULK allows no elimination, so every variable of a table is given: REGK31 with DRANST 1 (operating), ART TOT (net),
PRISENHED LOBM (current prices, 1.000 kr.), the account functions of data/reference/account_functions.csv without their
dots (5.28.22 is 52822), every municipality and year; FOLK1A with both sexes, ages 0-125, CIVILSTAND TOT, every
municipality, region and the country on 1 January (quarter 1) of every year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from helpers import labels, paths
from helpers.intake import reference, workspace

API = "https://api.statbank.dk/v1"
LICENCE = (
    "Statistics Denmark: free use, commercial or not, with the source credited (Danmarks Statistik, "
    "statistikbanken.dk; corresponds to CC BY 4.0)"
)
TIMEOUT_S = 60


class Offline(Exception):
    """The StatBank API could not be reached (no network, a proxy, DNS): the embedded data stays."""


class Refused(Exception):
    """The API answered with an error (HTTP 4xx/5xx and its JSON message)."""


def api_url() -> str:
    """The API's base URL: $HELPERS_STATBANK_URL (tests point it at a local server), else api.statbank.dk/v1."""
    return os.environ.get("HELPERS_STATBANK_URL", API).rstrip("/")


def _functions() -> list[str]:
    """The account functions the benchmark maps, as REGK31's FUNKTION codes (no dots)."""
    return sorted({f.replace(".", "") for f in reference.account_functions()["function"]})


def _municipalities() -> list[str]:
    return sorted(reference.municipalities()["municipality_code"])


@dataclass(frozen=True)
class Table:
    """A StatBank table the workbench fetches: its id, the ingest kind it becomes, and its query's variables."""

    id: str
    kind: str
    description: str

    def variables(self) -> list[dict]:
        """Every variable with its values (BULK eliminates nothing)."""
        if self.id == "REGK31":
            return [
                {"code": "OMRÅDE", "values": _municipalities()},
                {"code": "FUNKTION", "values": _functions()},
                {"code": "DRANST", "values": ["1"]},
                {"code": "ART", "values": ["TOT"]},
                {"code": "PRISENHED", "values": ["LOBM"]},
                {"code": "Tid", "values": ["*"]},
            ]
        return [
            {"code": "OMRÅDE", "values": [labels.COUNTRY_CODE, *labels.REGION_CODES, *_municipalities()]},
            {"code": "KØN", "values": ["1", "2"]},
            {"code": "ALDER", "values": [str(a) for a in range(126)]},
            {"code": "CIVILSTAND", "values": ["TOT"]},
            {"code": "Tid", "values": ["*K1"]},
        ]

    def query(self) -> dict:
        """The body POSTed to /data."""
        return {
            "table": self.id,
            "format": "BULK",
            "lang": "da",
            "valuePresentation": "Code",
            "delimiter": "Semicolon",
            "variables": self.variables(),
        }


TABLES = {
    "REGK31": Table("REGK31", "expenditure", "net operating expenditure by function, 1.000 kr., current prices"),
    "FOLK1A": Table("FOLK1A", "population", "population on 1 January by municipality, sex and age"),
}


def _post(url: str, body: dict, target: Path) -> int:
    """POST the query and stream the answer to `target`; the bytes written. Raises Offline or Refused."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "text/csv"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response, target.open("wb") as out:
            written = 0
            while chunk := response.read(1 << 20):
                out.write(chunk)
                written += len(chunk)
            return written
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace")
        try:
            detail = json.loads(detail).get("message", detail)
        except (ValueError, AttributeError):
            pass
        raise Refused(f"HTTP {exc.code}: {detail.strip()[:300]}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise Offline(f"{url}: {reason}") from None


@dataclass
class Fetched:
    """One table fetched: where it is cached, its sidecar, and what the intake made of it."""

    table: str
    path: Path
    sidecar: Path
    bytes: int
    added: workspace.Added


def fetch(table_id: str, space: Path | None = None) -> Fetched:
    """Fetch one table into the workspace's statbank/ folder (written whole, then renamed: a failed fetch leaves the
    previous copy), write its sidecar and record it in the workspace's manifest."""
    table = TABLES[table_id]
    space = space or paths.workspace_dir()
    folder = space / "statbank"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{table.id}.csv"
    tmp = folder / f".{table.id}.{os.getpid()}.tmp"
    url = f"{api_url()}/data"
    body = table.query()
    try:
        written = _post(url, body, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    sidecar = folder / f"{table.id}.csv.source.json"
    source = {
        "source": "Statistics Denmark (Danmarks Statistik), StatBank API",
        "table": table.id,
        "description": table.description,
        "url": url,
        "query": body,
        "retrieved_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "bytes": written,
        "sha256": hashlib.sha256(target.read_bytes()).hexdigest(),
        "licence": LICENCE,
    }
    sidecar.write_text(json.dumps(source, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    added = workspace.record(target.relative_to(space).as_posix(), table.kind, origin="statbank", space=space)
    return Fetched(table.id, target, sidecar, written, added)
