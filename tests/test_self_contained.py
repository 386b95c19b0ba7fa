"""The project alone is enough: the public data it uses lives in data/external with its provenance, and a copy of the
repository with nothing beside it generates the sample, builds the warehouse and reproduces the published figures."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

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
            "../" + "shared",
            'parent / "' + 'shared"',
            "parents[" + "3]",
        )  # spelled apart: this file is no hit itself
        assert not any(o in text for o in outside), path


@pytest.mark.slow
def test_a_copy_with_nothing_beside_it_builds_and_reproduces_the_published_figures(tmp_path):
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    alone = tmp_path / "alone" / "project"
    for name in listed:
        source = paths.ROOT / name
        if source.is_file():
            (alone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, alone / name)
    assert sorted(p.name for p in alone.parent.iterdir()) == ["project"]  # no shared/ beside it
    env = {k: v for k, v in os.environ.items() if not k.startswith("HELPERS_")}
    env |= {"PYTHONPATH": str(alone / "src"), "HELPERS_PSEUDONYM_KEY": "copy-test-key"}

    def run(*args):
        return subprocess.run([sys.executable, *args], cwd=alone, env=env, capture_output=True, text=True, timeout=900)

    where = run("-c", "from helpers import paths; print(paths.ROOT)")
    assert where.stdout.strip() == str(alone), where.stderr  # the copy's code, not this checkout's
    for step in (("-m", "helpers", "sample"), ("-m", "helpers", "build")):
        done = run(*step)
        assert done.returncode == 0, done.stderr[-2000:]
    tests = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_published.py", "tests/test_reference.py")
    assert tests.returncode == 0 and " passed" in tests.stdout, tests.stdout[-3000:]
