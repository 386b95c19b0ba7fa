"""Batch rendering of report notebooks: parameter sets from the warehouse, each notebook run in its worker's kernel, self-contained
HTML and a workbook, an index; a report is rendered again only when its inputs changed (render.cache)."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import multiprocessing
import os
import re
import tempfile
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from helpers import labels, paths
from helpers.analysis.flows import period_end
from helpers.render import cache, kernel, navigation, page
from helpers.render import parameters as P
from helpers.render.formats import danish_key, format_date, format_number, format_period, slugify
from helpers.render.tables import LEGEND
from helpers.render.workbook import Sheet, notebook_tables, write_workbook
from helpers.warehouse import marts, query

if TYPE_CHECKING:
    import nbformat
    from nbconvert import HTMLExporter


@dataclass(frozen=True)
class ReportSpec:
    """A report: its notebook template and how to get its parameter sets from the warehouse."""

    name: str
    notebook: str  # file name in notebooks/ (or an absolute path)
    title: str | Callable[[dict], str]  # a title, or a function of the parameters giving one
    parameter_sets: Callable[[], list[dict]]
    folder: str = ""  # under reports/; default: the name
    path_keys: tuple[str, ...] = ()  # parameters that name sub-folders and file, e.g. (municipality_name, audience)
    kinds: tuple[str, ...] = ()  # the extract kinds the report reads (its data vintage); empty: all
    kind_key: str = ""  # a parameter whose value makes a kind of its own on the index (area, audience)
    filters: tuple[str, ...] = ()  # parameters that choose among the published sets (--filter region=085)
    settings: dict[str, Callable[[object], object]] = field(default_factory=dict)  # a user may change (--set), parsers
    resolve: Callable[[dict, dict], dict] | None = None  # (published set, settings given) -> the set rendered, checked

    def title_for(self, params: dict) -> str:
        return self.title(params) if callable(self.title) else self.title

    def kind_for(self, params: dict) -> str:
        """The report's kind on the index: its name, with the `kind_key` parameter's value (benchmark_children)."""
        return f"{self.name}_{params[self.kind_key]}" if self.kind_key in params else self.name

    @property
    def out_folder(self) -> str:
        return self.folder or self.name


@dataclass
class RenderResult:
    """The outcome of rendering one report: output path or the failing cell and error."""

    report: str
    slug: str
    params: dict
    path: Path | None = None
    seconds: float = 0.0
    error: str | None = None
    failing_cell: int | None = None
    rendered_at: str = field(default_factory=lambda: dt.datetime.now().isoformat(timespec="seconds"))
    vintage: str = ""
    vintage_short: str = ""  # per kind of extract only the period it covers, for the index
    kind: str = ""
    xlsx: Path | None = None
    inputs: str = ""  # the cache key of what it was rendered from (helpers.render.cache)
    reused: bool = False  # not rendered in this run: unchanged in its folder, or copied from the cache

    def stored(self) -> dict:
        """The fields the cache keeps beside the files (where the files go is the run's business)."""
        fields = ("report", "slug", "params", "seconds", "rendered_at", "vintage", "vintage_short", "kind")
        return {f: getattr(self, f) for f in fields} | {"xlsx": self.xlsx is not None}


def region_parameter_sets() -> list[dict]:
    """One parameter set per region in the warehouse, and one for the whole country."""
    sets = [{"region": labels.COUNTRY_CODE, "region_name": labels.COUNTRY_NAME}]
    sets += [{"region": r.region_code, "region_name": r.region_name} for r in marts.regions().itertuples()]
    return sets


def _check_highlight(params: dict) -> None:
    """A highlighted municipality must be one of the report's region (any, for the whole country)."""
    if not params.get("highlight"):
        return
    found = marts.municipalities()
    if params["region"] != labels.COUNTRY_CODE:
        found = found[found["region_code"] == params["region"]]
    if params["highlight"] not in set(found["municipality_code"]):
        raise P.ParameterError(
            f"highlight={params['highlight']}: not a municipality of {params['region_name']} (its codes: "
            f"{', '.join(sorted(found['municipality_code']))})"
        )


def region_resolve(published: dict, given: dict) -> dict:
    """A region's data-quality report with a municipality highlighted."""
    params = published | given
    _check_highlight(params)
    return params


def benchmark_years_for(year: int, first: int) -> dict:
    """The published rule for a report year: the period its last 3 years, the long series from the first year with key
    figures, prices of the report year."""
    return {"year": year, "period_start": max(first, year - 3), "long_series_start": first, "price_base_year": year}


def benchmark_parameter_sets() -> list[dict]:
    """Both areas, every region and the country, for the latest year in the warehouse (`benchmark_years_for`)."""
    first, last = marts.benchmark_years()
    return [
        {"area": area} | s | benchmark_years_for(last, first) for area in labels.AREAS for s in region_parameter_sets()
    ]


def benchmark_resolve(published: dict, given: dict) -> dict:
    """A benchmark set with other settings: another year brings its own period, long series and prices (as published
    for that year) unless they are given too; every year must be one the warehouse has."""
    first, last = marts.benchmark_years()
    params = published | (benchmark_years_for(given["year"], first) if "year" in given else {}) | given
    if not first <= params["year"] <= last:
        raise P.ParameterError(f"year={params['year']}: the warehouse has key figures for {first}-{last}")
    if not first <= params["long_series_start"] <= params["period_start"] < params["year"]:
        raise P.ParameterError(
            f"need {first} <= long_series_start <= period_start < year, got long_series_start="
            f"{params['long_series_start']}, period_start={params['period_start']}, year={params['year']}"
        )
    years = marts.price_years()
    if params["price_base_year"] not in years:
        raise P.ParameterError(
            f"price_base_year={params['price_base_year']}: the price index covers {years[0]}-{years[-1]}"
        )
    unknown = sorted(set(params.get("exclude", {})) - set(marts.municipality_names()))
    if unknown:
        raise P.ParameterError(f"exclude: {', '.join(unknown)} is no municipality code of the warehouse")
    _check_highlight(params)
    return params


def benchmark_title(params: dict) -> str:
    """'Benchmark, udsatte børn og unge' or 'Benchmark, voksenområdet', by the report's area."""
    return labels.AREA_TEXT[params["area"]]["title"]


def progression_parameter_sets() -> list[dict]:
    """All cases, and each municipality that reported progression registrations, over the whole period registered, with
    the § 85 hourly rate the report's costs use."""
    found = marts.progression_periods()
    period = {
        "period_start": found["first"].min().strftime("%Y-%m-%d"),
        "period_end": found["last"].max().strftime("%Y-%m-%d"),
    }
    sets = [{"municipality": labels.COUNTRY_CODE, "municipality_name": labels.ALL_MUNICIPALITIES_NAME}]
    sets += [
        {"municipality": r.municipality_code, "municipality_name": r.municipality_name} for r in found.itertuples()
    ]
    # the § 85 hourly rate the costs are computed with (the notebook's default) is part of what a published report says
    rate = P.notebook_defaults(paths.ROOT / "notebooks" / "progression.ipynb")["hourly_rate"]
    return [s | {"service": "all"} | period | {"hourly_rate": rate} for s in sets]


def progression_resolve(published: dict, given: dict) -> dict:
    """A progression set with another period, service or hourly rate: the period must meet the registrations."""
    params = published | given
    found = marts.progression_periods()
    if params["municipality"] != labels.COUNTRY_CODE:
        found = found[found["municipality_code"] == params["municipality"]]
    first, last = found["first"].min().date(), found["last"].max().date()
    start, end = dt.date.fromisoformat(params["period_start"]), dt.date.fromisoformat(params["period_end"])
    if start > end:
        raise P.ParameterError(f"period_start={start} is after period_end={end}")
    if start > last or end < first:
        raise P.ParameterError(
            f"period {start}-{end}: {params['municipality_name']} has registrations from {first} to {last}"
        )
    return params


def forecast_parameter_sets() -> list[dict]:
    """Each municipality with case snapshots, both areas, at its latest snapshot (the as-of date) and that year."""
    return [
        {
            "municipality": r.municipality_code,
            "municipality_name": r.municipality_name,
            "area": r.area,
            "year": r.as_of.year,
            "as_of": r.as_of.strftime("%Y-%m-%d"),
            "label": f"{r.municipality_name}, {labels.AREA_NAMES_LOWER[r.area]}",
        }
        for r in marts.latest_snapshots().itertuples()
    ]


def forecast_resolve(published: dict, given: dict) -> dict:
    """A forecast at another as-of date (the year is its year) or for another year (at that year's last snapshot); the
    date must not be in the future nor before the first snapshot."""
    snaps = marts.snapshots(published["municipality"], published["area"])
    where = published["label"]
    if "as_of" in given:
        as_of = dt.date.fromisoformat(given["as_of"])
        if as_of > dt.date.today():
            raise P.ParameterError(f"as_of={as_of}: a date in the future; give one up to {dt.date.today()}")
        if as_of < snaps[0]:
            raise P.ParameterError(f"as_of={as_of}: {where} has case snapshots from {snaps[0]} to {snaps[-1]}")
        if given.get("year", as_of.year) != as_of.year:
            raise P.ParameterError(
                f"year={given['year']} and as_of={as_of} disagree: the as-of date lies in the year forecast"
            )
        return published | {"year": as_of.year, "as_of": as_of.isoformat()}
    years = sorted({s.year for s in snaps})
    if given["year"] not in years:
        raise P.ParameterError(f"year={given['year']}: {where} has case snapshots in {', '.join(map(str, years))}")
    return published | {"year": given["year"], "as_of": max(s for s in snaps if s.year == given["year"]).isoformat()}


def indicator_parameter_sets() -> list[dict]:
    """Each municipality with case snapshots and each audience, for the quarter of its latest snapshot."""
    found = marts.latest_snapshots().groupby(["municipality_code", "municipality_name"], as_index=False)["as_of"].max()
    return [
        {
            "municipality": r.municipality_code,
            "municipality_name": r.municipality_name,
            "audience": audience,
            "period": f"{r.as_of.year}-Q{(r.as_of.month - 1) // 3 + 1}",
            "label": f"{r.municipality_name}, {labels.AUDIENCE_NAMES_LOWER[audience]}",
        }
        for r in found.itertuples()
        for audience in labels.AUDIENCE_LABELS
    ]


def indicators_resolve(published: dict, given: dict) -> dict:
    """A pack for another period (up to today, from the first snapshot) or with other refund limits (lower < upper)."""
    params = published | given
    snaps = [s for area in labels.AREAS for s in marts.snapshots(params["municipality"], area)]
    end = period_end(params["period"])
    if end > dt.date.today():
        raise P.ParameterError(f"period={params['period']}: ends {end}, in the future")
    if end < min(snaps):
        raise P.ParameterError(
            f"period={params['period']}: {params['municipality_name']} has case snapshots from {min(snaps)} to {max(snaps)}"
        )
    defaults = P.notebook_defaults(paths.ROOT / "notebooks" / "indicators.ipynb")
    lower, upper = (params.get(k, defaults[k]) for k in ("refund_lower", "refund_upper"))
    if lower >= upper:
        raise P.ParameterError(f"refund_lower={lower} must be below refund_upper={upper}")
    return params


HIGHLIGHT = {"highlight": P.code}  # a municipality marked in a region's charts and tables (reports --municipality)
FILTERS = {  # how a filter's value is read: codes as three digits, words as they are
    "region": P.code,
    "municipality": P.code,
    "area": P.choice(*labels.AREAS),
    "audience": P.choice(*labels.AUDIENCE_LABELS),
}

REPORTS: list[ReportSpec] = [
    ReportSpec(
        "data_quality",
        "data_quality.ipynb",
        "Datakvalitet",
        region_parameter_sets,
        filters=("region",),
        settings=HIGHLIGHT,
        resolve=region_resolve,
    ),
    ReportSpec(
        "benchmark",
        "benchmark.ipynb",
        benchmark_title,
        benchmark_parameter_sets,
        path_keys=("area", "region_name"),
        kinds=("population", "expenditure", "users", "price_index", "municipal_facts"),
        kind_key="area",
        filters=("area", "region"),
        settings={
            "year": P.year,
            "period_start": P.year,
            "long_series_start": P.year,
            "price_base_year": P.year,
            "exclude": P.reasons_by_code,
        }
        | HIGHLIGHT,
        resolve=benchmark_resolve,
    ),
    ReportSpec(
        "progression",
        "progression.ipynb",
        "Progression og målopfyldelse",
        progression_parameter_sets,
        kinds=("registrations", "parameter_scores"),
        filters=("municipality",),
        settings={
            "service": P.choice("all", *labels.SERVICE_LABELS),
            "period_start": P.iso_date,
            "period_end": P.iso_date,
            "hourly_rate": P.amount,
        },
        resolve=progression_resolve,
    ),
    ReportSpec(
        "forecast",
        "forecast.ipynb",
        "Prognose (dispositionsregnskab)",
        forecast_parameter_sets,
        kinds=("cases", "actuals", "budget", "transitions"),
        filters=("municipality", "area"),
        settings={"year": P.year, "as_of": P.iso_date},
        resolve=forecast_resolve,
    ),
    ReportSpec(
        "indicators",
        "indicators.ipynb",
        "Nøgletal",
        indicator_parameter_sets,
        path_keys=("municipality_name", "audience"),
        kinds=("cases", "actuals", "budget", "population", "registrations"),
        kind_key="audience",
        filters=("municipality", "audience"),
        settings={
            "period": P.month_or_quarter,
            "refund_lower": P.amount,
            "refund_upper": P.amount,
            "expensive": P.amount,
        },
        resolve=indicators_resolve,
    ),
]

SLOWEST_FIRST = (
    "benchmark",
    "indicators",
    "forecast",
    "progression",
    "data_quality",
)  # measured render times per kind, longest first: the order of a first run (later runs order by each report's time)


@functools.cache
def _exporter() -> HTMLExporter:
    """nbconvert's HTML exporter for report bodies (the basic template: no code, no prompts), made once per process
    (its templates load in a tenth of a second), without the exporter's last pass.

    That pass parses the whole body with BeautifulSoup and writes it out again (four fifths of the exporter's time, some
    0,16 s a report) to give images without alt text one and make `.jp-Notebook` outputs focusable: the basic template
    has no `.jp-Notebook`, and the reports draw their charts as Vega's SVG, not images. It also closed the empty anchor
    link after each heading (`<a ... />`, which a browser reads as an open link) and wrote letters beyond ASCII as
    themselves: `_notebook_html` does both (the headings keep their ids, which the contents link to).
    tests/test_reports.py checks that the body is the one the whole exporter gives, read as HTML."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class BodyExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):  # HTMLExporter's, up to its BeautifulSoup pass
            lexer = nb.metadata.get("language_info", {}).get("pygments_lexer")
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        def _validate_preprocessor(self, nbc, preprocessor):  # nbconvert's check of the notebook after each step
            """Left out: the run is nbclient's, valid, and of nbconvert's 12 default preprocessors the 4 enabled here
            (cells removed by tag or pattern, none set; magics marked; the CSS header) cannot make it invalid, where
            each of the 12 checks read the whole notebook."""

    return BodyExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
    )


ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="#[^"]*" />')  # an empty link after each heading
CODE = re.compile(r"(<script\b.*?</script>|<style\b.*?</style>)", flags=re.S)
REFERENCE = re.compile(r"&#(x[0-9a-fA-F]+|\d+);")  # nbconvert's Markdown writes æ, ø, å in headings as &#230; and so on


def _letters(text: str) -> str:
    """Character references beyond ASCII as the characters themselves (the page is UTF-8), outside scripts and styles;
    &#60; and the like stay as they are."""

    def letter(match: re.Match) -> str:
        ref = match.group(1)
        point = int(ref[1:], 16) if ref[0] == "x" else int(ref)
        return chr(point) if point > 127 else match.group(0)

    parts = CODE.split(text)
    parts[0::2] = [REFERENCE.sub(letter, part) for part in parts[0::2]]
    return "".join(parts)


def _notebook_html(executed: nbformat.NotebookNode) -> str:
    """The executed notebook as HTML body only (no code, no prompts, no scripts from the network)."""
    body, _ = _exporter().from_notebook_node(executed)
    body = _letters(ANCHOR_LINK.sub("", body))
    if re.search(r"<script[^>]+src=|<link[^>]+href=\"?https?:", body):
        raise RuntimeError("rendered report would load something from the network")
    return body


def data_vintage(kinds: tuple[str, ...] = (), short: bool = False) -> str:
    """Which extracts a report used (all when `kinds` is empty): per kind, the file (or the number of files), the
    period they cover and the file's checksum, from the warehouse's ingest log; `short`: per kind only the period."""
    return _vintage(query.identity(), tuple(kinds), short)


@functools.lru_cache(maxsize=64)
def _vintage(warehouse: tuple, kinds: tuple[str, ...], short: bool) -> str:
    """data_vintage of one warehouse file (`warehouse`: its identity, the key): a batch worker reads the ingest log once
    for each kind of report, not twice for every report."""
    found = marts.extracts(list(kinds) or None)
    parts = []
    for kind, rows in found.groupby("kind", sort=True):
        start, end = rows["period_start"].min(), rows["period_end"].max()
        period = format_period(start) if start == end else f"{format_period(start)}–{format_period(end)}"
        what = (
            f"{Path(rows['file'].iloc[0]).name}, sha256 {rows['sha256'].iloc[0][:8]}"
            if len(rows) == 1
            else f"{len(rows)} filer"
        )
        parts.append(
            f"{labels.KIND_LABELS.get(kind, kind)} {period}"
            if short
            else f"{labels.KIND_LABELS.get(kind, kind)}: {what}, {period}"
        )
    return "; ".join(parts)


def write_atomic(path: Path, text: str) -> None:
    """Write a file so readers never see half of it (temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    paths.publish(tmp, path)


def changes_text(params: dict, published: dict) -> str:
    """What a what-if report changes, for readers: 'År: 2017 (offentliggjort: 2024); ...' with the Danish labels."""
    before = dict(parameter_items(published))
    return "; ".join(
        f"{k}: {v}" + (f" (offentliggjort: {before[k]})" if before.get(k) else "")
        for k, v in parameter_items(params)
        if before.get(k) != v
    )


def what_if_text(planned: Plan) -> str:
    """The line that tells a what-if run's index from the published reports' (empty for published reports)."""
    if not planned.what_if:
        return ""
    _, params, published = planned.jobs[0]
    return (
        "Hvad nu hvis-beregning; de offentliggjorte rapporter og deres oversigt er uændrede. Ændrede indstillinger: "
        + changes_text(params, published)
    )


def report_label(params: dict) -> str:
    """What a report is about, for its title and file name: its label, region or municipality."""
    return params.get("label") or params.get("region_name") or params.get("municipality_name") or ""


def report_path(spec: ReportSpec, params: dict, out_dir: Path) -> tuple[str, Path]:
    """A report's slug on the index (e.g. 'children/region-sjaelland') and the path of its page."""
    parts = [slugify(str(params[k])) for k in spec.path_keys] or [
        slugify(report_label(params) or "-".join(str(v) for v in params.values()))
    ]
    return "/".join(parts), out_dir / spec.out_folder / Path(*parts[:-1], f"{parts[-1]}.html")


def report_relpath(spec: ReportSpec, params: dict) -> str:
    """A report's page under the reports folder ('packs/svendborg/politicians.html'), as the links between pages use."""
    return f"{spec.out_folder}/{report_path(spec, params, Path())[0]}.html"


def render(
    spec: ReportSpec,
    params: dict,
    out_dir: Path,
    published: dict | None = None,
    catalogue: tuple[navigation.Entry, ...] = (),
    execution: str | None = None,
) -> RenderResult:
    """Execute one notebook (papermill's parameters, the process's kernel) and write it as self-contained HTML with its
    workbook; errors are returned, not raised. `published`: the published set a what-if report departs from, named on
    its page; `catalogue`: the reports its folder holds, which the page links to where it mentions them; `execution`:
    the run's key in the cache (cache.execution_key), where a run kept from another folder's page is taken from."""
    label = report_label(params)
    slug, page_path = report_path(spec, params, out_dir)
    result = RenderResult(spec.name, slug, params)
    start = dt.datetime.now()
    try:
        executed = _executed(spec, params, execution)
    except kernel.NotebookFailed as exc:
        result.error, result.failing_cell = f"{exc.ename}: {exc.evalue}", exc.cell_index
        return result
    except Exception as exc:  # a broken template or kernel: reported per report, the batch goes on
        result.error = "".join(traceback.format_exception_only(exc)).strip()
        return result
    body = _notebook_html(executed)
    tables = notebook_tables(executed)
    result.vintage, result.vintage_short, result.kind = (
        data_vintage(spec.kinds),
        data_vintage(spec.kinds, short=True),
        spec.kind_for(params),
    )
    header = (
        f"<strong>Rapporten gælder:</strong> {html.escape(' · '.join(f'{k}: {v}' for k, v in parameter_items(params)))}<br>\n"
        f"<strong>Data:</strong> {html.escape(result.vintage)} &middot; <strong>Dannet:</strong> {start:%d.%m.%Y %H:%M}"
    )
    if published is not None:  # a what-if report says so on top, with what it changes
        header += (
            '<br>\n<strong class="what-if">Hvad nu hvis:</strong> beregnet med andre indstillinger end den '
            f"offentliggjorte rapport: {html.escape(changes_text(params, published))}"
        )
    result.path = page_path
    nav = page_navigation(spec, params, catalogue)
    write_atomic(result.path, page.page(f"{spec.title_for(params)}: {label}".rstrip(": "), header, body, nav=nav))
    if tables:  # the same tables for analysts to continue in Excel, with a first sheet saying what they are
        title = f"{spec.title_for(params)}: {label}".rstrip(": ")
        result.xlsx = write_workbook(
            result.path.with_suffix(".xlsx"),
            tables,
            about=about_lines(title, params, result.vintage, start, result.path.name, tables),
        )
    result.seconds = (dt.datetime.now() - start).total_seconds()
    return result


def _executed(spec: ReportSpec, params: dict, execution: str | None) -> nbformat.NotebookNode:
    """The notebook run with these parameters: kept in the cache under `execution` (run once for every folder that
    shows the report), or run now in the process's kernel (and kept, when it ran without error)."""
    if execution is None:
        return kernel.execute(_notebook_path(spec), params)
    import nbformat

    with cache.lock(execution):  # another process running the same notebook: wait for its run
        kept = cache.get_execution(execution)
        if kept is not None:
            return nbformat.from_dict(kept)
        executed = kernel.execute(_notebook_path(spec), params)
        cache.put_execution(execution, executed)
        return executed


def _render_job(args: tuple[ReportSpec, dict, str, dict | None, tuple, str, str, bool]) -> RenderResult:
    """A worker's job: render one report and keep it in the cache under its inputs' key (`force`: render, and run its
    notebook, even when the cache has them)."""
    spec, params, out_dir, published, catalogue, key, execution, force = args
    with cache.lock(key):  # another process rendering the same report: wait for it and copy what it stored
        done = None if force else _stored(spec, params, Path(out_dir), key)
        if done is not None:
            return done
        result = render(spec, params, Path(out_dir), published, catalogue, None if force else execution)
        result.inputs = key
        if not result.error:
            cache.put(key, result.stored(), result.path, result.xlsx)
    return result


def _definition(spec: ReportSpec, links: str) -> dict:
    """The parts of a report's definition that shape its page (for its cache key), with its links to other pages."""
    title = spec.title if isinstance(spec.title, str) else f"{spec.title.__module__}.{spec.title.__qualname__}"
    return {
        "name": spec.name,
        "folder": spec.out_folder,
        "path_keys": spec.path_keys,
        "kinds": spec.kinds,
        "kind_key": spec.kind_key,
        "title": title,
        "links": links,
    }


def folder_catalogue(planned: Plan) -> tuple[navigation.Entry, ...]:
    """The reports a run's folder holds once the run is done, for the links between pages: those its index lists from
    earlier runs and those the run renders now (so a page links to a report only where the reader finds it)."""
    store = planned.out_dir / "index.json"
    earlier = json.loads(store.read_text(encoding="utf-8")) if store.exists() else []
    entries = {
        e["path"]: navigation.Entry(e["report"], e["params"], e["path"])
        for e in earlier
        if e.get("path") and not e.get("error")
    }
    for spec, params, _ in planned.jobs:
        path = report_relpath(spec, params)
        entries[path] = navigation.Entry(spec.name, params, path)
    return tuple(entries[path] for path in sorted(entries))  # in one order, whichever run wrote the index first


@functools.cache
def region_of() -> dict[str, str]:
    """Each municipality's region code."""
    found = marts.municipalities()
    return dict(zip(found["municipality_code"], found["region_code"]))


def page_navigation(spec: ReportSpec, params: dict, catalogue: tuple[navigation.Entry, ...]) -> str:
    """A page's links: back to its folder's landing page, and to the reports it mentions that the folder holds."""
    here = report_relpath(spec, params)
    entry = navigation.Entry(spec.name, params, here)
    links = [
        (navigation.label(e), navigation.relative(e.path, here))
        for e in navigation.related(entry, list(catalogue), region_of())
    ]
    return page.crumbs(navigation.relative("index.html", here), links)


DERIVED = ("region_name", "municipality_name", "label")  # parameters that follow from a code, never given


@dataclass
class Plan:
    """What a run renders and where: each report's parameter set beside the published set it departs from."""

    jobs: list[tuple[ReportSpec, dict, dict]]
    out_dir: Path  # the published folder, a municipality's folder, or a what-if folder below either
    what_if: dict = field(default_factory=dict)  # the settings given that change a report ({}: published reports)
    title: str = "Rapporter"
    notes: list[str] = field(default_factory=list)


def _municipality(value: object) -> tuple[str, str, str, str]:
    """A municipality's code, name, region code and region name; an unknown code names where to look."""
    found = marts.municipalities().set_index("municipality_code")
    code = P.code(value)
    if code not in found.index:
        raise P.ParameterError(
            f"--municipality {value}: no such municipality code in the warehouse (3 digits, e.g. 479 for Svendborg)"
        )
    row = found.loc[code]
    return code, row["municipality_name"], row["region_code"], row["region_name"]


def _filter_sets(
    specs: list[ReportSpec], filters: dict[str, dict], unchecked: tuple[str, ...] = ()
) -> dict[str, tuple[list[dict], list[dict]]]:
    """Per report, (all its published sets, those its filters choose); a value no set has names the valid ones (but
    for the keys `unchecked`: a municipality may have no report of a kind)."""
    chosen = {}
    for spec in specs:
        wanted = filters[spec.name]
        if set(wanted) - set(spec.filters):
            continue
        sets = spec.parameter_sets()
        chosen[spec.name] = (sets, [p for p in sets if all(p.get(k) == v for k, v in wanted.items())])
    for key in {k for wanted in filters.values() for k in wanted} - set(unchecked):
        values = {p[key] for every, _ in chosen.values() for p in every if key in p}
        asked = {wanted[key] for name, wanted in filters.items() if key in wanted and name in chosen}
        for value in sorted(asked - values):
            raise P.ParameterError(
                f"{key}={value}: no report has it; valid values: {', '.join(sorted(map(str, values)))}"
            )
    return chosen


def _check_keys(specs: list[ReportSpec], filters: dict, settings: dict, municipality: bool) -> None:
    """Every filter and setting given is one the chosen reports take; else one line naming those they take."""
    takes_filters = sorted({k for s in specs for k in s.filters})
    takes_settings = sorted({k for s in specs for k in s.settings if k != "highlight" or not municipality})
    names = ", ".join(s.name for s in specs)
    for key in filters:
        if key not in takes_filters:
            hint = f"{key} is a setting: use --set {key}=..." if key in takes_settings else f"unknown filter {key!r}"
            raise P.ParameterError(f"{hint}; filters of {names}: {', '.join(takes_filters)}")
    for key in settings:
        if key not in takes_settings:
            hint = (
                f"{key} is a filter: use --filter {key}=..."
                if key in takes_filters
                else f"{key} follows from the code it names; it is not set"
                if key in DERIVED
                else f"unknown setting {key!r}"
            )
            raise P.ParameterError(f"{hint}; settings of {names}: {', '.join(takes_settings)}")


def _typed_settings(spec: ReportSpec, settings: dict) -> dict:
    """The settings a report takes, each read by its parser (a bad value names the report, the key and what is valid)."""
    typed = {}
    for key, value in settings.items():
        if key in spec.settings:
            try:
                typed[key] = spec.settings[key](value)
            except P.ParameterError as exc:
                raise P.ParameterError(f"{spec.name}: {key}: {exc}") from None
    return typed


def plan(
    only: list[str] | None = None,
    filters: dict | None = None,
    settings: dict | None = None,
    municipality: str | None = None,
    out_dir: Path | None = None,
) -> Plan:
    """Choose the reports and parameter sets of a run and check every parameter against the warehouse, before any
    kernel starts. `filters` choose among the published sets (region, area, municipality, audience); `settings` change
    what reports compute (year, as_of, period, ...) and apply to the reports that take them; a run whose settings
    differ from the published ones writes to a what-if folder of its own. `municipality`: that municipality's forecast
    reports, packs and progression, and its region's benchmark and data-quality reports with it highlighted, in a
    folder of its own. Raises ParameterError (one line naming the valid keys or values)."""
    base = out_dir or paths.reports_dir()
    known = [s.name for s in REPORTS]
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise P.ParameterError(f"unknown report(s): {', '.join(unknown)}; known: {', '.join(known)}")
    specs = [s for s in REPORTS if not only or s.name in only]
    filters, settings, title, notes = dict(filters or {}), dict(settings or {}), "Rapporter", []
    _check_keys(specs, filters, settings, municipality is not None)
    filters = {k: FILTERS[k](v) if k in FILTERS else v for k, v in filters.items()}
    per_spec = {s.name: dict(filters) for s in specs}
    highlight: dict[str, str] = {}
    if municipality is not None:
        if {"municipality", "region"} & set(filters):
            raise P.ParameterError(
                "--municipality chooses the municipality and its region; give no such --filter with it"
            )
        code, name, region, region_name = _municipality(municipality)
        for spec in specs:
            per_spec[spec.name] |= {"municipality": code} if "municipality" in spec.filters else {"region": region}
        highlight = {"highlight": code}
        base, title = base / "municipality" / slugify(name), f"Rapporter for {name}"
    chosen = _filter_sets(specs, per_spec, ("municipality",) if municipality is not None else ())
    if settings:  # reports that take none of the settings would be the published ones
        chosen = {
            n: c for n, c in chosen.items() if set(settings) & set(next(s for s in specs if s.name == n).settings)
        }
    jobs, what_if = [], {}
    for spec in specs:
        if spec.name not in chosen:
            continue
        given = _typed_settings(spec, settings) | (highlight if "highlight" in spec.settings else {})
        defaults = P.notebook_defaults(_notebook_path(spec)) if given else {}
        if not chosen[spec.name][1] and municipality is not None:
            notes.append(
                f"no {spec.name} report for {name}: the warehouse holds no {' or '.join(spec.kinds[:1])} for it"
            )
        for published in chosen[spec.name][1]:
            params = spec.resolve(published, given) if given and spec.resolve else published | given
            published = {k: defaults[k] for k in given if k not in published and k in defaults} | published
            changed = {
                k: params[k] for k in params if k not in highlight and params[k] != published.get(k, defaults.get(k))
            }
            what_if |= {k: given[k] for k in given if k in changed}
            jobs.append((spec, params, published))
    if not jobs:
        raise P.ParameterError("no report matches these filters and settings")
    if what_if:
        base = base / "what-if" / P.what_if_folder(what_if)
        title = f"Hvad nu hvis: {title}"
    return Plan(jobs, base, what_if, title, notes)


def _notebook_path(spec: ReportSpec) -> Path:
    return paths.ROOT / "notebooks" / spec.notebook


def _reused(spec: ReportSpec, params: dict, out_dir: Path, key: str, known: dict) -> RenderResult | None:
    """The report as rendered before from the same inputs: unchanged in its folder (index entry and files there), or
    copied from the cache; None when it must be rendered."""
    slug, page = report_path(spec, params, out_dir)
    entry = known.get((spec.name, slug))
    if entry and entry.get("inputs") == key and not entry["error"] and (out_dir / entry["path"]).is_file():
        fields = {k: entry[k] for k in ("seconds", "rendered_at", "vintage", "vintage_short", "kind")}
        xlsx = out_dir / entry["xlsx"] if entry.get("xlsx") else None
        if xlsx is None or xlsx.is_file():
            return RenderResult(spec.name, slug, params, page, xlsx=xlsx, inputs=key, reused=True, **fields)
    return _stored(spec, params, out_dir, key)


def _stored(spec: ReportSpec, params: dict, out_dir: Path, key: str) -> RenderResult | None:
    """The report copied from the cache to where it goes, or None when the cache has no render of these inputs."""
    stored = cache.get(key)
    if stored is None:
        return None
    slug, page = report_path(spec, params, out_dir)
    fields = {k: v for k, v in stored["result"].items() if k not in ("report", "slug", "params", "xlsx")}
    xlsx = page.with_suffix(".xlsx") if stored["result"]["xlsx"] else None
    cache.restore(stored["folder"], page, xlsx)
    return RenderResult(spec.name, slug, params, page, xlsx=xlsx, inputs=key, reused=True, **fields)


JOBS_PER_WORKER = 4  # a worker takes about as long to start (process, imports, kernel) as two reports to render


def default_workers(jobs: int) -> int:
    """Worker processes for `jobs` reports: one more than the cores (a report waits on its kernel part of its time,
    which a third worker fills), at most 3, and no more than give each at least JOBS_PER_WORKER reports (one: the
    reports are rendered in this process)."""
    return max(1, min(3, (os.cpu_count() or 1) + 1, jobs // JOBS_PER_WORKER))


def run(planned: Plan, workers: int | None = None, progress: bool = True, force: bool = False) -> list[RenderResult]:
    """Render a plan's reports in parallel worker processes, the slowest first, and write its folder's index. A report
    whose inputs are those of an earlier render (helpers.render.cache) is not rendered again unless `force`."""
    from tqdm import tqdm

    out_dir = planned.out_dir
    warehouse, code = cache.file_digest(paths.warehouse_path()), cache.code_digest()
    store = out_dir / "index.json"
    known = {(e["report"], e["slug"]): e for e in (json.loads(store.read_text()) if store.exists() else [])}
    catalogue = folder_catalogue(planned)
    results: list[RenderResult] = []
    jobs = []
    for spec, params, published in planned.jobs:
        shown = published if planned.what_if else None
        links = page_navigation(spec, params, catalogue)  # a page's links are part of what it shows
        key = cache.inputs_key(_definition(spec, links), _notebook_path(spec), params, shown, warehouse, code)
        execution = cache.execution_key(_notebook_path(spec), params, warehouse, code)
        done = None if force else _reused(spec, params, out_dir, key, known)
        if done is not None:
            results.append(done)
        else:  # a worker gets the spec itself (it need not be in its REPORTS), without queries and parsers, which may not pickle
            light = replace(spec, parameter_sets=list, settings={}, resolve=None)
            jobs.append((light, params, str(out_dir), shown, catalogue, key, execution, force))
    # the slowest reports first (as long as they took last time), so the workers finish together
    took = {(e["report"], e["slug"]): e.get("seconds") or 0 for e in known.values()}
    kinds = {name: n for n, name in enumerate(SLOWEST_FIRST)}
    jobs.sort(
        key=lambda job: (
            -took.get((job[0].name, report_path(job[0], job[1], out_dir)[0]), 0),
            kinds.get(job[0].name, len(kinds)),
        )
    )
    count = min(workers or default_workers(len(jobs)), len(jobs))
    if count == 1:  # one at a time: in this process and its kernel, kept for the next run (no worker to start)
        for job in tqdm(jobs, desc="rapporter", disable=not progress):
            results.append(_render_job(job))
    elif jobs:
        # spawned, not forked: a fork copies jupyter's event-loop runner without its thread, and a kernel start in the
        # child then waits forever once the parent has run a notebook itself (as `make bench` does)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=count, mp_context=spawn) as pool:
            futures = [pool.submit(_render_job, job) for job in jobs]
            for future in tqdm(as_completed(futures), total=len(futures), desc="rapporter", disable=not progress):
                results.append(future.result())
    results.sort(key=lambda r: (r.report, r.slug))
    write_index(results, out_dir, title=planned.title, intro=what_if_text(planned))
    cache.prune()
    return results


def render_all(
    only: list[str] | None = None,
    filters: dict | None = None,
    settings: dict | None = None,
    municipality: str | None = None,
    out_dir: Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    force: bool = False,
) -> list[RenderResult]:
    """Render every report (or those `plan` chooses) for every parameter set, in parallel; then write the index.
    Reports whose inputs did not change since they were rendered are not rendered again (unless `force`)."""
    return run(plan(only, filters, settings, municipality, out_dir), workers, progress, force)


def _day(text: str) -> str:
    """'2024-09-30' -> '30.09.2024'."""
    return format_date(dt.date.fromisoformat(str(text)))


def parameter_items(params: dict) -> list[tuple[str, str]]:
    """A report's parameters as (Danish label, value) for readers: names, not codes ('Region', 'Region Sjælland')."""
    p, items = params, []
    if "region" in p:  # the whole country is no region
        country = str(p["region"]).zfill(3) == labels.COUNTRY_CODE
        items.append(
            (
                "Geografi" if country else "Region",
                labels.COUNTRY_NAME if country else p.get("region_name") or str(p["region"]),
            )
        )
    if "municipality" in p:
        items.append(("Kommune", p.get("municipality_name") or str(p["municipality"])))
    if "area" in p:
        items.append(("Område", labels.AREA_LABELS.get(p["area"], str(p["area"]))))
    if "audience" in p:
        items.append(("Målgruppe", labels.AUDIENCE_LABELS.get(p["audience"], str(p["audience"]))))
    if "service" in p:
        items.append(("Ydelse", labels.SERVICE_LABELS.get(p["service"], "Alle")))
    if "year" in p:
        items.append(("År", str(p["year"])))
    if "period_start" in p and "period_end" in p:
        items.append(("Periode", f"{_day(p['period_start'])}–{_day(p['period_end'])}"))
    elif "period_start" in p:
        items.append(("Periode", f"{p['period_start']}–{p.get('year', '')}"))
    if "period" in p:
        items.append(("Periode", format_period(p["period"])))
    if "as_of" in p:
        items.append(("Opgjort pr.", _day(p["as_of"])))
    if "long_series_start" in p:
        items.append(("Lang serie fra", str(p["long_series_start"])))
    if "price_base_year" in p:
        items.append(("Priser", f"{p['price_base_year']}-niveau"))
    if "hourly_rate" in p:
        items.append(("Timepris (§ 85)", f"{format_number(float(p['hourly_rate']))} kr."))
    for key, label in (
        ("refund_lower", "Nedre refusionsgrænse"),
        ("refund_upper", "Øvre refusionsgrænse"),
        ("expensive", "Dyr sag fra"),
    ):
        if key in p:
            items.append((label, f"{format_number(float(p[key]))} kr. om året"))
    if p.get("highlight"):
        items.append(("Fremhævet", marts.municipality_names().get(p["highlight"], p["highlight"])))
    if p.get("exclude"):
        names = marts.municipality_names()
        items.append(
            ("Udeladt", "; ".join(f"{names.get(str(c).zfill(3), c)}: {why}" for c, why in p["exclude"].items()))
        )
    return items


def _has_markers(tables: dict[str, Sheet]) -> bool:
    """Does a table hold a small-number marker ('<5', '..' or an uncertain ' *')?"""
    return any(
        (isinstance(v, str) and (v in (labels.SMALL_TEXT, labels.HIDDEN) or v.endswith(" *")))
        or (isinstance(v, dict) and v.get("suffix", "").endswith("*"))
        for sheet in tables.values()
        for row in sheet.rows
        for v in row
    )


def about_lines(
    title: str, params: dict, vintage: str, rendered: dt.datetime, page: str, tables: dict[str, Sheet]
) -> list[tuple[str, str]]:
    """The workbook's first sheet "Om": what it is, for which parameters, from which data, and how to read its markers."""
    lines = [
        ("Rapport", title),
        *parameter_items(params),
        ("Data", vintage),
        ("Dannet", rendered.strftime("%d.%m.%Y %H:%M")),
        (
            "Indhold",
            f"Tabellerne fra rapporten {page}, ét ark pr. tabel opkaldt efter afsnittet. Tallene er de præcise tal "
            "bag siden (ikke afrundet) og vises med de samme decimaler som på siden; et dansk Excel viser 1.706,5.",
        ),
    ]
    if _has_markers(tables):
        lines.append(("Tegn", LEGEND))
    return lines


# The index's sections: each kind of report under a Danish title, in the order readers look for them
INDEX_GROUPS = {
    "benchmark_children": (
        "Benchmark, børn og unge",
        "Udgift pr. 0-22-årig, brugere og enhedsudgifter pr. kommune og region.",
    ),
    "benchmark_adults": (
        "Benchmark, voksne",
        "Udgift pr. 18-64-årig, brugere og enhedsudgifter pr. kommune og region.",
    ),
    "data_quality": ("Datakvalitet", "Hvad indlæsningen afviste, og hvilke tal kontrollerne har fundet mistænkelige."),
    "progression": (
        "Progression og målopfyldelse",
        "Borgernes udvikling og opfyldelse af mål (VUM) mellem registreringerne.",
    ),
    "forecast": (
        "Prognose",
        "Forventet regnskab mod budget, sag for sag (dispositionsregnskab); økonomimedarbejderens værktøj.",
    ),
    "indicators_politicians": (
        "Nøgletal for politikere",
        "Holder budgettet, modtagere og priser, tilgang og afgang, handleplan.",
    ),
    "indicators_finance": (
        "Nøgletal for økonomi",
        "Budgetopfølgning med afvigelse på mængde og pris og forventet refusion.",
    ),
    "indicators_department": (
        "Nøgletal for fagchef og afdeling",
        "Modtagere, dyre sager, leverandører, opfølgning og sagsbehandlere.",
    ),
}
INDEX_STYLE = """td.nowrap { white-space: nowrap; } td.data { font-size: .8rem; color: #44515e; } .failed { color: #b2182b; font-weight: bold; }
details#koerselslog { margin-top: 2rem; } details#koerselslog > summary { cursor: pointer; color: #0b4f6c; font-weight: bold; }
.finder { margin: .6rem 0; } .finder input { font-size: 1rem; padding: .3rem .5rem; width: 18rem; max-width: 100%; }
table.municipalities td { font-size: .85rem; } table.municipalities td:first-child { font-size: .9rem; font-weight: 600; }
"""
# The finder filters the list of municipalities as the reader types (no network, no library): names compared without
# case and accents, and æ ø å as they are typed on any keyboard (Køge: køge, koege, koge; Aabenraa: åbenrå, abenra).
FINDER_SCRIPT = """<script>(function () {
  var input = document.getElementById("find"), rows = document.querySelectorAll("table.municipalities tbody tr");
  var none = document.getElementById("find-none");
  var fold = function (s) {
    return s.toLowerCase().replace(/æ/g, "ae").replace(/ø/g, "o").replace(/å/g, "a")
      .normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/aa/g, "a").replace(/oe/g, "o");
  };
  input.addEventListener("input", function () {
    var q = fold(input.value.trim()), shown = 0;
    rows.forEach(function (r) {
      var hit = !q || fold(r.dataset.name).indexOf(q) !== -1 || fold(r.dataset.region).indexOf(q) !== -1;
      r.hidden = !hit;
      shown += hit ? 1 : 0;
    });
    none.hidden = shown > 0;
  });
})();</script>"""


def _where(params: dict) -> tuple[bool, str]:
    """The region or municipality a report is about (the forecast adds its area), and whether it is the whole country."""
    name = params.get("label") if "area" in params and "municipality" in params else None
    name = name or params.get("region_name") or params.get("municipality_name") or ""
    return str(params.get("region", params.get("municipality"))) == labels.COUNTRY_CODE, name


def _period(params: dict) -> str:
    """The period a report covers, as its index line shows it."""
    items = dict(parameter_items(params))
    period = items.get("Periode") or items.get("År") or "alle år i data"
    return f"{period}, opgjort pr. {items['Opgjort pr.']}" if "Opgjort pr." in items else period


def _index_line(e: dict) -> str:
    """One report on the index: where, period, data, links to the page and the workbook (or that it failed)."""
    _, where = _where(e["params"])
    if e["error"]:
        links = '<span class="failed">Fejlede, se kørselsloggen</span>'
    else:
        links = f'<a href="{html.escape(e["path"])}">Rapport (HTML)</a>'
        if e.get("xlsx"):
            links += f' &middot; <a href="{html.escape(e["xlsx"])}">Tabeller (Excel)</a>'
    data = e.get("vintage_short") or e["vintage"]
    return (
        f'<tr><td>{html.escape(where)}</td><td class="nowrap">{html.escape(_period(e["params"]))}</td>'
        f'<td class="data" title="{html.escape(e["vintage"])}">{html.escape(data)}</td><td class="nowrap">{links}</td></tr>'
    )


def _links(entries: list[navigation.Entry]) -> str:
    return " · ".join(
        f'<a href="{html.escape(e.path)}">{html.escape(navigation.label(e, short=True))}</a>' for e in entries
    )


def _finder(kept: list[dict]) -> str:
    """The landing page's finder: every municipality with its region, its region's reports and its own, and a search
    field that narrows the list as the reader types."""
    rendered = [navigation.Entry(e["report"], e["params"], e["path"]) for e in kept if not e["error"] and e["path"]]
    found = marts.municipalities()
    found = found.iloc[found["municipality_name"].map(danish_key).argsort(kind="stable")]
    regions = region_of()
    rows = []
    for r in found.itertuples():
        regional, own = navigation.municipality_reports(r.municipality_code, rendered, regions)
        rows.append(
            f'<tr data-name="{html.escape(r.municipality_name)}" data-region="{html.escape(r.region_name)}">'
            f"<td>{html.escape(r.municipality_name)}</td><td>{html.escape(r.region_name)}</td>"
            f"<td>{_links(regional) or '–'}</td><td>{_links(own) or '–'}</td></tr>"
        )
    return (
        '<h2 id="find-kommune">Find en kommunes rapporter</h2>'
        "<p>Hver kommune med sin region: regionens benchmark og datakvalitet, og kommunens egne rapporter, hvor den har "
        "leveret sagsdata (prognose og nøgletal) eller progressionsdata. Skriv en del af kommunens eller regionens navn "
        "for at finde den.</p>"
        '<div class="finder"><label for="find">Søg kommune: </label>'
        '<input type="search" id="find" placeholder="fx Køge" autocomplete="off"></div>'
        '<p id="find-none" hidden>Ingen kommune eller region passer på søgningen.</p>'
        '<div class="table-wrap"><table class="municipalities"><thead><tr><th>Kommune</th><th>Region</th>'
        "<th>Regionens rapporter</th><th>Kommunens egne rapporter</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _run_log(kept: list[dict]) -> str:
    """The run as a table for the analyst: report, file, raw parameters, data, render time, seconds or the failing cell."""
    rows = []
    for e in kept:
        target = (
            f'<a href="{html.escape(e["path"])}">{html.escape(e["slug"])}</a>' if e["path"] else html.escape(e["slug"])
        )
        status = (
            f"fejl i celle {e['failing_cell']}: {html.escape(e['error'])}"
            if e["error"]
            else f"{e['seconds']:.1f} s".replace(".", ",")
        )
        rendered = dt.datetime.fromisoformat(e["rendered_at"]).strftime("%d.%m.%Y %H:%M")
        rows.append(
            f"<tr><td>{html.escape(e['report'])}</td><td>{target}</td>"
            f"<td>{html.escape(', '.join(f'{k} = {v}' for k, v in e['params'].items()))}</td>"
            f"<td>{html.escape(e['vintage'])}</td><td>{rendered}</td><td>{status}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Rapport</th><th>Fil</th><th>Parametre</th><th>Data</th><th>Dannet</th><th>Tid / fejl</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _completed(entry: dict, out_dir: Path) -> dict:
    """An entry an older run wrote, with the fields it lacks: its kind, and its workbook when there is one beside it."""
    spec = next((s for s in REPORTS if s.name == entry["report"]), None)
    xlsx = Path(entry["path"]).with_suffix(".xlsx").as_posix() if entry.get("path") else None
    return {
        "kind": spec.kind_for(entry["params"]) if spec else entry["report"],
        "xlsx": xlsx if xlsx and (out_dir / xlsx).is_file() else None,
    } | entry


def write_index(results: list[RenderResult], out_dir: Path, title: str = "Rapporter", intro: str = "") -> Path:
    """reports/index.html, the landing page: the reports by kind under Danish titles, one line each (region or
    municipality, period, data, links to the page and its workbook), and the run log (render time, raw parameters,
    failures) folded away. reports/index.json lists every report for scripts (kind, slug, parameter codes, paths, error).

    Entries live in the folder's index.json, so rendering a subset (--only, --filter) updates its rows and keeps the
    rest. `title` and `intro` name a municipality's or a what-if run's folder.
    """
    store = out_dir / "index.json"
    entries = {(e["report"], e["slug"]): e for e in (json.loads(store.read_text()) if store.exists() else [])}
    for r in results:
        entries[(r.report, r.slug)] = {
            "report": r.report,
            "kind": r.kind or r.report,
            "slug": r.slug,
            "params": r.params,
            "seconds": round(r.seconds, 1),
            "path": r.path.relative_to(out_dir).as_posix() if r.path else None,
            "xlsx": r.xlsx.relative_to(out_dir).as_posix() if r.xlsx else None,
            "error": r.error,
            "failing_cell": r.failing_cell,
            "rendered_at": r.rendered_at,
            "vintage": r.vintage,
            "vintage_short": r.vintage_short,
            "inputs": r.inputs,
        }
    kept = [
        _completed(e, out_dir)
        for _, e in sorted(entries.items())
        if e["error"] or (out_dir / (e["path"] or "")).is_file()
    ]
    kinds = list(INDEX_GROUPS) + sorted({e["kind"] for e in kept} - set(INDEX_GROUPS))
    sections, toc = [_finder(kept)], ['<li><a href="#find-kommune">Find en kommunes rapporter</a></li>']
    for kind in kinds:
        lines = sorted(
            (e for e in kept if e["kind"] == kind),
            key=lambda e: (not _where(e["params"])[0], danish_key(_where(e["params"])[1])),
        )
        if not lines:
            continue
        heading, about = INDEX_GROUPS.get(kind, (kind, ""))
        anchor = slugify(heading)
        place = "Kommune" if "municipality" in lines[0]["params"] else "Region"
        toc.append(f'<li><a href="#{anchor}">{html.escape(heading)}</a> ({len(lines)})</li>')
        sections.append(
            f'<h2 id="{anchor}">{html.escape(heading)}</h2><p>{html.escape(about)}</p>'
            f"<table><thead><tr><th>{place}</th><th>Periode</th><th>Data</th><th>Filer</th></tr></thead>"
            f"<tbody>{''.join(_index_line(e) for e in lines)}</tbody></table>"
        )
    failed = sum(1 for e in kept if e["error"])
    toc.append('<li><a href="#koerselslog">Kørselslog</a></li>')
    sections.append(
        f'<details id="koerselslog"><summary>Kørselslog: tid, parametre og fejl ({failed} fejl)</summary>'
        f"<p>Data i lageret: {html.escape(data_vintage())}</p>{_run_log(kept)}</details>"
    )
    summary = (
        (f"<strong>{html.escape(intro)}</strong><br>\n" if intro else "")
        + f"{len(kept)} rapporter, hver som side (HTML) og med sine tabeller i Excel. "
        + (f"<strong>{failed} fejlede</strong> (se kørselsloggen). " if failed else "")
        + f"<strong>Opdateret:</strong> {dt.datetime.now().strftime('%d.%m.%Y %H:%M')}"
    )
    landing = page.page(
        title, summary, "\n".join(sections), toc="".join(toc), extra_style=INDEX_STYLE, script=FINDER_SCRIPT
    )
    write_atomic(store, json.dumps(kept, indent=1, ensure_ascii=False) + "\n")
    path = out_dir / "index.html"
    write_atomic(path, landing)
    return path
