"""docs/own-data.md followed literally: the commands of its worked example run as written (in a workspace, data and
reports folder of their own) on Svendborg's real-shaped exports, and the rendered forecast reports give the expected
result the document works by hand, to the krone."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
from pathlib import Path

import pytest

from conftest import data_over_sample, helpers_cli
from helpers import paths
from helpers.render.workbook import html_tables

pytestmark = pytest.mark.renders  # it follows the document to its rendered reports (not in `make check`, the fast loop)

DOC = paths.ROOT / "docs" / "own-data.md"
MARK = "<!-- tests/test_own_data_doc.py runs the commands of the next block"


def _commands() -> list[str]:
    """The lines of the bash block after the mark, as the document has them."""
    text = DOC.read_text(encoding="utf-8")
    assert MARK in text, "docs/own-data.md lost its worked example"
    block = text.split(MARK, 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def followed(tmp_path_factory, warehouse_path, staged_cache) -> dict:
    root = tmp_path_factory.mktemp("own-data-doc")
    data_over_sample(root, staged_cache)  # the embedded sample, as `make data` wrote it
    env = {
        **os.environ,
        "HELPERS_WORKSPACE": str(root / "workspace"),
        "HELPERS_DATA_DIR": str(root / "data"),
        "HELPERS_REPORTS_DIR": str(root / "reports"),
    }
    outputs = []
    with contextlib.chdir(paths.ROOT):  # the document's paths are the repository's
        for command in _commands():  # each as `python -m helpers` runs it (its main()), without a new interpreter
            assert command.startswith("python -m helpers ")
            done = helpers_cli(*shlex.split(command.removeprefix("python -m helpers ")), env=env)
            assert done.returncode == 0, (command, done.stderr[-2000:])
            assert "Traceback" not in done.stderr
            outputs.append(done.stdout)
    return {"root": root, "env": env, "out": outputs}


def _totals(page: Path) -> dict[str, list[str]]:
    """The forecast report's table of the expected result per sub-area: {sub-area: [current, expected, pool, result,
    budget, deviation]} as the page shows them."""
    table = next(t for t in html_tables(page.read_text(encoding="utf-8")) if "Forventet regnskab, kr." in t[0])
    return {row[0]: row[1:] for row in table[1:]}


def test_add_says_what_it_understood_of_each_export(followed):
    added = followed["out"][0] + followed["out"][1]
    assert "DUBU_bevillinger_2025-03-31.csv: cases, municipality 479, snapshot 2025-03-31" in added
    assert (
        "Opus_posteringer_2025.csv: actuals, municipality 479, period 2025-01 to 2025-03: 17 rows read, 17 accepted"
        in added
    )
    assert "Budget_2025.xlsx: budget, municipality 479, period 2025 to 2025: 7 rows read, 7 accepted" in added
    assert "Sensum_indsatser.xlsx: cases, municipality 479, snapshot 2025-03-31" in added
    assert " 0 quarantined" in added and " 1 quarantined" not in added


def test_status_says_what_the_reports_lack_and_whose_the_data_is(followed):
    status = followed["out"][3]
    assert "forecast, voksne, as of 31.03.2025: no transition list" in status
    assert "progression: no progression registrations" in status
    assert "cases             own" in status and "registrations" not in status.split("- forecast")[0]


def test_the_rendered_expected_result_is_the_hand_computation_to_the_krone(followed):
    folder = followed["root"] / "reports" / "municipality" / "svendborg" / "forecast"
    children = _totals(folder / "svendborg-boern-og-unge.html")
    assert children == {
        "Anbringelse på døgninstitution": ["508.800", "0", "0", "508.800", "480.000", "28.800"],
        "Familiebehandling": ["45.000", "0", "0", "45.000", "60.000", "-15.000"],
        "Anbringelse i plejefamilie": ["265.500", "0", "0", "265.500", "270.000", "-4.500"],
        "Anbringelse på opholdssted": ["0", "144.000", "0", "144.000", "100.000", "44.000"],
        "I alt": ["819.300", "144.000", "0", "963.300", "910.000", "53.300"],
    }
    adults = _totals(folder / "svendborg-voksne.html")
    assert adults["I alt"] == ["1.215.250", "0", "0", "1.215.250", "1.200.000", "15.250"]
    assert adults["Midlertidigt botilbud"][3] == "675.250" and adults["Længerevarende botilbud"][3] == "504.000"
    cli = helpers_cli(
        "forecast", "--municipality", "479", "--area", "children", "--json", env=followed["env"], check=True
    )
    assert json.loads(cli.stdout)["forecast_total"] == pytest.approx(963_300, abs=0.005)


def test_the_reports_hold_no_cpr_number_and_no_name_of_the_exports(followed):
    pages = list((followed["root"] / "reports").rglob("*.html"))
    assert len(pages) >= 7  # two forecasts, three packs, the region's benchmark (two areas) and data quality
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    for secret in ("150312", "020610", "0101704321", "101704321", "120885", "Anna", "20304050", "Bente Hansen"):
        assert secret not in text
