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

RENDERER = "helpers_offline"
EMBED_OPTIONS = {
    "formatLocale": vlc.get_format_locale("da-DK"),
    "timeFormatLocale": vlc.get_time_format_locale("da-DK"),
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
    "renderer": "svg",
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

    `csv`: {"link": id of the <a> whose href gets rows as CSV, and "dataset": the name of a data set in `spec`, or
    "packed": rows of their own (`packed_table`)}."""
    div = f"helpers-chart-{next(_ids)}"
    spec = dict(spec)
    datasets = {name: packed_table(values) for name, values in spec.pop("datasets", {}).items()}
    args = [json.dumps(f"#{div}"), json.dumps(spec, ensure_ascii=False, separators=(",", ":")), json.dumps(datasets),
            json.dumps(EMBED_OPTIONS), json.dumps(csv, ensure_ascii=False)]
    script = "<script>helpersChart(" + ", ".join(args).replace("</", "<\\/") + ");</script>"  # no early </script>
    head = loader_html() if include_bundle else ""
    return f'{head}<div id="{div}" class="helpers-chart"></div>{script}'


def _render(spec: dict, **_: object) -> dict:
    """Altair renderer: the bundle with the first chart of the kernel, then only div + call."""
    global _bundle_sent
    html = chart_html(spec, include_bundle=not _bundle_sent)
    _bundle_sent = True
    return {"text/html": html}


def enable() -> None:
    """Use the offline renderer and Danish formats for every chart from here on (call once per notebook)."""
    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    alt.data_transformers.disable_max_rows()  # data is aggregated in DuckDB before it is charted


# ---------------------------------------------------------------------------------------------------------------------
# Report figures: one chart, its notes (who is left out and why) and its data as a CSV download.

KR = ",.0f"
RATE = ",.1f"
PCT = "+,.1f"
PCT_AXIS = "+,.0f"


class Figure:
    """A chart with notes and a CSV link, shown as one HTML block in a notebook and in the rendered report."""

    def __init__(self, chart: alt.TopLevelMixin, data: pd.DataFrame, filename: str, notes: list[str] | None = None,
                 headers: dict[str, str] | None = None):
        self.chart, self.data, self.filename, self.notes = chart, rounded(data), filename, notes or []
        names = {**labels.COLUMN_LABELS, **(headers or {})}  # the CSV's Danish headers; chart keys left out
        self.headers = [[c, names.get(c, c)] for c in self.data.columns if c not in labels.CSV_DROPPED]

    def html(self) -> str:
        """Chart, notes and CSV link; the link gets the chart's own data set when the chart draws exactly these rows."""
        global _bundle_sent
        spec = self.chart.to_dict(validate=False)  # validating large specs took a tenth of a report; tests validate every chart
        rows = alt.utils.sanitize_pandas_dataframe(self.data).to_dict(orient="records")  # as Altair turns a frame into values
        link = f"helpers-csv-{next(_ids)}"
        shared = next((name for name, values in spec.get("datasets", {}).items() if values == rows), None)
        csv = ({"link": link, "dataset": shared} if shared else {"link": link, "packed": packed_table(rows)}) | {"headers": self.headers}
        block = chart_html(spec, include_bundle=not _bundle_sent, csv=csv)
        _bundle_sent = True
        notes = "".join(_note_item(n) for n in self.notes)
        follow = NOTES_FOLLOW_PICKER if any(getattr(n, "group", None) for n in self.notes) else ""
        return (f'<figure class="helpers-figure">{block}<figcaption>'
                + (f'<ul class="notes">{notes}</ul>{follow}' if notes else "")
                + f'<a class="download" id="{link}" download="{escape(self.filename)}">Hent data (CSV)</a></figcaption></figure>')

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


def municipal_bars(data: pd.DataFrame, lines: pd.DataFrame, value: str, title: str, axis: str, fmt: str = KR,
                   peer: str | None = None) -> alt.LayerChart:
    """Horizontal bars per municipality for the picked measure group, with min/max/average lines and peer ticks.

    `data`: name, label_da, `value` (and `peer`); `lines`: label_da, line (Danish name of the line), value.
    """
    picker = group_picker(data)
    tooltip = [alt.Tooltip("name:N", title="Kommune"), alt.Tooltip("label_da:N", title="Indsatsgruppe"),
               alt.Tooltip(f"{value}:Q", title=axis, format=fmt)]
    if peer:
        tooltip.append(alt.Tooltip(f"{peer}:Q", title="Gns. sammenlignelige kommuner", format=fmt))
    base = alt.Chart(rounded(data)).transform_filter(_in_group(picker))  # the figure's rows: its CSV link shares them
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField(value, order="descending"))
    bars = base.mark_bar(color="#5b8db8").encode(y=y, x=alt.X(f"{value}:Q", title=axis, axis=alt.Axis(format=fmt)), tooltip=tooltip)
    layers = [bars]
    if peer:
        layers.append(base.mark_tick(color="#1d2733", thickness=2, size=12).encode(y=y, x=f"{peer}:Q", tooltip=tooltip))
    rules = alt.Chart(rounded(lines)).transform_filter(_in_group(picker)).mark_rule(strokeDash=[5, 3], strokeWidth=1.5).encode(
        x="value:Q",
        color=alt.Color("line:N", title="Linjer", scale=alt.Scale(range=["#b2182b", "#2166ac", "#4d4d4d", "#1b7837"])),
        tooltip=[alt.Tooltip("line:N", title="Linje"), alt.Tooltip("value:Q", title=axis, format=fmt)])
    layers.append(rules)
    height = 16 * data["name"].nunique() + 20
    return alt.layer(*layers).add_params(picker).properties(title=title, width=560, height=height)


def change_bars(data: pd.DataFrame, value: str, title: str, axis: str) -> alt.Chart:
    """Bars of a change in percent per municipality (picked measure group), rises and falls in two colours."""
    picker = group_picker(data)
    return alt.Chart(rounded(data)).transform_filter(_in_group(picker)).mark_bar().encode(
        y=alt.Y("name:N", title=None, sort=alt.EncodingSortField(value, order="descending")),
        x=alt.X(f"{value}:Q", title=axis, axis=alt.Axis(format=PCT_AXIS)),
        color=alt.condition(alt.datum[value] >= 0, alt.value("#b2182b"), alt.value("#2166ac")),
        tooltip=[alt.Tooltip("name:N", title="Kommune"), alt.Tooltip("label_da:N", title="Indsatsgruppe"),
                 alt.Tooltip(f"{value}:Q", title=axis, format=PCT)],
    ).add_params(picker).properties(title=title, width=560, height=16 * data["name"].nunique() + 20)


def region_index(data: pd.DataFrame, selected: str, title: str, axis: str) -> alt.LayerChart:
    """Each region's figure as an index of the whole country's (= 100) for every measure group; `selected` stands out."""
    tooltip = [alt.Tooltip("name:N", title="Område"), alt.Tooltip("label_da:N", title="Indsatsgruppe"),
               alt.Tooltip("value:Q", title=axis, format=KR), alt.Tooltip("index:Q", title="Indeks (hele landet = 100)", format=",.0f")]
    y = alt.Y("label_da:N", title=None, sort=alt.EncodingSortField("sort_order", order="ascending"))
    points = alt.Chart(rounded(data)).mark_point(filled=True).encode(
        y=y, x=alt.X("index:Q", title="Indeks (hele landet = 100)", scale=alt.Scale(zero=False), axis=alt.Axis(format=",.0f")),
        color=alt.Color("name:N", title="Region"),
        size=alt.condition(alt.datum.code == selected, alt.value(220), alt.value(60)),
        opacity=alt.condition(alt.datum.code == selected, alt.value(1.0), alt.value(0.55)),
        tooltip=tooltip)
    hundred = alt.Chart(pd.DataFrame({"index": [100]})).mark_rule(color="#4d4d4d", strokeDash=[4, 3]).encode(x="index:Q")
    return alt.layer(hundred, points).properties(title=title, width=560, height=26 * data["label_da"].nunique())


def development_lines(data: pd.DataFrame, value: str, selected: str, period: tuple[int, int], title: str, axis: str, fmt: str = KR) -> alt.LayerChart:
    """A figure over the years for the regions and the whole country (picked measure group); the period shaded."""
    picker = group_picker(data)
    span = alt.Chart(pd.DataFrame({"start": [period[0]], "end": [period[1]]})).mark_rect(opacity=0.12, color="#0b4f6c").encode(
        x="start:Q", x2="end:Q")
    lines = alt.Chart(rounded(data)).transform_filter(_in_group(picker)).mark_line(point=True).encode(
        x=alt.X("year:Q", title="År", scale=alt.Scale(zero=False, nice=False), axis=alt.Axis(format="d", tickMinStep=1)),
        y=alt.Y(f"{value}:Q", title=axis, axis=alt.Axis(format=fmt)),
        color=alt.Color("name:N", title="Område"),
        strokeWidth=alt.condition((alt.datum.code == selected) | (alt.datum.code == labels.COUNTRY_CODE), alt.value(3.5), alt.value(1.2)),
        tooltip=[alt.Tooltip("name:N", title="Område"), alt.Tooltip("year:Q", title="År", format="d"),
                 alt.Tooltip(f"{value}:Q", title=axis, format=fmt)])
    return alt.layer(span, lines).add_params(picker).properties(title=title, width=560, height=300)


DECOMPOSITION_PARTS = {"user_share_pct": "Brugerandel", "unit_cost_pct": "Enhedsudgift", "population_mix_pct": "Befolkningssammensætning"}


def decomposition_bars(data: pd.DataFrame, title: str, order: list[str] | None = None) -> alt.LayerChart:
    """Stacked parts of each municipality's change (user share, unit cost, population mix) with the total as a tick.

    `data`: one row per municipality and measure group with the parts as columns (DECOMPOSITION_PARTS) and change_pct;
    the chart folds the parts into bars itself, so it draws the same rows as the figure's CSV."""
    picker = group_picker(data, order=order)
    y = alt.Y("name:N", title=None, sort=alt.EncodingSortField("change_pct", order="descending"))
    tooltip = [alt.Tooltip("name:N", title="Kommune"), alt.Tooltip("part:N", title="Del"),
               alt.Tooltip("pct:Q", title="Bidrag, pct.", format=PCT), alt.Tooltip("change_pct:Q", title="Ændring i alt, pct.", format=PCT)]
    *first, last = DECOMPOSITION_PARTS.values()
    part = "".join(f"datum.key == {json.dumps(k)} ? {json.dumps(v, ensure_ascii=False)} : " for k, v in zip(DECOMPOSITION_PARTS, first))
    base = alt.Chart(rounded(data)).transform_filter(_in_group(picker)).transform_fold(list(DECOMPOSITION_PARTS), as_=["key", "pct"]) \
        .transform_calculate(part=part + json.dumps(last, ensure_ascii=False))  # both layers one source: the y sort holds
    parts = base.mark_bar().encode(y=y, x=alt.X("pct:Q", title="Bidrag til ændringen, pct.", axis=alt.Axis(format=PCT_AXIS)),
                                   color=alt.Color("part:N", title="Del", scale=alt.Scale(range=["#5b8db8", "#e08214", "#999999"])),
                                   tooltip=tooltip)
    total = base.mark_tick(color="#1d2733", thickness=2, size=14).encode(y=y, x="change_pct:Q", tooltip=tooltip)
    return alt.layer(parts, total).add_params(picker).properties(title=title, width=560, height=16 * data["name"].nunique() + 20)


def funnel(points: pd.DataFrame, limits: pd.DataFrame, title: str, axis: str) -> alt.LayerChart:
    """Users per 10,000 against the population they come from, with 95 % and 99,8 % control limits (picked group)."""
    picker = group_picker(points)
    x = alt.X("user_population:Q", title="Indbyggere i aldersgruppen (logaritmisk akse)", scale=alt.Scale(type="log"), axis=alt.Axis(format=",.0f"))
    dots = alt.Chart(rounded(points)).transform_filter(_in_group(picker)).mark_circle(size=70).encode(
        x=x, y=alt.Y("users_per_10000:Q", title=axis, axis=alt.Axis(format=RATE)),
        color=alt.Color("where:N", title="Kommuner", scale=alt.Scale(range=["#b2182b", "#bbbbbb"])),
        tooltip=[alt.Tooltip("name:N", title="Kommune"), alt.Tooltip("user_population:Q", title="Indbyggere", format=",.0f"),
                 alt.Tooltip("users_per_10000:Q", title=axis, format=RATE), alt.Tooltip("outside:N", title="Kontrolgrænser")])
    bands = alt.Chart(rounded(limits[["label_da", "user_population", "limit", "level", "value"]])).transform_filter(_in_group(picker)).mark_line(strokeDash=[4, 3]).encode(
        x=x, y="value:Q", detail="limit:N",
        color=alt.Color("level:N", title="Kontrolgrænse", scale=alt.Scale(range=["#4d4d4d", "#1b7837", "#999999"])),
        tooltip=[alt.Tooltip("level:N", title="Kontrolgrænse"), alt.Tooltip("value:Q", title=axis, format=RATE)])
    return alt.layer(bands, dots).add_params(picker).resolve_scale(color="independent").properties(title=title, width=560, height=360)


# ---------------------------------------------------------------------------------------------------------------------
# Key-figure packs (reports/indicators.py): charts for politicians, on data already protected (small counts missing).

MIO = ",.1f"


def result_against_budget(data: pd.DataFrame, title: str) -> alt.FacetChart:
    """Per sub-area the expected result (bar, red where it overruns the budget) against the budget (black tick), one
    panel per area. `data`: area, label, budget, expected_result, deviation (mio. kr.) and status (Danish: merforbrug or
    mindreforbrug/ingen afvigelse)."""
    tooltip = [alt.Tooltip("area:N", title="Område"), alt.Tooltip("label:N", title="Delområde"),
               alt.Tooltip("expected_result:Q", title="Forventet regnskab, mio. kr.", format=MIO),
               alt.Tooltip("budget:Q", title="Budget, mio. kr.", format=MIO),
               alt.Tooltip("deviation:Q", title="Afvigelse (+ = merforbrug), mio. kr.", format="+,.1f")]
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("deviation", order="descending"))
    statuses = list(dict.fromkeys(data["status"]))
    colours = {"Merforbrug": "#b2182b"}
    bars = alt.Chart().mark_bar().encode(
        y=y, x=alt.X("expected_result:Q", title="Mio. kr.", axis=alt.Axis(format=",.0f")),
        color=alt.Color("status:N", title="Forventet regnskab", scale=alt.Scale(domain=statuses,
                                                                               range=[colours.get(s, "#5b8db8") for s in statuses])),
        tooltip=tooltip)
    ticks = alt.Chart().mark_tick(color="#1d2733", thickness=2.5, size=16).encode(y=y, x="budget:Q", tooltip=tooltip)
    return alt.layer(bars, ticks, data=rounded(data)).properties(width=520, height=alt.Step(20)).facet(
        row=alt.Row("area:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold"),
                    sort=list(dict.fromkeys(data["area"])))
    ).resolve_scale(y="independent").properties(title=title)


def recipients_over_time(data: pd.DataFrame, title: str, areas: list[str]) -> alt.Chart:
    """Recipients on each snapshot day per area (lines with points). `data`: area, date (ISO day), recipients (missing
    where the count is hidden: the line has a gap, the area keeps its colour and legend entry)."""
    return alt.Chart(rounded(data)).mark_line(point=True).encode(
        x=alt.X("date:T", title="Opgjort den", axis=alt.Axis(format="%b %Y", labelAngle=0)),
        y=alt.Y("recipients:Q", title="Modtagere", axis=alt.Axis(format=",.0f")),
        color=alt.Color("area:N", title="Område", scale=alt.Scale(domain=areas)),
        tooltip=[alt.Tooltip("area:N", title="Område"), alt.Tooltip("date:T", title="Opgjort den", format="%d.%m.%Y"),
                 alt.Tooltip("recipients:Q", title="Modtagere", format=",.0f")],
    ).properties(title=title, width=560, height=260)
