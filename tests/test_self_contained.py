"""The project alone is enough: the public data it uses lives in data/external with its provenance, and a copy of the
repository with nothing beside it generates the sample, builds the warehouse and reproduces the published figures; the
same seed gives the same bytes and the same figures."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from conftest import OWN_DATA, helpers_cli
from helpers import paths

SIDECAR_FIELDS = ("Source:", "Table:", "Retrieved:", "Licence:")


def test_every_external_file_has_a_sidecar_naming_source_table_retrieval_and_licence():
    files = [p for p in paths.EXTERNAL.rglob("*") if p.is_file() and not p.name.endswith(".source.txt")]
    assert len(files) >= 12
    for path in files:
        sidecar = path.with_name(path.name + ".source.txt")
        assert sidecar.is_file(), f"{path}: no {sidecar.name}"
        lines = sidecar.read_text(encoding="utf-8").splitlines()
        for field in SIDECAR_FIELDS:
            assert any(line.startswith(field) and line[len(field) :].strip() for line in lines), (
                f"{sidecar.name}: {field}"
            )


def test_no_code_points_outside_the_project():
    for path in [*paths.ROOT.glob("src/helpers/**/*.py"), *paths.ROOT.glob("tests/*.py"), paths.ROOT / "Makefile"]:
        text = path.read_text(encoding="utf-8")
        outside = (
            "".join(("../", "shared")),
            "".join(('parent / "', 'shared"')),
            "".join(("parents[", "3]")),
        )  # joined at run time: neither this file nor its compiled form is a hit itself
        assert not any(o in text for o in outside), path


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Callable]:
    """The repository's files (nothing ignored, nothing beside it) copied to a folder of their own, where the copy's own
    code generates the sample (beside a municipality's workspace, which it leaves as it was) and builds the warehouse,
    each in a fresh process as a user runs them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    alone = tmp_path_factory.mktemp("alone") / "project"
    for name in listed:
        source = paths.ROOT / name
        if source.is_file():
            (alone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, alone / name)
    assert sorted(p.name for p in alone.parent.iterdir()) == ["project"]  # no shared/ beside it
    base = {k: v for k, v in os.environ.items() if not k.startswith("HELPERS_")}
    base |= {"PYTHONPATH": str(alone / "src"), "HELPERS_PSEUDONYM_KEY": "copy-test-key"}

    def run(*args, env: dict | None = None):
        return subprocess.run(
            [sys.executable, *args], cwd=alone, env=base | (env or {}), capture_output=True, text=True, timeout=900
        )

    where = run("-c", "from helpers import paths; print(paths.ROOT)")
    assert where.stdout.strip() == str(alone), where.stderr  # the copy's code, not this checkout's
    space = tmp_path_factory.mktemp("workspace")  # a municipality's workspace, with an export added
    added = helpers_cli("add", str(OWN_DATA / "Budget_2025.xlsx"), env={**base, "HELPERS_WORKSPACE": str(space)})
    assert added.returncode == 0, added.stderr
    before = _listing(space)
    done = run("-m", "helpers", "sample", env={"HELPERS_WORKSPACE": str(space)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert _listing(space) == before, "generating the sample changed the workspace"
    shutil.rmtree(space)
    done = run("-m", "helpers", "build")
    assert done.returncode == 0, done.stderr[-2000:]
    return alone, run


def _listing(folder: Path) -> list[tuple[str, str]]:
    """Every file under `folder` with a digest of its bytes."""
    return sorted(
        (str(p.relative_to(folder)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in folder.rglob("*")
        if p.is_file()
    )


@pytest.mark.slow
def test_a_copy_with_nothing_beside_it_builds_and_reproduces_the_published_figures(copy):
    _, run = copy
    tests = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_published.py", "tests/test_reference.py")
    assert tests.returncode == 0 and " passed" in tests.stdout, tests.stdout[-3000:]


def _figures(path: Path) -> str:
    """A digest of the benchmark's marts, row order aside."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        frames = [
            con.execute(f"select * from {v} order by all").df().to_csv()
            for v in ("mart_benchmark_region", "mart_benchmark_municipality", "mart_population")
        ]
    finally:
        con.close()
    return hashlib.sha256("".join(frames).encode()).hexdigest()


@pytest.mark.slow
def test_same_seed_same_bytes_and_same_figures(copy, warehouse_path):
    """Deterministic: the copy's sample (another process, other hash seeds, another key) is byte for byte the
    session's (`make data`), every case extract, budget and population file included, its warehouse gives the
    session's figures, and a second build over the first changes nothing."""
    alone, run = copy
    ours, theirs = paths.sample_dir(), alone / "data" / "sample"
    manifest = pd.read_csv(ours / paths.MANIFEST, dtype=str, keep_default_na=False)
    assert len(manifest) > 10
    assert (theirs / paths.MANIFEST).read_bytes() == (ours / paths.MANIFEST).read_bytes(), "stale? run `make data`"
    for rel in manifest["file"]:
        assert (theirs / rel).read_bytes() == (ours / rel).read_bytes(), f"{rel} (or a stale `make data`)"
    first = _figures(alone / "data" / "warehouse.duckdb")
    assert first == _figures(warehouse_path)
    again = run("-m", "helpers", "build")
    assert again.returncode == 0, again.stderr[-2000:]
    assert _figures(alone / "data" / "warehouse.duckdb") == first
