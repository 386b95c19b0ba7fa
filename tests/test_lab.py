"""The explorer in a real JupyterLab, started as `make lab` starts it, driven by the system chromium (Playwright, no browser
download): run all, change controls, reload the page, reopen the notebook; the chart is drawn every time, and the
tracked notebook is never written."""

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

from helpers import paths

TRACKED = paths.ROOT / "notebooks" / "explore.ipynb"
CHART = ".jp-RenderedVegaLite svg.marks"  # drawn by JupyterLab's own Vega-Lite renderer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(warehouse_path, tmp_path):
    """`python -m helpers lab` (what `make lab` runs) on a free localhost port with a token; stopped afterwards."""
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
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]
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
        try:
            server.wait(timeout=20)
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


def _wait_for_notebook(page) -> None:
    """Wait until the explorer notebook is the current tab and connected to its kernel."""
    page.wait_for_function(
        """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                                      return w && w.context && w.context.path === 'explore.ipynb' && w.sessionContext
                                             && w.sessionContext.session && w.sessionContext.session.kernel; }""",
        timeout=60_000,
    )


@pytest.mark.browser
def test_explorer_chart_survives_reload_and_reopening_and_the_tracked_notebook_stays(lab):
    from playwright.sync_api import sync_playwright

    url, token, copies = lab
    before = _digest(TRACKED)
    assert shutil.which("chromium"), "install Debian's chromium (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{url}/lab/tree/explore.ipynb?token={token}")
            _wait_for_notebook(page)
            _command(page, "notebook:run-all-cells")
            assert _chart_title(page).startswith("Udgift pr. indbygger: I alt")
            assert page.locator(f"{CHART} .mark-line path").count() > 0

            page.locator(".widget-dropdown", has_text="Nøgletal").locator("select").select_option(
                label="Brugere pr. 10.000"
            )
            page.locator(".widget-dropdown", has_text="Fremhæv").locator("select").select_option(label="Køge")
            page.wait_for_function(f"""() => [...document.querySelectorAll('{CHART}')].some(svg =>
                svg.querySelector('.role-title-text').textContent.startsWith('Brugere pr. 10.000')
                && svg.querySelector('.role-legend').textContent.includes('Køge (fremhævet)'))""")  # the legend names the highlight
            assert page.locator(".widget-toggle-buttons button").first.is_disabled()  # no prices for a count

            _command(page, "docmanager:save")
            page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
            page.reload()
            _wait_for_notebook(page)
            assert _chart_title(page).startswith(
                "Brugere pr. 10.000"
            )  # drawn again, in the state the controls were left in

            _command(page, "application:close-all")
            page.wait_for_function("() => !document.querySelector('.jp-Notebook')")
            _command(page, "docmanager:open", "{path: 'explore.ipynb'}")
            _wait_for_notebook(page)
            assert _chart_title(page).startswith("Brugere pr. 10.000")
            assert "model not found" not in page.locator(".jp-Notebook").inner_text()
        finally:
            browser.close()
    assert _digest(TRACKED) == before, "JupyterLab wrote into the tracked notebook"
    saved = nbformat.read(copies / "explore.ipynb", as_version=4)
    assert saved.cells[-1].outputs, "the run was saved, into the working copy"
