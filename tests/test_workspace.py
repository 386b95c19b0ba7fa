"""The municipality's own workspace: `add` tells kind, municipality and snapshot from the file and records it; a new
export replaces the old; `build` reads the sample and the workspace, the workspace's extracts replacing the sample's
for their municipality; `status` says what each report lacks; nothing of the workbench deletes the workspace."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import OWN_DATA, helpers_cli
from helpers import paths
from helpers.intake import workspace
from helpers.intake.messages import ExtractError
from helpers.warehouse import build as build_module

CORPUS = Path(__file__).parent / "data" / "real_format"
KEY = b"workspace-test-key"


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return helpers_cli(*args, env={**os.environ, "HELPERS_PSEUDONYM_KEY": "workspace-cli-key", **env})


def test_add_tells_kind_municipality_and_snapshot_from_the_file(tmp_path):
    space = tmp_path / "ws"
    cases = workspace.add(OWN_DATA / "DUBU_bevillinger_2025-03-31.csv", workspace=space, key=KEY)
    assert (cases.kind, cases.municipality_code, cases.snapshot_date) == ("cases", "479", "2025-03-31")
    assert cases.period == ("2024-01-01", "2025-07-01")  # the first and the last start date
    bookings = workspace.add(OWN_DATA / "Opus_posteringer_2025.csv", workspace=space, key=KEY)
    assert (bookings.kind, bookings.municipality_code, bookings.period) == ("actuals", "479", ("2025-01", "2025-03"))
    listed = workspace.manifest(space).set_index("file")
    assert set(listed["kind"]) == {"cases", "actuals"} and set(listed["origin"]) == {"own"}
    stored = space / "extracts" / "479_svendborg" / "cases" / "DUBU_bevillinger_2025-03-31.csv"
    assert stored.read_bytes() == (OWN_DATA / "DUBU_bevillinger_2025-03-31.csv").read_bytes()  # copied as it came
    assert listed.loc["extracts/479_svendborg/cases/DUBU_bevillinger_2025-03-31.csv", "snapshot_date"] == "2025-03-31"


def test_what_the_rows_do_not_say_is_asked_for(tmp_path):
    space = tmp_path / "ws"
    with pytest.raises(ExtractError) as exc:  # Sensum's workbook has no extract date
        workspace.add(OWN_DATA / "Sensum_indsatser.xlsx", workspace=space, key=KEY)
    assert exc.value.message.code == "snapshot_needed" and "--snapshot" in str(exc.value)
    with pytest.raises(ExtractError) as exc:  # bookings without a municipality column
        workspace.add(CORPUS / "opus_actuals.csv", workspace=space, key=KEY)
    assert exc.value.message.code == "municipality_needed" and "--municipality" in str(exc.value)
    with pytest.raises(ExtractError) as exc:  # the rows say Svendborg
        workspace.add(CORPUS / "prisme_posteringsdato.csv", municipality="Odense", workspace=space, key=KEY)
    assert exc.value.message.code == "municipality_differs"
    added = workspace.add(CORPUS / "opus_actuals.csv", municipality="Svendborg Kommune", workspace=space, key=KEY)
    assert added.municipality_code == "479"
    assert not (space / "extracts" / "479_svendborg" / "cases").exists()  # nothing was copied of the refused ones


def test_the_same_file_is_not_added_twice_and_a_new_export_replaces_the_old(tmp_path):
    space, source = tmp_path / "ws", tmp_path / "Budget_2025.xlsx"
    shutil.copy(OWN_DATA / "Budget_2025.xlsx", source)
    first = workspace.add(source, workspace=space, key=KEY)
    again = workspace.add(source, workspace=space, key=KEY)
    assert again.already == first.file and len(workspace.manifest(space)) == 1
    import openpyxl

    book = openpyxl.load_workbook(source)
    book.active["E2"] = 280_000  # the budget revised: the same file, exported again
    book.save(source)
    revised = workspace.add(source, workspace=space, key=KEY)
    assert revised.replaced == [first.file] and len(workspace.manifest(space)) == 1
    kept = list((space / "replaced").rglob("Budget_2025.xlsx"))
    assert len(kept) == 1 and kept[0].read_bytes() != source.read_bytes()  # the old one kept, not read
    removed = workspace.remove(revised.file, space)
    assert removed == revised.file and workspace.manifest(space).empty


def test_the_cli_prints_what_add_understood_and_one_line_per_refused_file(tmp_path):
    env = {"HELPERS_WORKSPACE": str(tmp_path / "ws")}
    done = _cli("add", str(OWN_DATA / "Opus_posteringer_2025.csv"), str(CORPUS / "rapport_pdf_named.csv"), env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        "Opus_posteringer_2025.csv: actuals, municipality 479, period 2025-01 to 2025-03: 17 rows read" in done.stdout
    )
    assert done.stderr.count("\n") == 1 and "a PDF document" in done.stderr


def _small_data(tmp_path: Path) -> Path:
    """A data folder whose sample holds Svendborg's and Frederikshavn's last snapshots and bookings."""
    sample = tmp_path / "data" / "sample"
    rows = ["file,kind,bytes,sha256,municipality_code,snapshot_date"]
    for code, name in (("479", "479_svendborg"), ("813", "813_frederikshavn")):
        for file, kind in ((f"cases/{name}/cases_2024-09-30.csv", "cases"), (f"cases/{name}/actuals.csv", "actuals")):
            (sample / file).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(paths.sample_dir() / file, sample / file)
            rows.append(f"{file},{kind},0,,{code},{'2024-09-30' if kind == 'cases' else ''}")
    (sample / paths.MANIFEST).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "data"


def test_the_workspaces_extracts_replace_the_samples_for_their_municipality(tmp_path, warehouse_path):
    data, space = _small_data(tmp_path), tmp_path / "ws"
    workspace.add(OWN_DATA / "DUBU_bevillinger_2025-03-31.csv", workspace=space, key=KEY)
    report = build_module.build(data, key=KEY, workspace=space)
    assert sorted(report.left_out) == [
        "cases/479_svendborg/actuals.csv (actuals, 479)",
        "cases/479_svendborg/cases_2024-09-30.csv (cases, 479)",
    ]
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        whose = dict(
            con.execute(
                "select municipality_code, list(distinct source_file) from stg_cases__case_periods group by all"
            ).fetchall()
        )
        log = con.execute("select file, origin from mart_ingest_log order by file").fetchall()
    finally:
        con.close()
    assert whose == {
        "479": ["egne/479_svendborg/cases/DUBU_bevillinger_2025-03-31.csv"],
        "813": ["cases/813_frederikshavn/cases_2024-09-30.csv"],
    }
    assert ("egne/479_svendborg/cases/DUBU_bevillinger_2025-03-31.csv", "own") in log and len(log) == 3


def test_status_lists_whose_data_and_what_each_report_lacks(tmp_path, warehouse_path):
    data, space = _small_data(tmp_path), tmp_path / "ws"
    env = {"HELPERS_WORKSPACE": str(space), "HELPERS_DATA_DIR": str(data)}
    assert _cli("add", str(OWN_DATA / "DUBU_bevillinger_2025-03-31.csv"), env=env).returncode == 0
    assert _cli("build", env=env).returncode == 0
    done = _cli("status", env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "municipalities with their own data:" in out and "  479 Svendborg" in out
    assert "forecast, børn og unge, as of 31.03.2025: no budget for 2025" in out
    assert "no bookings (actuals) in 2025" in out and "benchmark, børn og unge" not in out  # no key figures at all
    assert "cases             own       1 file(s)" in out and "cases             sample    1 file(s)" in out
    assert _cli("add", str(OWN_DATA / "Budget_2025.xlsx"), env=env).returncode == 0
    later = _cli("status", env=env).stdout
    assert "the workspace changed after the build: run python -m helpers build" in later
    assert "not built yet: extracts/479_svendborg/budget/Budget_2025.xlsx" in later


def test_nothing_of_the_workbench_deletes_the_workspace():
    """`make clean` and git leave the workspace alone; tests/test_self_contained.py generates the sample (`sample`)
    beside a workspace and checks that it is left as it was."""
    clean = subprocess.run(["make", "-n", "clean"], capture_output=True, text=True, cwd=paths.ROOT, check=True)
    assert "data/local" not in clean.stdout and "rm -rf" in clean.stdout
    ignored = subprocess.run(["git", "check-ignore", "-q", "data/local/MANIFEST.csv"], cwd=paths.ROOT)
    assert ignored.returncode == 0  # git ignores the workspace


def test_a_file_named_after_a_citizen_is_printed_masked(tmp_path):
    named = tmp_path / "0101084195_bevillinger.csv"
    shutil.copy(OWN_DATA / "DUBU_bevillinger_2025-03-31.csv", named)
    done = _cli("add", str(named), env={"HELPERS_WORKSPACE": str(tmp_path / "ws")})
    assert done.returncode == 0 and "0101084195" not in done.stdout + done.stderr and "010108-xxxx" in done.stdout
    assert [p.name for p in (tmp_path / "ws").rglob("*.csv") if p.name != "MANIFEST.csv"] == [
        "010108-xxxx_bevillinger.csv"
    ]
    assert "0101084195" not in (tmp_path / "ws" / "MANIFEST.csv").read_text(encoding="utf-8")
