"""Altair charts that draw offline: the Vega bundle once per page, Danish number and date formats.

Altair's default renderer loads Vega from a CDN (blank offline); this renderer emits, with the first chart of a
kernel (so once per rendered report), the bundle that vl-convert ships, gzip-compressed, and a small loader that
unpacks it in the browser; then per chart a div and one call with the spec and its data sets. Data sets travel
compressed as columns and rows; a figure's CSV link is built in the browser from the data set its chart draws,
so a page holds each figure's rows once.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from functools import cache
from html import escape
from itertools import count

import altair as alt
import pandas as pd
import vl_convert as vlc

from helpers import labels, paths
from helpers.render.formats import VEGA_MONTH

RENDERER = "helpers_offline"
EMBED_OPTIONS = {
    "formatLocale": vlc.get_format_locale("da-DK"),
    "timeFormatLocale": vlc.get_time_format_locale("da-DK"),
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
    "renderer": "svg",
    # the menu behind "…" in Danish, and the saved file's name
    "i18n": {
        "CLICK_TO_VIEW_ACTIONS": "Klik for at gemme figuren",
        "PNG_ACTION": "Gem som PNG",
        "SVG_ACTION": "Gem som SVG",
        "SOURCE_ACTION": "Vis kilden",
        "COMPILED_ACTION": "Vis kompileret Vega",
        "EDITOR_ACTION": "Åbn i Vega-editoren",
    },
    "downloadFileName": "figur",
    # labels are never cut short with "…": a municipality's or a measure group's full name
    "config": {"axis": {"labelLimit": 0}, "legend": {"labelLimit": 0}, "header": {"labelLimit": 0}},
}
LOADER_MARK = "window.helpersVega = window.helpersVega ||"  # in the loader script; a page has it once
_ids = count(1)
_bundle_sent = False

# The loader: unpacks the bundle (window.vegaEmbed) once, then draws each chart when its data sets are unpacked and
# fills its CSV link with the same rows (semicolons, decimal commas, UTF-8 with BOM: what a Danish Excel opens).
LOADER = r"""(() => {
const unpack = async (b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text();
};
const csvCell = (v) => {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return String(v).replace(".", ",");
  const s = String(v);
  return /[;"\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
};
const csvHref = (table, headers) => {
  const pick = headers.map(([c]) => table.columns.indexOf(c));
  const lines = [headers.map(([, h]) => csvCell(h)).join(";"), ...table.rows.map((r) => pick.map((i) => csvCell(r[i])).join(";"))];
  const bytes = new TextEncoder().encode("\ufeff" + lines.join("\r\n") + "\r\n");
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return "data:text/csv;charset=utf-8;base64," + btoa(text);
};
window.helpersChart = async (id, spec, datasets, options, csv) => {
  await window.helpersVega;
  const tables = {};
  for (const [name, packed] of Object.entries(datasets)) tables[name] = JSON.parse(await unpack(packed));
  spec.datasets = {};
  for (const [name, t] of Object.entries(tables)) spec.datasets[name] = t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
  if (csv) document.getElementById(csv.link).href = csvHref(csv.dataset ? tables[csv.dataset] : JSON.parse(await unpack(csv.packed)), csv.headers);
  const drawn = await vegaEmbed(id, spec, options);
  // the drawn view is handed to the page (event "helpers-view"), so notes under a figure can follow its drop-down
  const el = document.querySelector(id);
  el.vegaView = drawn.view;
  el.dispatchEvent(new CustomEvent("helpers-view", {detail: drawn.view}));
  return drawn;
};
%s unpack("%s").then((js) => { (0, eval)(js); });
})();"""


def _packed(text: str) -> str:
    """gzip (no timestamp: the same page twice is the same bytes) and base64, for the loader's unpack()."""
    return base64.b64encode(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)).decode("ascii")


@cache
def bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (sets window.vegaEmbed), matching Altair's Vega-Lite, packed.

    vl-convert takes 1-3 s to build it, so it is kept in the data folder's cache per vl-convert and Vega-Lite version."""
    vl_version = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
    cached = paths.cache_dir() / f"vega-bundle-{vlc.__version__}-vl{vl_version}.js.gz.b64"
    if cached.is_file():
        return cached.read_text(encoding="ascii")
    packed = _packed(vlc.javascript_bundle(vl_version=vl_version))
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
    tmp.write_text(packed, encoding="ascii")
    paths.publish(tmp, cached)
    return packed


def loader_html() -> str:
    """The script that unpacks the bundle and defines helpersChart(); once per page."""
    return f"<script>{LOADER % (LOADER_MARK, bundle())}</script>"


def table_of(values: list[dict]) -> dict:
    """A data set's records as columns and rows (the keys once, not once per row)."""
    columns = list(values[0]) if values else []
    return {"columns": columns, "rows": [[row.get(c) for c in columns] for row in values]}


def packed_table(values: list[dict]) -> str:
    """Records as the loader unpacks them: columns and rows in JSON, gzip, base64."""
    return _packed(json.dumps(table_of(values), ensure_ascii=False, separators=(",", ":"), allow_nan=False))


def chart_html(spec: dict, include_bundle: bool, csv: dict | None = None) -> str:
    """A div and the call that draws `spec` in it, its data sets packed (with the loader first, if asked).

    `csv`: {"link": id of the <a> whose href gets rows as CSV, "dataset": the name of a data set in `spec`, or
    "packed": rows of their own (`packed_table`), and "headers": [[column, Danish header], ...], the columns the CSV
    gets, in order}."""
    div = f"helpers-chart-{next(_ids)}"
    spec = dict(spec)
    datasets = {name: packed_table(values) for name, values in spec.pop("datasets", {}).items()}
    args = [
        json.dumps(f"#{div}"),
        json.dumps(spec, ensure_ascii=False, separators=(",", ":")),
        json.dumps(datasets),
        json.dumps(EMBED_OPTIONS),
        json.dumps(csv, ensure_ascii=False),
    ]
    script = "<script>helpersChart(" + ", ".join(args).replace("</", "<\\/") + ");</script>"  # no early </script>
    head = loader_html() if include_bundle else ""
    return f'{head}<div id="{div}" class="helpers-chart"></div>{script}'


def _render(spec: dict, **_: object) -> dict:
    """Altair renderer: the bundle with the first chart of the kernel, then only div + call."""
    global _bundle_sent
    html = chart_html(spec, include_bundle=not _bundle_sent)
    _bundle_sent = True
    return {"text/html": html}


def new_page() -> None:
    """Start a page: chart ids from 1 again and the bundle with its first chart (a kernel renders several reports)."""
    global _ids, _bundle_sent
    _ids, _bundle_sent = count(1), False


def enable() -> None:
    """Use the offline renderer and Danish formats for every chart from here on, on a new page (once per notebook)."""
    new_page()
    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    alt.data_transformers.disable_max_rows()  # data is aggregated in DuckDB before it is charted


# ---------------------------------------------------------------------------------------------------------------------
# Report figures: one chart, its notes (who is left out and why) and its data as a CSV download.

KR = ",.0f"
MIO = ",.1f"
RATE = ",.1f"
PCT = "+,.1f"
# Axis ticks show as many decimals as their step needs and no more ("+0,5 +1 +1,5", never "+0 +1 +1 +2")
KR_AXIS = ",.2~f"
RATE_AXIS = ",.2~f"
PCT_AXIS = "+,.2~f"
MIO_AXIS = ",.2~f"
COUNT_AXIS = {"format": ",.0f", "tickMinStep": 1}  # counts: whole ticks only
MONTH_LABEL = f"utcFormat(toDate(datum.value + '-01'), '{VEGA_MONTH}')"  # an axis of '2024-09' as 'september 2024'


def axis_format(fmt: str) -> str:
    """The axis format for a tooltip's format: the same numbers, ticks with only the decimals their step needs."""
    return {KR: KR_AXIS, RATE: RATE_AXIS, PCT: PCT_AXIS, MIO: MIO_AXIS}.get(fmt, fmt)


# -- colours with one meaning in every chart and report -------------------------------------------------------------------
# Regions: Okabe and Ito's colour-blind-safe palette without its yellow (too faint on white) and its sky blue (too near
# the bars); the whole country near-black. Keyed by code and used with the fixed domain REGION_DOMAIN, so a region
# keeps its colour whichever regions a chart or a measure group shows.
REGION_COLOURS = dict(
    zip((*labels.REGION_CODES, labels.COUNTRY_CODE), ("#E69F00", "#009E73", "#CC79A7", "#0072B2", "#D55E00", "#333333"))
)
REGION_DOMAIN = list(REGION_COLOURS)
COUNTRY_DASH = [8, 4]  # the whole country is dashed wherever it is a line: its series and the country average
BAR_COLOUR = "#a6c8e0"  # light, so the dark reference lines stand out on the bars (contrast ratio >= 3)
OTHER_COLOUR = "#c4c4c4"  # municipalities outside the report's region
HALO_COLOUR, HALO_WIDTH = "#ffffff", 5  # drawn under every reference line

# Reference lines and marks, one style each (colour, dash, width) in every report, named in Danish in the legend. The
# whole-country report has no region average: its average is the country's, in the country's style.
REGION_AVERAGE, COUNTRY_AVERAGE, HIGHEST, LOWEST = "Gennemsnit i regionen", "Landsgennemsnit", "Højeste", "Laveste"
PEER_AVERAGE = "Gns. sammenlignelige kommuner"  # a tick on each bar, not a line
TOTAL_CHANGE = "Ændring i alt"  # a tick on each bar of parts
LIMIT_95, LIMIT_998 = "Kontrolgrænse 95 %", "Kontrolgrænse 99,8 %"  # the funnel plot's, around the country average
OTHER_MUNICIPALITIES = "Øvrige kommuner"  # the funnel's dots outside the report's region
REFERENCE_STYLES = {
    REGION_AVERAGE: {"colour": "#111111", "dash": [], "width": 2.5},
    COUNTRY_AVERAGE: {"colour": REGION_COLOURS[labels.COUNTRY_CODE], "dash": COUNTRY_DASH, "width": 2.5},
    HIGHEST: {"colour": "#555555", "dash": [2, 3], "width": 2},
    LOWEST: {"colour": "#555555", "dash": [7, 3, 2, 3], "width": 2},
    PEER_AVERAGE: {"colour": "#1d2733", "dash": [], "width": 2},
    TOTAL_CHANGE: {"colour": "#000000", "dash": [], "width": 3},
    LIMIT_95: {"colour": "#777777", "dash": [4, 3], "width": 1.5},
    LIMIT_998: {"colour": "#777777", "dash": [1, 2], "width": 1.5},
}


def region_scale() -> alt.Scale:
    """The fixed region colours over every region and the whole country, for a colour encoding of the field `code`."""
    return alt.Scale(domain=REGION_DOMAIN, range=[REGION_COLOURS[c] for c in REGION_DOMAIN])


def region_legend(data: pd.DataFrame, title: str, codes: list[str] | None = None) -> alt.Legend:
    """A legend naming the regions (and the country) in `data` (code, name) and in `codes` (drawn without rows in `data`,
    as the index chart's line for the country), in code order, over region_scale()."""
    names = dict(zip(data["code"], data["name"]))
    shown = [c for c in REGION_DOMAIN if c in names or c in (codes or [])]
    names.setdefault(labels.COUNTRY_CODE, labels.COUNTRY_NAME)
    label = " : ".join(
        f"datum.value === {json.dumps(c)} ? {json.dumps(names.get(c, c), ensure_ascii=False)}" for c in shown
    )
    return alt.Legend(title=title, values=shown, labelExpr=f"{label} : datum.value" if shown else "datum.value")


class Figure:
    """A chart with notes and a CSV link, shown as one HTML block in a notebook and in the rendered report."""

    def __init__(
        self,
        chart: alt.TopLevelMixin,
        data: pd.DataFrame,
        filename: str,
        notes: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        self.chart, self.data, self.filename, self.notes = chart, dates(rounded(data)), filename, notes or []
        names = {**labels.COLUMN_LABELS, **(headers or {})}  # the CSV's Danish headers; chart keys left out
        self.headers = [[c, names.get(c, c)] for c in self.data.columns if c not in labels.CSV_DROPPED]

    def html(self) -> str:
        """Chart, notes and CSV link; the link gets the chart's own data set when the chart draws exactly these rows."""
        global _bundle_sent
        spec = self.chart.to_dict(
            validate=False
        )  # validating large specs took a tenth of a report; tests validate every chart
        rows = alt.utils.sanitize_pandas_dataframe(self.data).to_dict(
            orient="records"
        )  # as Altair turns a frame into values
        link = f"helpers-csv-{next(_ids)}"
        shared = next((name for name, values in spec.get("datasets", {}).items() if values == rows), None)
        csv = ({"link": link, "dataset": shared} if shared else {"link": link, "packed": packed_table(rows)}) | {
            "headers": self.headers
        }
        block = chart_html(spec, include_bundle=not _bundle_sent, csv=csv)
        _bundle_sent = True
        notes = "".join(_note_item(n) for n in self.notes)
        follow = NOTES_FOLLOW_PICKER if any(getattr(n, "group", None) for n in self.notes) else ""
        return (
            f'<figure class="helpers-figure">{block}<figcaption>'
            + (f'<ul class="notes">{notes}</ul>{follow}' if notes else "")
            + f'<a class="download" id="{link}" download="{escape(self.filename)}">Hent data (CSV)</a></figcaption></figure>'
        )

    def _repr_html_(self) -> str:
        return self.html()


# Notes that belong to one measure group (data-group = its Danish label) show only while the chart's drop-down
# (the Vega parameter "gruppe", see group_picker) has that group picked; notes without a group always show.
NOTES_FOLLOW_PICKER = """<script>(function () {
  var figure = document.currentScript.closest("figure"), chart = figure.querySelector(".helpers-chart");
  function follow(view) {
    function show(group) { figure.querySelectorAll("li[data-group]").forEach(function (li) { li.hidden = li.dataset.group !== group; }); }
    show(view.signal("gruppe"));
    view.addSignalListener("gruppe", function (name, group) { show(group); });
  }
  // the chart may have been drawn already (its promise can settle before this script runs)
  if (chart.vegaView) { follow(chart.vegaView); } else { chart.addEventListener("helpers-view", function (e) { follow(e.detail); }); }
})();</script>"""


def _note_item(note: object) -> str:
    """A note as a list item, tagged with its measure group when it has one."""
    group = getattr(note, "group", None)
    return f'<li data-group="{escape(group)}">{escape(str(note))}</li>' if group else f"<li>{escape(str(note))}</li>"


def dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns (datetimes at midnight) as ISO days, so a CSV download says 2024-09-30, not 2024-09-30T00:00:00."""
    days = [
        c
        for c in frame.select_dtypes("datetime").columns
        if (frame[c].dropna() == frame[c].dropna().dt.normalize()).all()
    ]
    return frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d") for c in days})


def rounded(frame: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """Float columns to `decimals` places: what a reader can use, and a page a tenth of the size."""
    floats = frame.select_dtypes("float").columns
    return frame.assign(**{c: frame[c].round(decimals) for c in floats})


def group_picker(data: pd.DataFrame, name: str = "gruppe", order: list[str] | None = None) -> alt.Parameter:
    """A drop-down of the measure groups in `data` (Danish labels, in `order` or sort_order; 'I alt' first shown)."""
    ordered = data.sort_values("sort_order", kind="stable") if "sort_order" in data else data
    labels = order or list(dict.fromkeys(ordered["label_da"]))
    default = "I alt" if "I alt" in labels else labels[0]
    return alt.param(name=name, value=default, bind=alt.binding_select(options=labels, name="Indsatsgruppe: "))


def _in_group(picker: alt.Parameter) -> alt.expr.core.Expression:
    return alt.datum.label_da == picker


def _reference_encoding(
    meanings: list[str], field: str = "line", title: str = "Linjer"
) -> tuple[alt.Color, alt.StrokeDash]:
    """Colour and dash of the reference lines `meanings` (keys of REFERENCE_STYLES) from their fixed styles, in one legend
    whose symbols are the lines as drawn."""
    legend = alt.Legend(
        orient="bottom", direction="horizontal", symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=500
    )
    colour = alt.Color(
        f"{field}:N",
        title=title,
        legend=legend,
        scale=alt.Scale(domain=meanings, range=[REFERENCE_STYLES[m]["colour"] for m in meanings]),
    )
    dash = alt.StrokeDash(
        f"{field}:N",
        title=title,
        legend=legend,
        scale=alt.Scale(domain=meanings, range=[REFERENCE_STYLES[m]["dash"] or [1, 0] for m in meanings]),
    )
    return colour, dash


def _tick_colour(meaning: str) -> alt.Color:
    """The colour of a tick on each bar (a key of REFERENCE_STYLES; the layer calculates the field `mark` as it), with a legend
    naming it and showing it upright, as drawn."""
    return alt.Color(
        "mark:N",
        title="Markering på søjlen",
        scale=alt.Scale(domain=[meaning], range=[REFERENCE_STYLES[meaning]["colour"]]),
        legend=alt.Legend(orient="bottom", symbolType="M-0.12,-1H0.12V1H-0.12Z", symbolSize=150),
    )


HIGHLIGHT_NOTE = "{name} er fremhævet med fed skrift og en sort kant om søjlen."


HIGHLIGHT_COLOUR = "#000000"


def _highlighted(name: str) -> tuple[dict, dict]:
    """The encodings that outline one municipality's bar (by name), and the y axis that sets its label in bold; both
    empty without a name, so a chart without a highlight is as before."""
    if not name:
        return {}, {}
    chosen = f"datum.value == {json.dumps(name, ensure_ascii=False)}"
    return (
        {
            "stroke": alt.condition(alt.datum.name == name, alt.value(HIGHLIGHT_COLOUR), alt.value(None)),
            "strokeWidth": alt.condition(alt.datum.name == name, alt.value(2.5), alt.value(0)),
        },
        {"axis": alt.Axis(labelFontWeight=alt.expr(f"{chosen} ? 'bold' : 'normal'"))},
    )


def municipal_bars(
    data: pd.DataFrame,
    lines: pd.DataFrame,
    value: str,
    title: str,
    axis: str,
    fmt: str = KR,
    peer: str | None = None,
    highlight: str = "",
) -> alt.LayerChart:
    """Horizontal bars per municipality for the picked measure group, with min/max/average lines and peer ticks.

    `data`: name, label_da, `value` (and `peer`); `lines`: label_da, line (a key of REFERENCE_STYLES), value. Every line and
    the peer tick are drawn in their fixed style (REFERENCE_STYLES) on a white halo, named in one legend under the chart.
    `highlight`: a municipality's name, its bar outlined and its label bold (HIGHLIGHT_NOTE says so under the chart).
    """
    unknown = set(lines["line"]) - set(REFERENCE_STYLES)
    assert not unknown, f"reference lines without a fixed style: {sorted(unknown)}; add them to charts.REFERENCE_STYLES"
    picker = group_picker(data)
    tooltip = [
        alt.Tooltip("name:N", title="Kommune"),
        alt.Tooltip("label_da:N", title="Indsatsgruppe"),
        alt.Tooltip(f"{value}:Q", title=axis, format=fmt),
    ]
    if peer:
        tooltip.append(alt.Tooltip(f"{peer}:Q", title=PEER_AVERAGE, format=fmt))
    meanings = [m for m in REFERENCE_STYLES if m in set(lines["line"])]
    colour, dash = _reference_encoding(meanings)
    # the figure's rows (its CSV link shares them), one source for every layer so the y sort holds
    base = (
        alt.Chart(rounded(data))
        .transform_filter(_in_group(picker))
        .transform_calculate(mark=json.dumps(PEER_AVERAGE, ensure_ascii=False))
    )
    marked, label = _highlighted(highlight)
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField(value, order="descending"), **label)
    bars = base.mark_bar(color=BAR_COLOUR).encode(
        y=y, x=alt.X(f"{value}:Q", title=axis, axis=alt.Axis(format=axis_format(fmt))), tooltip=tooltip, **marked
    )
    layers = [bars]
    if peer:
        style = REFERENCE_STYLES[PEER_AVERAGE]
        layers.append(
            base.mark_tick(thickness=style["width"], size=12).encode(
                y=y, x=f"{peer}:Q", color=_tick_colour(PEER_AVERAGE), tooltip=tooltip
            )
        )
    rules = alt.Chart(rounded(lines)).transform_filter(_in_group(picker))
    width = alt.StrokeWidth(
        "line:N", legend=None, scale=alt.Scale(domain=meanings, range=[REFERENCE_STYLES[m]["width"] for m in meanings])
    )
    halo = rules.mark_rule(color=HALO_COLOUR, strokeWidth=HALO_WIDTH, opacity=0.85).encode(
        x="value:Q"
    )  # shows on bars and background
    lines_layer = rules.mark_rule().encode(
        x="value:Q",
        color=colour,
        strokeDash=dash,
        strokeWidth=width,
        tooltip=[alt.Tooltip("line:N", title="Linje"), alt.Tooltip("value:Q", title=axis, format=fmt)],
    )
    layers += [halo, lines_layer]
    height = 16 * data["name"].nunique() + 20
    return (
        alt.layer(*layers)
        .add_params(picker)
        .resolve_scale(color="independent", strokeDash="independent")
        .properties(title=title, width=560, height=height)
    )


def change_bars(data: pd.DataFrame, value: str, title: str, axis: str, highlight: str = "") -> alt.Chart:
    """Bars of a change in percent per municipality (picked measure group), rises and falls in two colours;
    `highlight` as in municipal_bars."""
    picker = group_picker(data)
    marked, label = _highlighted(highlight)
    return (
        alt.Chart(rounded(data))
        .transform_filter(_in_group(picker))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort=alt.EncodingSortField(value, order="descending"), **label),
            **marked,
            x=alt.X(f"{value}:Q", title=axis, axis=alt.Axis(format=PCT_AXIS)),
            color=alt.condition(alt.datum[value] >= 0, alt.value("#b2182b"), alt.value("#2166ac")),
            tooltip=[
                alt.Tooltip("name:N", title="Kommune"),
                alt.Tooltip("label_da:N", title="Indsatsgruppe"),
                alt.Tooltip(f"{value}:Q", title=axis, format=PCT),
            ],
        )
        .add_params(picker)
        .properties(title=title, width=560, height=16 * data["name"].nunique() + 20)
    )


def region_index(data: pd.DataFrame, selected: str, title: str, axis: str) -> alt.LayerChart:
    """Each region's figure as an index of the whole country's (= 100) for every measure group; `selected` stands out.

    Regions in their fixed colours (REGION_COLOURS), the country's 100 as a line in the country's style."""
    tooltip = [
        alt.Tooltip("name:N", title="Område"),
        alt.Tooltip("label_da:N", title="Indsatsgruppe"),
        alt.Tooltip("value:Q", title=axis, format=KR),
        alt.Tooltip("index:Q", title="Indeks (hele landet = 100)", format=",.0f"),
    ]
    colour = alt.Color("code:N", scale=region_scale(), legend=region_legend(data, "Område", [labels.COUNTRY_CODE]))
    y = alt.Y("label_da:N", title=None, sort=alt.EncodingSortField("sort_order", order="ascending"))
    points = (
        alt.Chart(rounded(data))
        .mark_point(filled=True)
        .encode(
            y=y,
            x=alt.X(
                "index:Q",
                title="Indeks (hele landet = 100)",
                scale=alt.Scale(zero=False),
                axis=alt.Axis(format=KR_AXIS),
            ),
            color=colour,
            size=alt.condition(alt.datum.code == selected, alt.value(220), alt.value(60)),
            opacity=alt.condition(alt.datum.code == selected, alt.value(1.0), alt.value(0.7)),
            tooltip=tooltip,
        )
    )
    hundred = (
        alt.Chart(pd.DataFrame({"index": [100], "code": [labels.COUNTRY_CODE]}))
        .mark_rule(strokeDash=COUNTRY_DASH, strokeWidth=REFERENCE_STYLES[COUNTRY_AVERAGE]["width"])
        .encode(x="index:Q", color=colour)
    )
    return alt.layer(hundred, points).properties(title=title, width=560, height=26 * data["label_da"].nunique())


def development_lines(
    data: pd.DataFrame, value: str, selected: str, period: tuple[int, int], title: str, axis: str, fmt: str = KR
) -> alt.LayerChart:
    """A figure over the years for the regions and the whole country (picked measure group); the period shaded.

    Regions in their fixed colours (REGION_COLOURS), the country dashed; the report's region and the country drawn thick."""
    picker = group_picker(data)
    span = (
        alt.Chart(pd.DataFrame({"start": [period[0]], "end": [period[1]]}))
        .mark_rect(opacity=0.12, color="#0b4f6c")
        .encode(x="start:Q", x2="end:Q")
    )
    lines = (
        alt.Chart(rounded(data))
        .transform_filter(_in_group(picker))
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "year:Q", title="År", scale=alt.Scale(zero=False, nice=False), axis=alt.Axis(format="d", tickMinStep=1)
            ),
            y=alt.Y(f"{value}:Q", title=axis, axis=alt.Axis(format=axis_format(fmt))),
            color=alt.Color("code:N", scale=region_scale(), legend=region_legend(data, "Område")),
            strokeDash=alt.condition(alt.datum.code == labels.COUNTRY_CODE, alt.value(COUNTRY_DASH), alt.value([1, 0])),
            strokeWidth=alt.condition(
                (alt.datum.code == selected) | (alt.datum.code == labels.COUNTRY_CODE), alt.value(3.5), alt.value(1.5)
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Område"),
                alt.Tooltip("year:Q", title="År", format="d"),
                alt.Tooltip(f"{value}:Q", title=axis, format=fmt),
            ],
        )
    )
    return alt.layer(span, lines).add_params(picker).properties(title=title, width=560, height=300)


DECOMPOSITION_PARTS = {
    "user_share_pct": "Brugerandel",
    "unit_cost_pct": "Enhedsudgift",
    "population_mix_pct": "Befolkningssammensætning",
}
PART_COLOURS = ["#5b8db8", "#e08214", "#999999"]  # quantity, price, the rest: as the forecast's deviation parts


def decomposition_bars(data: pd.DataFrame, title: str, order: list[str] | None = None) -> alt.LayerChart:
    """Stacked parts of each municipality's change (user share, unit cost, population mix) with the total as a tick.

    `data`: one row per municipality and measure group with the parts as columns (DECOMPOSITION_PARTS) and change_pct;
    the chart folds the parts into bars itself, so it draws the same rows as the figure's CSV."""
    picker = group_picker(data, order=order)
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField("change_pct", order="descending"))
    tooltip = [
        alt.Tooltip("name:N", title="Kommune"),
        alt.Tooltip("part:N", title="Del"),
        alt.Tooltip("pct:Q", title="Bidrag, pct.", format=PCT),
        alt.Tooltip("change_pct:Q", title="Ændring i alt, pct.", format=PCT),
    ]
    *first, last = DECOMPOSITION_PARTS.values()
    part = "".join(
        f"datum.key == {json.dumps(k)} ? {json.dumps(v, ensure_ascii=False)} : "
        for k, v in zip(DECOMPOSITION_PARTS, first)
    )
    base = (
        alt.Chart(rounded(data))
        .transform_filter(_in_group(picker))
        .transform_fold(list(DECOMPOSITION_PARTS), as_=["key", "pct"])
        .transform_calculate(
            part=part + json.dumps(last, ensure_ascii=False),
            mark=json.dumps(TOTAL_CHANGE, ensure_ascii=False),
            part_order=f"indexof({json.dumps(list(DECOMPOSITION_PARTS))}, datum.key)",
        )
    )  # one source: the y sort holds
    parts = base.mark_bar().encode(
        y=y,
        x=alt.X("pct:Q", title="Bidrag til ændringen, pct.", axis=alt.Axis(format=PCT_AXIS)),
        color=alt.Color(
            "part:N", title="Del", scale=alt.Scale(domain=list(DECOMPOSITION_PARTS.values()), range=PART_COLOURS)
        ),
        order=alt.Order("part_order:Q"),
        tooltip=tooltip,
    )
    total = base.mark_tick(thickness=REFERENCE_STYLES[TOTAL_CHANGE]["width"], size=14).encode(
        y=y, x="change_pct:Q", color=_tick_colour(TOTAL_CHANGE), tooltip=tooltip
    )
    return (
        alt.layer(parts, total)
        .add_params(picker)
        .resolve_scale(color="independent")
        .properties(title=title, width=560, height=16 * data["name"].nunique() + 20)
    )


def funnel(points: pd.DataFrame, limits: pd.DataFrame, selected: str, title: str, axis: str) -> alt.LayerChart:
    """Users per 10,000 against the population they come from, with the country average and 95 % and 99,8 % control
    limits (picked group).

    `points`: a dot per municipality, `where` OTHER_MUNICIPALITIES or the label of the report's own (drawn in the colour
    of the region `selected`, or of the country); `limits`: user_population, limit (one line each), level (a key of
    REFERENCE_STYLES), value."""
    picker = group_picker(points)
    x = alt.X(
        "user_population:Q",
        title="Indbyggere i aldersgruppen (logaritmisk akse)",
        scale=alt.Scale(type="log"),
        axis=alt.Axis(format=KR_AXIS),
    )
    own = [w for w in dict.fromkeys(points["where"]) if w != OTHER_MUNICIPALITIES]
    where = [
        *own,
        *[OTHER_MUNICIPALITIES] * (OTHER_MUNICIPALITIES in set(points["where"])),
    ]  # none in the whole-country report
    dots = (
        alt.Chart(rounded(points))
        .transform_filter(_in_group(picker))
        .mark_circle(size=70, opacity=0.8)
        .encode(
            x=x,
            y=alt.Y("users_per_10000:Q", title=axis, axis=alt.Axis(format=RATE_AXIS)),
            color=alt.Color(
                "where:N",
                title="Kommuner",
                scale=alt.Scale(
                    domain=where, range=[REGION_COLOURS[selected]] * len(own) + [OTHER_COLOUR] * (len(where) - len(own))
                ),
                legend=alt.Legend(orient="bottom", direction="horizontal"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Kommune"),
                alt.Tooltip("user_population:Q", title="Indbyggere", format=",.0f"),
                alt.Tooltip("users_per_10000:Q", title=axis, format=RATE),
                alt.Tooltip("outside:N", title="Kontrolgrænser"),
            ],
        )
    )
    meanings = [m for m in REFERENCE_STYLES if m in set(limits["level"])]
    colour, dash = _reference_encoding(meanings, field="level")
    bands = (
        alt.Chart(rounded(limits[["label_da", "user_population", "limit", "level", "value"]]))
        .transform_filter(_in_group(picker))
        .mark_line()
        .encode(
            x=x,
            y="value:Q",
            detail="limit:N",
            color=colour,
            strokeDash=dash,
            strokeWidth=alt.StrokeWidth(
                "level:N",
                legend=None,
                scale=alt.Scale(domain=meanings, range=[REFERENCE_STYLES[m]["width"] for m in meanings]),
            ),
            tooltip=[alt.Tooltip("level:N", title="Linje"), alt.Tooltip("value:Q", title=axis, format=RATE)],
        )
    )
    return (
        alt.layer(dots, bands)
        .add_params(picker)
        .resolve_scale(  # the lines on top of the dots
            color="independent", strokeDash="independent"
        )
        .properties(title=title, width=560, height=360)
    )


# ---------------------------------------------------------------------------------------------------------------------
# Key-figure packs (reports/indicators.py): charts for politicians, on data already protected (small counts missing).


STATUS_COLOURS = {"Merforbrug": "#b2182b", "På budget": "#8c8c8c", "Mindreforbrug": "#2166ac"}  # the packs' statuses


def result_against_budget(data: pd.DataFrame, title: str) -> alt.FacetChart:
    """Per sub-area the expected result (bar, coloured by its status: red merforbrug, grey på budget, blue mindreforbrug)
    against the budget (black tick), one panel per area with the area's name above it; narrow enough for a tablet in
    portrait. `data`: area, label, budget, expected_result, deviation (mio. kr.) and status (a key of STATUS_COLOURS)."""
    tooltip = [
        alt.Tooltip("area:N", title="Område"),
        alt.Tooltip("label:N", title="Delområde"),
        alt.Tooltip("expected_result:Q", title="Forventet regnskab, mio. kr.", format=MIO),
        alt.Tooltip("budget:Q", title="Budget, mio. kr.", format=MIO),
        alt.Tooltip("deviation:Q", title="Afvigelse (+ = merforbrug), mio. kr.", format="+,.1f"),
        alt.Tooltip("status:N", title="Vurdering"),
    ]
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("deviation", order="descending"))
    statuses = [s for s in STATUS_COLOURS if s in set(data["status"])]
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("expected_result:Q", title="Mio. kr.", axis=alt.Axis(format=MIO_AXIS)),
            color=alt.Color(
                "status:N",
                title="Forventet regnskab",
                scale=alt.Scale(domain=statuses, range=[STATUS_COLOURS[s] for s in statuses]),
                legend=alt.Legend(orient="bottom", direction="horizontal"),
            ),
            tooltip=tooltip,
        )
    )
    ticks = alt.Chart().mark_tick(color="#1d2733", thickness=2.5, size=16).encode(y=y, x="budget:Q", tooltip=tooltip)
    return (
        alt.layer(bars, ticks, data=rounded(data))
        .properties(width=360, height=alt.Step(20))
        .facet(
            row=alt.Row(
                "area:N",
                title=None,
                header=alt.Header(labelAngle=0, labelOrient="top", labelAnchor="start", labelFontWeight="bold"),
                sort=list(dict.fromkeys(data["area"])),
            )
        )
        .resolve_scale(y="independent")
        .properties(title=title)
    )


def recipients_over_time(data: pd.DataFrame, title: str, areas: list[str]) -> alt.Chart:
    """Recipients on each snapshot day per area (lines with points). `data`: area, date (ISO day), recipients (missing
    where the count is hidden: the line has a gap, the area keeps its colour and legend entry)."""
    return (
        alt.Chart(rounded(data))
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Opgjort den", axis=alt.Axis(format=VEGA_MONTH, labelAngle=0)),
            y=alt.Y("recipients:Q", title="Modtagere", axis=alt.Axis(**COUNT_AXIS)),
            color=alt.Color(
                "area:N", title="Område", scale=alt.Scale(domain=areas), legend=alt.Legend(orient="bottom")
            ),
            tooltip=[
                alt.Tooltip("area:N", title="Område"),
                alt.Tooltip("date:T", title="Opgjort den", format="%d.%m.%Y"),
                alt.Tooltip("recipients:Q", title="Modtagere", format=",.0f"),
            ],
        )
        .properties(title=title, width=560, height=260)
    )
