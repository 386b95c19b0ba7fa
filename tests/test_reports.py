"""Rendered reports: self-contained Danish HTML, parameters on top, failures reported per report."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import helpers_cli, notebook_with, offline_page
from helpers import paths
from helpers.render import batch as reports
from helpers.render.workbook import html_tables

NOTEBOOKS = sorted((paths.ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def rendered(every_report) -> Path:
    """The batch run's folder (every report of the session's one batch run on the embedded data)."""
    return every_report[0]


def test_notebooks_are_stored_without_outputs_and_start_with_parameters():
    assert NOTEBOOKS
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].metadata.get("tags") == ["parameters"], path
        assert all(not c.get("outputs") and not c.get("execution_count") for c in nb.cells if c.cell_type == "code"), (
            path
        )
        assert not any(re.search(r"^\s*(def|class) ", c.source, re.M) for c in nb.cells if c.cell_type == "code"), path


def test_every_report_has_parameter_sets_from_the_warehouse(warehouse_path):
    sets = reports.region_parameter_sets()
    assert [s["region"] for s in sets] == ["000", "081", "082", "083", "084", "085"]
    assert sets[5]["region_name"] == "Region Sjælland"
    assert reports.slugify("Region Sjælland") == "region-sjaelland" and reports.slugify("Hele landet") == "hele-landet"


def test_report_is_self_contained_danish_html(rendered):
    page = (rendered / "data_quality" / "hele-landet.html").read_text(encoding="utf-8")
    assert '<html lang="da">' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing may load from the network"
    assert "Rapporten gælder:</strong> Geografi: Hele landet" in page and "region = 000" not in page
    toc = re.search(r'<nav class="toc"[^>]*>(.*?)</nav>', page, flags=re.S).group(1)
    assert toc.count("<li><a href=") == 5  # table of contents: one entry per section
    assert "<pre" not in page or "Traceback" not in page
    assert re.search(r">\d{1,3}(\.\d{3})+<", page), "counts use Danish thousands separators"
    found = {(row[1], row[3]) for row in html_tables(page)[-1][1:]}  # Kommune, År: findings are listed by issue
    assert ("Vallensbæk", "2018") in found and ("Køge", "2019") in found


def test_report_suppresses_small_counts_and_holds_no_cpr(rendered):
    page = (rendered / "data_quality" / "hele-landet.html").read_text(encoding="utf-8")
    lemvig = [row for row in html_tables(page)[-1][1:] if row[1] == "Lemvig" and row[3] == "2019"]
    assert lemvig and "under 5 brugere" in lemvig[0][2]
    assert not re.search(r"2019: [\d.]+ kr\. pr\. bruger", lemvig[0][4])  # nor in the grouped values
    assert not re.search(r"Lemvig 2019, [^:]+: enhedsudgift på \d", page)  # a unit cost on 1 user gives the 1 back
    assert not re.search(r"\(\s*[1-4] brugere", page)
    assert not re.search(r"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}-?\d{4}(?![0-9A-Za-z])", page)


def test_index_lists_every_report_with_parameters(rendered):
    index = (rendered / "index.html").read_text(encoding="utf-8")
    assert 'href="data_quality/hele-landet.html"' in index and "region = 000" in index


@pytest.mark.renders
def test_a_failing_report_is_listed_with_its_cell_and_the_batch_goes_on(warehouse_path, tmp_path, monkeypatch, capfd):
    broken = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("region = '000'\nregion_name = 'Hele landet'")
    cell.metadata["tags"] = ["parameters"]
    broken.cells = [cell, nbformat.v4.new_code_cell("1 / 0")]
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(broken, path)
    spec = reports.ReportSpec(
        "broken",
        str(path),
        "Fejl",
        lambda: [{"region": "085", "region_name": "Region Sjælland"}],
        filters=("region",),
    )
    monkeypatch.setattr(reports, "REPORTS", [*reports.REPORTS, spec])
    results = reports.render_all(
        only=["broken", "data_quality"],
        filters={"region": "085"},
        out_dir=tmp_path / "out",
        workers=1,
        progress=False,
    )
    by_name = {r.report: r for r in results}
    assert by_name["broken"].error.startswith("ZeroDivisionError") and by_name["broken"].failing_cell == 2
    assert by_name["data_quality"].error is None and by_name["data_quality"].path.exists()
    assert not (tmp_path / "out" / "broken").exists()
    assert "fejl i celle 2" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert (
        "without encryption" not in capfd.readouterr().err
    )  # the kernels' channels are encrypted, so no warning per report


def test_cli_rejects_unknown_report(warehouse_path):
    out = helpers_cli("reports", "--only", "nonsense")
    assert out.returncode == 2 and "unknown report" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.browser
def test_report_renders_in_headless_chromium_without_network(rendered, tmp_path, browser):
    page = rendered / "data_quality" / "hele-landet.html"
    shot = tmp_path / "page.png"
    with offline_page(browser, page, 1200, 1600) as opened:
        dom = opened.content()
        opened.screenshot(path=shot)
    assert "Alle fund" in dom and dom.count("<table") == 4 and "<tbody>" in dom
    assert shot.exists() and shot.stat().st_size > 10_000


@pytest.mark.renders
def test_batch_after_a_notebook_run_in_the_same_process_does_not_hang(warehouse_path, tmp_path):
    """`make bench` runs a notebook in-process before the batch; forked workers then waited forever for a kernel. The
    batch's worker processes (six reports, two workers) and its own kernel (one worker) both render after it; the data
    quality reports, the quickest to render."""
    script = f"""
import nbformat, papermill
from pathlib import Path
from helpers.render import batch as reports
from helpers.render.kernel import kernel_manager_class
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nb.metadata["kernelspec"] = {{"name": "python3", "display_name": "Python 3", "language": "python"}}
nbformat.write(nb, r"{tmp_path / "empty.ipynb"}")
papermill.execute_notebook(r"{tmp_path / "empty.ipynb"}", r"{tmp_path / "out.ipynb"}", kernel_name="python3", progress_bar=False,
                           kernel_manager_class=kernel_manager_class())
for filters, workers in (({{}}, 2), ({{"region": "085"}}, 1)):
    done = reports.render_all(only=["data_quality"], filters=filters, out_dir=Path(r"{tmp_path / "out"}"), workers=workers, progress=False, force=True)
    print(len(done), sum(r.reused for r in done), sum(r.error is not None for r in done))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr[-2000:]
    # rendered (by the workers, then by the process's kernel), not copied from the cache
    assert out.stdout.splitlines() == ["6 0 0", "1 0 0"]  # every region's data quality and the country's, then one
    assert (tmp_path / "out" / "data_quality" / "region-syddanmark.html").exists()
    assert (tmp_path / "out" / "data_quality" / "region-sjaelland.html").exists()


def test_a_few_reports_get_fewer_workers_and_one_is_rendered_in_the_process():
    cores = min(3, (os.cpu_count() or 1) + 1)
    assert [reports.default_workers(n) for n in (1, 3, 7)] == [1, 1, 1]
    assert reports.default_workers(8) == min(2, cores) and reports.default_workers(44) == cores


def test_the_kept_kernel_reads_where_the_process_now_points(tmp_path, monkeypatch):
    """One worker renders in the process's own kernel, kept between runs; a kernel started before the process's
    HELPERS_* settings changed (another data folder, as a test or a what-if run sets) is replaced, not reused."""
    from helpers.render import kernel

    notebook = tmp_path / "where.ipynb"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os\nprint(os.getpid(), os.environ.get('HELPERS_DATA_DIR'))")]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebook)

    def where() -> list[str]:
        return kernel.execute(notebook, {}).cells[-1].outputs[0]["text"].split()

    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "first"))
    first, again = where(), where()
    monkeypatch.setenv("HELPERS_DATA_DIR", str(tmp_path / "second"))
    second = where()
    assert first == again == [first[0], str(tmp_path / "first")]  # kept: the same kernel process
    assert second[1] == str(tmp_path / "second") and second[0] != first[0]


def test_data_quality_report_gives_every_threshold_with_its_value(rendered):
    from helpers import labels
    from helpers.render.formats import format_number

    page = re.sub(r"<[^>]+>", " ", (rendered / "data_quality" / "hele-landet.html").read_text(encoding="utf-8"))
    for value in (
        format_number(labels.IMPOSSIBLE_UNIT_COST_KR),
        format_number(labels.EXTREME_ROBUST_Z, 1),
        f"{format_number(100 * (labels.BREAK_RISE - 1))} %",
        f"{format_number(100 * (1 - labels.BREAK_FALL))} %",
        f"{format_number(labels.BREAK_MIN_PREVIOUS_KR)} kr.",
    ):
        assert value in page, value


def test_the_body_is_the_whole_exporters_read_as_html():
    """The report body skips nbconvert's last pass (BeautifulSoup reading and writing the whole body): what a browser
    reads is the same, and no element but a void one closes itself (`<a ... />` is an open link to a browser)."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    nb = notebook_with(
        "## Udgifter & brugere på området",
        {"text/markdown": "### Om tallene\n\nSe [noten](#noter) &mdash; 1.706,5 kr.", "text/plain": "md"},
        {"text/html": '<table class="x"><tr><th>Kommune</th><td data-v="1">K&oslash;ge<br>7</td></tr></table>'},
        {"text/html": '<div id="helpers-chart-1" class="helpers-chart"></div><script>f("<\\/b>");</script>'},
    )
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    ours = reports._notebook_html(nb)
    whole, _ = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    ).from_notebook_node(nb)
    whole = re.sub(r'<a class="anchor-link" href="#[^"]*"></a>', "", whole)  # the empty links after the headings
    assert str(BeautifulSoup(ours, features="html.parser")) == whole
    assert (
        '<h3 id="Om-tallene">Om tallene</h3>' in ours
        and "brugere på området</h2>" in ours
        and 'id="helpers-chart-1"' in ours
    )
    void = "area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr"
    assert not re.findall(rf"<(?!(?:{void})\b)[a-z][^>]*/>", ours)
