"""The build: unchanged extracts are not ingested again, and the warehouse knows each extract's checksum and period."""

from __future__ import annotations

import hashlib
import os
import shutil

import duckdb
import pytest

from helpers import paths
from helpers.warehouse.build import build

KEY = b"k" * 32


@pytest.fixture
def small_data(tmp_path, warehouse_path):
    """A data folder with two of the sample's extracts and their manifest."""
    sample = tmp_path / "sample"
    files = {"prices/pl_indeks_2010-2024.csv": "price_index", "users/brugere_2010-2024.csv": "users"}
    rows = ["file,kind,bytes,sha256"]
    for name, kind in files.items():
        (sample / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(paths.sample_dir() / name, sample / name)
        rows.append(f"{name},{kind},0,")
    (sample / paths.MANIFEST).write_text("\n".join(rows) + "\n")
    return tmp_path


def _log(data_dir):
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(
            "select file, sha256, period_start, period_end, rows_read, cached from mart_ingest_log "
            "join stg_ingest__extracts using (file, sha256, period_start, period_end, rows_read) order by file"
        ).fetchall()
    finally:
        con.close()


def test_a_rebuild_reuses_unchanged_extracts_and_reingests_a_changed_one(small_data):
    build(small_data, key=KEY)
    first = _log(small_data)
    prices = small_data / "sample" / "prices" / "pl_indeks_2010-2024.csv"
    assert [r[5] for r in first] == [False, False]
    assert first[0][1] == hashlib.sha256(prices.read_bytes()).hexdigest()
    assert (first[0][2], first[0][3]) == ("2010", "2024")  # the years the price index covers
    build(small_data, key=KEY)
    assert [r[5] for r in _log(small_data)] == [True, True]
    text = prices.read_text(encoding="utf-8").splitlines()
    prices.write_text("\n".join(text[:-1]) + "\n", encoding="utf-8")  # the last year removed
    build(small_data, key=KEY)
    after = _log(small_data)
    assert [r[5] for r in after] == [False, True] and after[0][3] == "2023"
    assert len(list((small_data / "staged").glob("price_index-*.pkl"))) == 1  # the stale result is gone


def test_another_key_is_not_served_from_the_cache(small_data):
    build(small_data, key=KEY)
    build(small_data, key=b"x" * 32)
    assert [r[5] for r in _log(small_data)] == [False, False]


def test_extracts_ingested_side_by_side_give_the_warehouse_one_after_the_other_gives(small_data, tmp_path, monkeypatch):
    """A first build ingests its extracts in worker processes (from PARALLEL_FROM of them): the same rows, the same
    log (nothing marked as reused) and the same failure, named as the build names it, as ingesting them in turn."""
    from helpers.warehouse import build as building

    broken = small_data / "sample" / "users" / "brugere_ulaeselig.csv"
    broken.write_bytes(b"PK\x03\x04 not a table")  # a zip file named .csv: fails in a worker and in the build's pass
    with (small_data / "sample" / paths.MANIFEST).open("a") as fh:
        fh.write("users/brugere_ulaeselig.csv,users,0,\n")
    one_by_one = tmp_path / "one-by-one"
    shutil.copytree(small_data, one_by_one)
    fresh, prefetch = [], building._prefetch
    monkeypatch.setattr(building, "_prefetch", lambda *a: fresh.append(prefetch(*a)) or fresh[-1])
    monkeypatch.setattr(building, "PARALLEL_FROM", 2)
    build(small_data, key=KEY)
    monkeypatch.setattr(building, "PARALLEL_FROM", 10**6)
    build(one_by_one, key=KEY)
    if (os.cpu_count() or 1) > 1:
        assert len(fresh[0]) == 3 and fresh[1] == set()  # three extracts ingested by workers, then none
    tables = ["raw_price_index", "raw_users", "raw_quarantine", "raw_ingest_notes"]
    query = "select file, kind, rows_read, accepted, rejected, cached, failed from raw_ingest_log order by file"
    found = []
    for data in (small_data, one_by_one):
        con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
        try:
            found.append(
                [con.execute(query).fetchall()]
                + [con.execute(f"select * from {t} order by all").fetchall() for t in tables]
            )
        finally:
            con.close()
    assert found[0] == found[1]
    log = found[0][0]
    assert [r[5] for r in log] == [False] * 3 and [r[0] for r in log if r[6]] == ["users/brugere_ulaeselig.csv"]
    assert "zip" in next(r[6] for r in log if r[6]).lower()
