"""The explorer in a real JupyterLab, started as `make lab` starts it (as root too), driven by the system chromium
(Playwright, no browser download): run all, change controls, name a line under the pointer, rank, export to a typed
folder, reload the page without saving, reopen the notebook, stop and restart the kernel; the chart is drawn (or a
clear message shown) every time, and the tracked notebook is never written."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from helpers import paths

TRACKED = paths.ROOT / "notebooks" / "explore.ipynb"
CHART = ".jp-RenderedVegaLite svg.marks"  # drawn by JupyterLab's own Vega-Lite renderer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(warehouse_path, tmp_path_factory):
    """`python -m helpers lab` (what `make lab` runs) on a free localhost port with a token, one for the module's tests
    (each works on a notebook of its own); stopped afterwards."""
    tmp_path = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), "helpers-test-token"
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
    )
    options = [
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
    ]  # no --allow-root: as root (a container, CI), `helpers lab` adds it itself
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "helpers", "lab", "--dir", str(tmp_path / "lab"), "--", *options],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "JupyterLab did not start within 60 s"
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", token, tmp_path / "lab"
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # the server and the kernels it started
        try:  # it may wait on shutting down its extensions (seen: 20 s after a kernel restart); nothing of it is kept
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        log.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _chart_title(page) -> str:
    return page.locator(f"{CHART} .role-title-text").first.text_content(timeout=60_000)


def _command(page, command: str, args: str = "{}") -> None:
    """Run a JupyterLab command in the page (the test server exposes the application as window.jupyterapp)."""
    page.evaluate(f"window.jupyterapp.commands.execute('{command}', {args})")


def _wait_for_notebook(page, notebook: str = "explore.ipynb") -> None:
    """Wait until the explorer notebook is the current tab and connected to its kernel."""
    page.wait_for_function(
        f"""() => {{ const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                                      return w && w.context && w.context.path === '{notebook}' && w.sessionContext
                                             && w.sessionContext.session && w.sessionContext.session.kernel; }}""",
        timeout=60_000,
    )


def _select(page, label: str, option: str) -> None:
    page.locator(".widget-dropdown", has_text=label).locator("select").select_option(label=option)


def _wait_title(page, start: str) -> None:
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('{CHART}')].some(svg =>
            svg.querySelector('.role-title-text').textContent.startsWith({start!r}))"""
    )


def _close_all(page, attempts: int = 4) -> None:
    """Close every tab, as File > Close All does, and wait until no notebook is open. A dialog that asks first (a
    notebook changed since its last save: Save, Discard, Cancel) is accepted, as its user would keep the explorer's
    state; a command that changed nothing in 15 s is given again. What each attempt met is in the failure's message
    (the full suite once timed out waiting here, where the test alone never did)."""
    gone = "() => !document.querySelector('.jp-Notebook')"
    met = []
    for _ in range(attempts):
        _command(page, "application:close-all")
        try:
            page.wait_for_function(f"() => ({gone})() || document.querySelector('.jp-Dialog')", timeout=15_000)
        except PlaywrightTimeout:
            met.append("nothing closed in 15 s")
            continue
        if page.locator(".jp-Dialog").count():
            met.append("a dialog: " + " ".join(page.locator(".jp-Dialog").first.inner_text().split()))
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
        try:
            page.wait_for_function(gone, timeout=15_000)
            return
        except PlaywrightTimeout:
            met.append("still open 15 s later")
    raise AssertionError(f"the notebook was still open after {attempts} times Close All: {met}")


@pytest.fixture
def page(browser):
    """A page of its own for a test, closed after it (an open JupyterLab keeps polling its server)."""
    opened = browser.new_page(viewport={"width": 1400, "height": 1000})
    yield opened
    opened.close()


def _open(page, url: str, token: str, notebook: str = "explore.ipynb") -> None:
    page.set_default_timeout(60_000)
    # a JupyterLab workspace (open tabs, layout) per notebook: a test's page does not reopen another test's notebook
    page.goto(f"{url}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}?token={token}")
    _wait_for_notebook(page, notebook)
    _command(page, "notebook:run-all-cells")
    _wait_title(page, "Udgift pr. indbygger: I alt")


@pytest.mark.browser
def test_explorer_in_jupyterlab_lines_ranking_export_and_reloads(lab, page, tmp_path):
    url, token, copies = lab
    before = _digest(TRACKED)
    _open(page, url, token)
    assert page.locator(f"{CHART} .mark-line path").count() > 0
    assert not page.locator(".helpers-explorer-stopped").is_visible()  # the message only when stopped

    # 17 lines (Region Sjælland): none named until the pointer is on one, then that one
    chart = page.locator(CHART).first
    labels_shown = f"() => [...document.querySelectorAll('{CHART} .mark-text.role-mark text')].map(t => t.textContent)"
    assert [t for t in page.evaluate(labels_shown) if t] == []
    chart.scroll_into_view_if_needed()
    box = chart.locator(".mark-symbol path").nth(5).bounding_box()
    for dx in (0, 3):  # into the chart, then onto the point
        page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dx)
    page.wait_for_function(f"() => ({labels_shown})().filter(t => t).length === 1")
    named = [t for t in page.evaluate(labels_shown) if t]
    assert named[0] in page.locator(".jp-RenderedHTMLCommon table").first.inner_text()
    assert "Gennemsnit i Region Sjælland" in chart.locator(".role-legend").text_content()

    _select(page, "Nøgletal", "Brugere pr. 10.000")
    _select(page, "Fremhæv", "Køge")
    page.wait_for_function(f"""() => [...document.querySelectorAll('{CHART}')].some(svg =>
        svg.querySelector('.role-title-text').textContent.startsWith('Brugere pr. 10.000')
        && svg.querySelector('.role-legend').textContent.includes('Køge (fremhævet)'))""")
    assert page.locator(".widget-toggle-buttons", has_text="Løbende priser").locator("button").first.is_disabled()

    page.locator(".widget-toggle-buttons", has_text="Rangering").locator("button", has_text="Rangering").click()
    page.wait_for_function(f"""() => [...document.querySelectorAll('{CHART}')].some(svg =>
        svg.querySelector('.role-title-text').textContent.endsWith('rangeret'))""")
    assert "Ændring i %" in page.locator(".jp-RenderedHTMLCommon table").first.inner_text()

    folder = page.locator(".widget-text", has_text="Gem i mappe").locator("input")
    folder.fill("eksport fra lab")  # a text path, relative to the notebook's folder
    folder.press("Enter")
    page.locator("button", has_text="Eksportér tabel").click()
    page.wait_for_selector(".helpers-export-done")
    assert "Gemt:" in page.locator(".helpers-export-done").inner_text()
    written = sorted(p.suffix for p in (copies / "eksport fra lab").iterdir())
    assert written == [".csv", ".xlsx"]
    (tmp_path / "not a folder").write_text("")
    folder.fill(str(tmp_path / "not a folder"))
    folder.press("Enter")
    page.locator("button", has_text="Eksportér tabel").click()
    page.wait_for_selector(".helpers-export-failed")
    assert "Ikke gemt" in page.locator(".helpers-export-failed").inner_text()

    page.reload()  # never saved by hand: the explorer saved the notebook when it was shown
    _wait_for_notebook(page)
    assert _chart_title(page).endswith("rangeret")  # drawn again, in the state the controls were left in

    _close_all(page)
    _command(page, "docmanager:open", "{path: 'explore.ipynb'}")
    _wait_for_notebook(page)
    assert _chart_title(page).endswith("rangeret")
    assert "model not found" not in page.locator(".jp-Notebook").inner_text()
    assert _digest(TRACKED) == before, "JupyterLab wrote into the tracked notebook"
    saved = nbformat.read(copies / "explore.ipynb", as_version=4)
    assert saved.cells[-1].outputs, "the run was saved, into the working copy"


@pytest.mark.browser
def test_a_stopped_or_restarted_kernel_shows_a_clear_message_not_model_not_found(lab, page):
    url, token, copies = lab
    shutil.copy(TRACKED, copies / "explore-kernel.ipynb")  # a notebook of its own, not the one the other test changed
    _open(page, url, token, "explore-kernel.ipynb")
    message = page.locator(".helpers-explorer-stopped")
    page.evaluate("() => { window.jupyterapp.commands.execute('kernelmenu:restart'); }")  # asks first
    page.locator(".jp-Dialog .jp-mod-accept").click()
    message.wait_for(state="visible")  # a restarted kernel has no explorer: the message says so
    assert not page.get_by_text("model not found").is_visible()

    _command(page, "notebook:run-all-cells")  # run again: the explorer is back, the message gone
    _wait_title(page, "Udgift pr. indbygger: I alt")
    assert not message.is_visible()

    _command(page, "kernelmenu:shutdown")
    message.wait_for(state="visible")
    assert "Kør alle celler" in message.inner_text() and not page.locator(".helpers-explorer").is_visible()

    page.reload()  # the notebook opened again without its kernel: the message, not "model not found"
    page.wait_for_function("() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-OutputArea')")
    message.wait_for(state="visible")
    assert not page.get_by_text("model not found").is_visible()
