"""Shared fixtures: the pseudonym key for tests, and the warehouse built once from the embedded sample."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

# Tests never touch the user's key file: a fixed test key, set before any helper reads it.
os.environ.setdefault("HELPERS_PSEUDONYM_KEY", "test-key-not-for-production")
# Tests check the embedded sample: a municipality's own workspace (data/local) is never read by them; a test that needs
# one makes its own. (A folder that does not exist holds nothing.)
os.environ.setdefault("HELPERS_WORKSPACE", str(Path(__file__).parent / ".no-workspace"))

from helpers import paths  # noqa: E402

OWN_DATA = Path(__file__).parent / "data" / "own_data" / "svendborg"  # Svendborg's real-shaped exports


def _ensure_warehouse() -> Path:
    """Build sample and warehouse in the data folder if missing (`make test` has built them already)."""
    target = paths.warehouse_path()
    lock = target.parent / ".build.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # pytest-xdist workers wait for one build
        if not target.exists():
            from helpers.sample.generate import generate_sample
            from helpers.warehouse.build import build

            if not (paths.sample_dir() / paths.MANIFEST).exists():
                generate_sample(paths.sample_dir())
            build()
    connection = duckdb.connect(str(target), read_only=True)
    try:
        own = connection.execute("select count(*) from mart_ingest_log where origin <> 'sample'").fetchone()[0]
    finally:
        connection.close()
    if own:
        pytest.exit(
            f"{target} holds {own} extract(s) of a municipality's own workspace; the tests check the embedded sample: "
            "build it without them (HELPERS_WORKSPACE=/nonexistent python -m helpers build) and run the tests again",
            returncode=2,
        )
    return target


@pytest.fixture(scope="session")
def warehouse_path() -> Path:
    return _ensure_warehouse()


@pytest.fixture(scope="session")
def staged_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of ingested extracts (build's `staged/`, keyed on file, key, intake code and reference data) shared by
    every test that builds a warehouse over the embedded sample, across the xdist workers: ingested once per session."""
    shared = tmp_path_factory.getbasetemp().parent / "staged-sample"  # the workers' common parent under xdist
    shared.mkdir(exist_ok=True)
    return shared


def column_dates(raw: pd.Series, typed: bool) -> tuple[pd.Series, pd.Series]:
    """A column's dates and errors per row (None for empty or open-ended), read as ingestion reads a column: each
    distinct cell once (`values.Distinct`), typed cells (a workbook's) told apart from text."""
    from helpers.intake.values import Distinct, parse_dates

    distinct = Distinct.of(raw, typed=typed)
    dates, errors = parse_dates(distinct.cells)
    return distinct.spread(dates, raw.index), distinct.spread(errors, raw.index)


def data_over_sample(root: Path, staged: Path) -> Path:
    """A data folder at `root` holding the embedded sample (as `make data` wrote it) and the shared ingestion cache."""
    data = root / "data"
    data.mkdir(parents=True)
    (data / "sample").symlink_to(paths.sample_dir())
    (data / "staged").symlink_to(staged)
    return data


def helpers_cli(*args: str, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """`python -m helpers ARGS` run by its `main()` in this process, with `env` as the whole environment it sees: exit
    code, stdout and stderr as the command gives them, without a new interpreter's start and imports (0,3-1,3 s a
    command, a third of the suite's commands' time). An exception that escapes `main()` is a traceback on stderr and
    exit 1, as from Python; `check`: a failed command raises, as `subprocess.run(check=True)`. tests/test_cli.py runs `python -m helpers` itself, and the tests of signals and pipes run
    their commands as processes."""
    import contextlib
    import io
    import traceback

    from helpers.cli import main

    saved = dict(os.environ)
    stdout, stderr = io.StringIO(), io.StringIO()
    if env is not None:
        os.environ.clear()
        os.environ.update(env)
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help (0) and usage errors (2)
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # noqa: BLE001 - as Python reports an uncaught exception
                traceback.print_exc(file=sys.stderr)
                code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved)
    done = subprocess.CompletedProcess(
        ["python", "-m", "helpers", *args], code or 0, stdout.getvalue(), stderr.getvalue()
    )
    if check:
        done.check_returncode()
    return done


@pytest.fixture(scope="session")
def con(warehouse_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(warehouse_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright: one per test worker for every browser check, which open pages in its
    kept tabs (`offline_page`)."""
    import shutil

    from playwright.sync_api import sync_playwright

    binary = shutil.which("chromium")
    assert binary, (
        "install Debian's chromium (apt-get install chromium) for the browser checks; `make test` does when run as root"
    )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=binary, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            _TABS.clear()
            launched.close()


# The worker's kept tabs, one per viewport size: a new tab costs chromium a renderer and a browser context, some 0,4 CPU
# seconds and as much wall time, where going to the next page in a kept one costs nothing beyond the page itself.
_TABS: dict[tuple[int, int], object] = {}


@contextlib.contextmanager
def offline_page(browser, path: Path, width: int = 1200, height: int = 1600):
    """A tab of the worker's chromium at `path`, with no network (every request but file: is refused) and its charts
    drawn; kept for the next test of that viewport size, reset to the screen's media. A test that fails in it closes
    it, so the next one starts in a new tab. A chart that does not draw is left for the caller's checks to name."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page = _TABS.pop((width, height), None)
    if page is None or page.is_closed():
        page = browser.new_page(viewport={"width": width, "height": height})
        page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
    try:
        page.emulate_media(media="screen")
        page.goto(path.as_uri())
        charts = page.locator(".helpers-chart").count()
        if charts:
            try:  # Vega's own svg (class "marks"), not the icon of the chart's menu, which comes first
                page.wait_for_function(
                    f"document.querySelectorAll('.helpers-chart svg.marks').length >= {charts}", timeout=30_000
                )
            except PlaywrightTimeout:
                pass
        yield page
    except BaseException:
        page.close()
        raise
    if (width, height) in _TABS:  # another tab of this size came back first (two open at once)
        page.close()
    else:
        _TABS[(width, height)] = page


@pytest.fixture(scope="session")
def published() -> Path:
    return paths.PUBLISHED


def drawn_charts(browser, path: Path) -> tuple[str, list[str]]:
    """The page's DOM after headless chromium ran its scripts offline, and per chart the markup drawn in its figure."""
    import re

    with offline_page(browser, path) as page:
        dom = page.content()
    charts = [part.split("</figure>")[0] for part in re.split(r'<div[^>]* id="helpers-chart-\d+"', dom)[1:]]
    return dom, charts


def assert_charts_drew(browser, path: Path, expected: int) -> tuple[str, list[str]]:
    """Every chart of a rendered page drew an SVG with marks (offline); returns the DOM and the charts' markup (as
    `drawn_charts`) for further checks."""
    import re

    dom, charts = drawn_charts(browser, path)
    assert len(charts) == expected
    for n, chart in enumerate(charts, start=1):
        assert "<svg" in chart and re.search(r'class="mark-(rect|line|symbol|rule|tick|text)', chart), (
            f"chart {n} did not draw"
        )
    return dom, charts


def notebook_with(heading: str, *outputs: dict):
    """A rendered notebook as the batch gets it: a markdown heading, then one code cell with these display outputs."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("x")
    code.outputs = [nbformat.v4.new_output("display_data", data=data) for data in outputs]
    nb.cells = [nbformat.v4.new_markdown_cell(heading), code]
    return nb


def unpack(packed: str):
    """A packed data set or bundle of a rendered page (base64 of gzip), as the page's loader unpacks it."""
    import base64
    import gzip
    import json

    text = gzip.decompress(base64.b64decode(packed)).decode("utf-8")
    return json.loads(text) if text[:1] in "{[" else text


def page_charts(page: str) -> list[dict]:
    """Each chart call of a rendered page: {"spec" (its data sets unpacked into records), "csv" ({"link", "rows" (with the
    Danish headers and columns the download gets), "shared": whether the rows are a data set the chart draws} or None)}."""
    import json
    import re

    import pandas as pd

    decoder = json.JSONDecoder()
    out = []
    for match in re.finditer(r"helpersChart\(", page):
        if page[match.start() - 7 : match.start()] == "window.":  # the loader's definition, not a call
            continue
        args, pos = [], match.end()
        for _ in range(5):
            value, pos = decoder.raw_decode(page, pos)
            args.append(value)
            pos = page.index(",", pos) + 1 if len(args) < 5 else pos
            while page[pos] == " ":
                pos += 1
        _, spec, datasets, _, csv = args
        tables = {name: unpack(packed) for name, packed in datasets.items()}
        spec["datasets"] = {name: [dict(zip(t["columns"], row)) for row in t["rows"]] for name, t in tables.items()}
        if csv:
            table = tables[csv["dataset"]] if "dataset" in csv else unpack(csv["packed"])
            rows = pd.DataFrame(table["rows"], columns=table["columns"])
            rows = rows[[c for c, _ in csv["headers"]]].set_axis(
                [h for _, h in csv["headers"]], axis=1
            )  # as the loader writes them
            csv = {"link": csv["link"], "rows": rows, "shared": "dataset" in csv}
        out.append({"spec": spec, "csv": csv})
    return out


def page_csvs(page: str) -> dict:
    """The rows behind each "Hent data (CSV)" link of a rendered page, by file name (the loader writes them into the link)."""
    import re

    rows = {c["csv"]["link"]: c["csv"]["rows"] for c in page_charts(page) if c["csv"]}
    tags = re.findall(r'<a class="download"[^>]*>', page)
    return {re.search(r'download="([^"]+)"', t).group(1): rows[re.search(r'id="([^"]+)"', t).group(1)] for t in tags}


def readable_text(page: str) -> str:
    """The page as a CPR scan must see it: without the packed Vega bundle, with every chart's data sets unpacked."""
    import json
    import re

    from helpers.render.charts import LOADER_MARK

    text = "".join(p for p in re.split(r"(<script>.*?</script>)", page, flags=re.S) if LOADER_MARK not in p)
    return text + json.dumps([c["spec"]["datasets"] for c in page_charts(page)], ensure_ascii=False)


# Fixtures that render reports (each module's own subset, or every report): a test that uses one is marked `renders`.
# A report is rendered once per session whichever fixture asks first, and shared by the xdist workers: the render
# cache (helpers.render.cache) keys it on its inputs and a worker that wants a report another is rendering waits for it.
RENDERING_FIXTURES = {"every_report", "rendered", "benchmark_pages", "folder", "run"}


# The files that take longest (measured, `--durations`), mostly waiting on a browser, a server or commands of their own:
# run first, so that the two xdist workers (which take whole files, in collection order: the Makefile's
# `--no-loadscope-reorder`, without which xdist hands out the files with the most tests first) end at about the same time.
SLOWEST_FIRST = ("test_lab.py", "test_self_contained.py", "test_own_data_doc.py", "test_privacy_end_to_end.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that need rendered reports, so `make check` (the fast loop) can leave them out; the slowest
    files first."""
    for item in items:
        if RENDERING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.renders)
    rank = {name: n for n, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


@pytest.fixture(scope="session")
def every_report(warehouse_path, tmp_path_factory) -> tuple[Path, list]:
    """Every report of a batch run on the embedded data, for the tests that read them all as readers and attackers do;
    rendered once per session (the first worker renders what the cache lacks, the other waits and copies)."""
    from helpers.render import batch

    out = tmp_path_factory.mktemp("every_report")
    with (tmp_path_factory.getbasetemp().parent / "every_report.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits here, not in worker processes of its own
        results = batch.render_all(out_dir=out, workers=2, progress=False)  # two: the other test worker runs too
    assert [r.error for r in results] == [None] * len(results), [(r.slug, r.error) for r in results if r.error]
    return out, results
