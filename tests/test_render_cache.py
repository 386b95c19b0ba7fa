"""The rendered-report cache never serves a stale report: a report is rendered again when the warehouse, its notebook,
the package's code, the installed packages or its parameters change, and only then."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import nbformat
import pytest

from helpers import paths
from helpers.render import batch, cache

pytestmark = pytest.mark.renders

KEY_PARTS = dict(definition={"name": "x"}, params={"region": "085"}, published=None, warehouse="w", code="c")


def test_the_key_changes_with_every_input(tmp_path):
    notebook = tmp_path / "n.ipynb"
    notebook.write_text("{}")
    base = cache.inputs_key(notebook=notebook, **KEY_PARTS)
    assert base == cache.inputs_key(notebook=notebook, **KEY_PARTS)  # the same inputs, the same key
    changed = [
        cache.inputs_key(notebook=notebook, **(KEY_PARTS | {part: value}))
        for part, value in (
            ("definition", {"name": "y"}),
            ("params", {"region": "084"}),
            ("params", {"region": "085", "year": 2017}),
            ("published", {"region": "085", "year": 2024}),
            ("warehouse", "w2"),
            ("code", "c2"),
        )
    ]
    notebook.write_text('{"cells": []}')
    changed.append(cache.inputs_key(notebook=notebook, **KEY_PARTS))
    assert len({base, *changed}) == len(changed) + 1


def test_the_code_digest_follows_every_source_file(tmp_path):
    package = tmp_path / "helpers"
    shutil.copytree(cache.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    before = cache.code_digest(package)
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert cache.code_digest(package) == before  # compiled files are not code
    target = package / "render" / "tables.py"
    target.write_text(target.read_text() + "\n# a comment\n")
    assert cache.code_digest(package) != before


@pytest.fixture
def private_data(tmp_path, warehouse_path) -> Path:
    """A data folder of its own (a copy of the warehouse, an empty cache) for runs that change the warehouse."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(warehouse_path, data / "warehouse.duckdb")
    return data


def _render(data: Path, out: Path, notebook: Path, monkeypatch, force: bool = False) -> dict:
    """Region Sjælland's data quality report from `notebook` (a copy of data_quality.ipynb), with `data` as the data
    folder, rendered (or taken from the cache) by the batch in this process and its kernel, as `reports` does."""
    spec = batch.ReportSpec(
        "quality",
        str(notebook),
        "Datakvalitet",
        batch.region_parameter_sets,
        folder="data_quality",
        filters=("region",),
    )
    with monkeypatch.context() as m:
        m.setenv("HELPERS_DATA_DIR", str(data))
        m.setattr(batch, "REPORTS", [*batch.REPORTS, spec])
        (done,) = batch.render_all(
            only=["quality"], filters={"region": "085"}, out_dir=out, workers=1, progress=False, force=force
        )
    assert done.error is None
    page = (out / "data_quality" / "region-sjaelland.html").read_text(encoding="utf-8")
    return {"reused": done.reused, "rendered_at": done.rendered_at, "inputs": done.inputs, "page": page}


def test_a_changed_notebook_parameters_or_warehouse_renders_again_and_nothing_else_does(
    private_data, tmp_path, monkeypatch
):
    notebook = tmp_path / "data_quality.ipynb"
    shutil.copyfile(paths.ROOT / "notebooks" / "data_quality.ipynb", notebook)
    out = tmp_path / "reports"
    first = _render(private_data, out, notebook, monkeypatch)
    assert not first["reused"]
    again = _render(private_data, out, notebook, monkeypatch)  # nothing changed: the page as it was, not rendered
    assert again["reused"] and again["rendered_at"] == first["rendered_at"] and again["page"] == first["page"]
    # another folder: copied from the cache
    elsewhere = _render(private_data, tmp_path / "elsewhere", notebook, monkeypatch)
    assert elsewhere["reused"] and elsewhere["page"] == first["page"]
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert [e["inputs"] for e in index] == [first["inputs"]] and len(first["inputs"]) == 64
    assert (private_data / "cache" / "reports" / first["inputs"] / "page.html").read_text(encoding="utf-8") == first[
        "page"
    ]
    forced = _render(private_data, out, notebook, monkeypatch, force=True)  # --force: rendered, though nothing changed
    assert not forced["reused"] and forced["inputs"] == first["inputs"]

    nb = nbformat.read(notebook, as_version=4)  # the notebook changes: rendered again, with the change
    nb.cells.append(nbformat.v4.new_markdown_cell("Et nyt afsnit om kontrollerne."))
    nbformat.write(nb, notebook)
    edited = _render(private_data, out, notebook, monkeypatch)
    assert not edited["reused"] and "Et nyt afsnit om kontrollerne." in edited["page"]
    assert edited["inputs"] != first["inputs"]

    # the data changes, as a build changes them (a new file in the warehouse's place): rendered again
    changed_file = tmp_path / "changed.duckdb"
    shutil.copyfile(private_data / "warehouse.duckdb", changed_file)
    with duckdb.connect(str(changed_file)) as con:
        found = con.execute("select count(*) from mart_data_quality where region_code = '085'").fetchone()[0]
        assert found > 0
        con.execute(
            "update mart_data_quality set description = 'En ændret beskrivelse', issue = 'En ændret beskrivelse' "
            "where region_code = '085'"
        )
    os.replace(changed_file, private_data / "warehouse.duckdb")
    changed = _render(private_data, out, notebook, monkeypatch)
    assert "En ændret beskrivelse" not in edited["page"]
    assert not changed["reused"] and changed["page"].count("En ændret beskrivelse") >= 1  # grouped by issue on the page


def test_prune_keeps_the_most_recently_used(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "store", lambda: tmp_path)
    for n in range(5):
        (tmp_path / f"k{n}").mkdir()
        os.utime(tmp_path / f"k{n}", (1_000_000 + n, 1_000_000 + n))
    (tmp_path / ".k9.half").mkdir()  # what a killed run left
    os.utime(tmp_path / ".k9.half", (1_000_000, 1_000_000))
    assert cache.prune(keep=3) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k2", "k3", "k4"]


def test_a_failed_report_is_not_kept(warehouse_path, tmp_path, monkeypatch):
    broken = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("region = '085'\nregion_name = 'Region Sjælland'")
    cell.metadata["tags"] = ["parameters"]
    broken.cells = [cell, nbformat.v4.new_code_cell("raise ValueError('ikke i dag')")]
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(broken, tmp_path / "broken.ipynb")
    spec = batch.ReportSpec(
        "broken", str(tmp_path / "broken.ipynb"), "Fejl", batch.region_parameter_sets, filters=("region",)
    )
    monkeypatch.setattr(batch, "REPORTS", [spec])
    for _ in range(2):  # tried again each run: a failure is never served
        (result,) = batch.render_all(filters={"region": "085"}, out_dir=tmp_path / "out", workers=1, progress=False)
        assert result.error == "ValueError: ikke i dag" and not result.reused and result.failing_cell == 2
        assert cache.get(result.inputs) is None


def test_the_links_between_pages_do_not_depend_on_which_run_wrote_the_index(warehouse_path, tmp_path):
    """A page's links are part of its cache key: the folder's catalogue is in one order whether a report comes from this
    run or the index of an earlier one (else a second run with nothing changed rendered 23 of the 44 reports again)."""
    planned = batch.plan(out_dir=tmp_path)
    fresh = batch.folder_catalogue(planned)
    earlier = [
        {"report": e.report, "params": e.params, "path": e.path, "error": None} for e in reversed(fresh)
    ]  # as an index written in another order
    (tmp_path / "index.json").write_text(json.dumps(earlier), encoding="utf-8")
    assert batch.folder_catalogue(planned) == fresh and len(fresh) == len(planned.jobs)


def test_a_run_s_key_is_what_the_kernel_reads(tmp_path):
    notebook = tmp_path / "n.ipynb"
    notebook.write_text("{}")
    base = cache.execution_key(notebook, {"region": "085"}, "w", "c")
    assert base == cache.execution_key(notebook, {"region": "085"}, "w", "c")
    changed = {
        cache.execution_key(notebook, {"region": "084"}, "w", "c"),
        cache.execution_key(notebook, {"region": "085"}, "w2", "c"),
        cache.execution_key(notebook, {"region": "085"}, "w", "c2"),
    }
    notebook.write_text('{"cells": []}')
    changed.add(cache.execution_key(notebook, {"region": "085"}, "w", "c"))
    assert len(changed) == 4 and base not in changed


def test_a_report_in_two_folders_is_two_pages_of_one_notebook_run(warehouse_path, tmp_path, monkeypatch):
    """Svendborg's progression report alone in a folder, and beside its key-figure packs (which its page then links
    to): two pages, one run of the notebook, kept under what the kernel reads."""
    monkeypatch.setattr(cache, "store", lambda: tmp_path / "cache")
    runs = []
    execute = batch.kernel.execute
    monkeypatch.setattr(
        batch.kernel, "execute", lambda notebook, params: runs.append(notebook.name) or execute(notebook, params)
    )
    svendborg = {"municipality": "479"}
    alone = batch.plan(["progression"], svendborg, {}, None, tmp_path / "alone")
    beside = batch.plan(["progression", "indicators"], svendborg, {}, None, tmp_path / "beside")
    spec, params, _ = alone.jobs[0]
    run = cache.execution_key(
        batch._notebook_path(spec), params, cache.file_digest(warehouse_path), cache.code_digest()
    )
    pages = []
    for planned in (alone, beside):
        done = batch.render(spec, params, planned.out_dir, None, batch.folder_catalogue(planned), run)
        assert done.error is None
        pages.append(done.path.read_text(encoding="utf-8"))
    assert runs == ["progression.ipynb"]
    assert pages[0] != pages[1] and "indicators/svendborg/" in pages[1] and "indicators/svendborg/" not in pages[0]
    main = [page.split("<main>", 1)[1].split("</main>", 1)[0] for page in pages]
    assert main[0] == main[1]
