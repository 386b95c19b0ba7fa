"""The analyst explorer (notebooks/explore.ipynb): widgets that drive a chart and a table from the warehouse.

The data of both areas are read once (one query, both price bases), the data-quality findings once and peer groups
once per year; every widget change filters in memory and redraws once, so the chart and table follow in well under
half a second. `Explorer.state()`, `frame()`, `table()`, `notes()` and `chart()` are plain functions of the widget
values, which is how the tests drive it.

The chart is shown with JupyterLab's own Vega-Lite renderer (a MIME bundle), not with the script the HTML reports
inject: a bundle is drawn again after a browser reload or when the notebook is opened anew, a script sent once per
kernel is not.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path

import altair as alt
import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, display

from helpers import labels, paths
from helpers.analysis.benchmark import pooled
from helpers.analysis.peers import peer_groups
from helpers.render import charts
from helpers.render.batch import data_vintage
from helpers.render.formats import danish_key, format_number
from helpers.render.tables import danish_table
from helpers.reports.benchmark.exclusions import COMPLEMENT_REASON, SMALL_REASON
from helpers.warehouse import marts

FIGURES = labels.FIGURE_LABELS_LONG
AREAS = labels.AREA_LABELS
SELECTIONS = {
    "region": "Kommunerne i regionen",
    "chosen": "Valgte kommuner",
    "peers": "Fremhævet kommune og dens sammenlignelige",
}
VEGA_LITE = (
    "application/vnd.vegalite.v5+json"  # the newest Vega-Lite JupyterLab 4.6 draws itself (@jupyterlab/vega5-extension)
)
VIEWS = {"lines": "Udvikling over årene", "ranking": "Rangering"}
HIGHLIGHT_COLOUR, OTHER_COLOUR, FLAG_COLOUR = "#b2182b", "#8c9aa6", "#e08214"
AVERAGE_COLOUR = charts.REFERENCE_STYLES[charts.REGION_AVERAGE]["colour"]
LABELLED_LINES = 8  # up to this many lines every line is named at its end; above, the one under the pointer
PROTECTION_REASONS = {"small": SMALL_REASON, "complement": COMPLEMENT_REASON}
STOPPED = (  # shown in place of the explorer when its kernel is gone (hidden by CSS while the explorer is live)
    "Udforskeren kører ikke: kernen er stoppet eller genstartet, eller notesbogen er åbnet på ny. "
    "Kør alle celler (Run > Run All Cells) for at starte den igen."
)
LEFT_OUT = {"impossible"}  # findings whose value is not shown (as in the reports); the others are shown and marked
USERS_FINDINGS = {"missing_users"}  # findings that concern only the figures built on users
BENCHMARK_KINDS = ("population", "expenditure", "users", "price_index")  # the extracts the key figures come from


def unit(area: str, figure: str) -> str:
    """What a figure is counted in: 'kr. pr. 0-22-årig', 'brugere pr. 10.000 0-17-årige', 'kr. pr. bruger'."""
    text = labels.AREA_TEXT[area]
    return {
        "expenditure_per_inhabitant": f"kr. {text['per']}",
        "users_per_10000": f"brugere pr. 10.000 {text['user_population']}",
        "unit_cost": "kr. pr. bruger",
    }[figure]


def file_name(text: str) -> str:
    """`text` as a file name any system accepts (no / \\ : * ? " < > |), spaces kept."""
    return " ".join(re.sub(r'[/\\:*?"<>|]', "-", text).split())


class Explorer:
    """Controls: area, key figure, measure group, years, prices, region, municipalities or peers, highlight; a chart, a table, export."""

    def __init__(self, out_dir: str | Path | None = None):
        self._data, self._regions = self._read_areas()
        self._findings = marts.findings(with_municipality=True)
        self._peers: dict[int, pd.DataFrame] = {}
        self._memo: dict[
            str, tuple[str, pd.DataFrame]
        ] = {}  # frames of the current widget values, made once per change
        self._quiet = False  # set while one change moves several controls, so the redraw happens once
        lo, hi = marts.benchmark_years()
        self.municipalities = marts.municipalities()
        self._names = dict(zip(self.municipalities["municipality_code"], self.municipalities["municipality_name"]))
        regions = marts.regions()
        names = sorted(
            ((n, c) for c, n in self._names.items()), key=lambda item: danish_key(item[0])
        )  # Aabenraa with Å, last
        style = {"description_width": "7rem"}
        wide = {"width": "26rem"}
        self.area = widgets.Dropdown(
            options=[(v, k) for k, v in AREAS.items()], description="Område", style=style, layout=wide
        )
        self.figure = widgets.Dropdown(
            options=[(v, k) for k, v in FIGURES.items()], description="Nøgletal", style=style, layout=wide
        )
        self.group = widgets.Dropdown(description="Indsatsgruppe", style=style, layout=wide)
        self.years = widgets.IntRangeSlider(
            min=lo, max=hi, value=(max(lo, hi - 6), hi), description="År", style=style, layout=wide
        )
        self.prices = widgets.ToggleButtons(
            options=[("Løbende priser", "current"), (f"Faste {hi}-priser", "fixed")],
            description="Priser",
            style=style | {"button_width": "9.5rem"},
        )
        self.prices.add_class("widget-inline-hbox")  # label beside the buttons, as for the drop-downs
        self.region = widgets.Dropdown(
            options=[(labels.COUNTRY_NAME, labels.COUNTRY_CODE)]
            + list(zip(regions["region_name"], regions["region_code"])),
            value="085",
            description="Region",
            style=style,
            layout=wide,
        )
        self.selection = widgets.RadioButtons(
            options=[(v, k) for k, v in SELECTIONS.items()], description="Kommuner", style=style, layout=wide
        )
        self.chosen = widgets.SelectMultiple(options=names, rows=8, description="Valgte", style=style, layout=wide)
        self.highlight = widgets.Dropdown(
            options=[("(ingen)", "")] + names, description="Fremhæv", style=style, layout=wide
        )
        self.view = widgets.ToggleButtons(
            options=[(v, k) for k, v in VIEWS.items()],
            description="Visning",
            style=style | {"button_width": "9.5rem"},
        )
        self.view.add_class("widget-inline-hbox")
        self.folder = widgets.Text(
            value=str(out_dir if out_dir is not None else paths.ROOT / "reports" / "explore"),
            description="Gem i mappe",
            style=style,
            layout={"width": "34rem"},
        )
        self.export = widgets.Button(
            description="Eksportér tabel (XLSX og CSV)", icon="download", layout={"width": "18rem", "flex": "0 0 auto"}
        )
        self.message = widgets.HTML()
        self.output = widgets.Output()
        self._update_groups()
        self.area.observe(lambda _: self._update_groups(), names="value")
        for control in (
            self.view,
            self.figure,
            self.group,
            self.years,
            self.prices,
            self.region,
            self.selection,
            self.chosen,
            self.highlight,
        ):
            control.observe(lambda _: self.refresh(), names="value")
        self.export.on_click(lambda _: self._export_clicked())
        self.selection.observe(lambda _: self._enable_choice(), names="value")
        self.figure.observe(lambda _: self._enable_prices(), names="value")
        self._enable_choice()
        self._enable_prices()

    # -- data -----------------------------------------------------------------------------------------------------------

    @property
    def out_dir(self) -> Path:
        """The export folder typed under 'Gem i mappe' (a relative one from the notebook's folder)."""
        return Path(self.folder.value.strip()).expanduser()

    @staticmethod
    def _read_areas() -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
        """Every municipality and region, year and measure group of both areas, current and fixed prices, with counts
        under 5 protected as on the benchmark pages (marts.key_figures_all): {area: municipalities}, {area: regions}."""
        municipal, regions = marts.key_figures_all()

        def split(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
            return {a: rows.drop(columns="area").reset_index(drop=True) for a, rows in frame.groupby("area", sort=True)}

        return split(municipal), split(regions)

    def _update_groups(self) -> None:
        """The measure groups of the chosen area, 'I alt' selected, then one redraw."""
        groups = (
            self._data[self.area.value][["measure_group", "label_da", "sort_order"]]
            .drop_duplicates()
            .sort_values("sort_order")
        )
        self._quiet = True
        try:
            self.group.options = list(zip(groups["label_da"], groups["measure_group"]))
            self.group.value = labels.TOTAL_GROUP
        finally:
            self._quiet = False
        self.refresh()

    def _enable_choice(self) -> None:
        """The list of municipalities is only live when the selection is 'chosen municipalities'."""
        self.chosen.disabled = self.selection.value != "chosen"

    def _enable_prices(self) -> None:
        """Prices only matter for kroner: the toggle is off for users per 10,000 (a count)."""
        self.prices.disabled = self.figure.value == "users_per_10000"

    def _peer_groups(self, year: int) -> pd.DataFrame:
        """Peer groups of a year, computed once per year."""
        if year not in self._peers:
            self._peers[year] = peer_groups(marts.peer_features(year))
        return self._peers[year]

    def state(self) -> dict:
        """The widget values as plain data (what a test sets and what the export records)."""
        return {
            "view": self.view.value,
            "area": self.area.value,
            "figure": self.figure.value,
            "measure_group": self.group.value,
            "years": tuple(self.years.value),
            "prices": self.prices.value,
            "region": self.region.value,
            "selection": self.selection.value,
            "chosen": list(self.chosen.value),
            "highlight": self.highlight.value,
        }

    def _label(self, control: widgets.Widget) -> str:
        """The Danish label of a control's current value."""
        return dict((v, k) for k, v in control.options)[control.value]

    def _shown(self) -> tuple[str, list[str], list[str]]:
        """Which municipalities are shown: the effective selection ('region' when a mode falls back to it), their codes,
        and a note for each fallback."""
        s, notes = self.state(), []
        region = self._label(self.region)
        if s["selection"] == "chosen" and not s["chosen"]:
            notes.append(f"Ingen kommuner valgt under 'Valgte': viser kommunerne i {region} i stedet.")
        elif s["selection"] == "peers" and not s["highlight"]:
            notes.append(
                f"Ingen kommune valgt under 'Fremhæv', så der er ingen sammenlignelige at vise: viser kommunerne i {region} i stedet."
            )
        elif s["selection"] == "chosen":
            return "chosen", sorted(s["chosen"]), notes
        elif s["selection"] == "peers":
            peers = self._peer_groups(s["years"][1])
            return (
                "peers",
                sorted([s["highlight"], *peers.loc[peers["municipality_code"] == s["highlight"], "peer_code"]]),
                notes,
            )
        m = self.municipalities
        codes = (
            m["municipality_code"]
            if s["region"] == labels.COUNTRY_CODE
            else m.loc[m["region_code"] == s["region"], "municipality_code"]
        )
        return "region", sorted(codes), notes

    def codes(self) -> list[str]:
        """The municipalities shown: the region's, the chosen ones, or the highlighted one and its peers."""
        return self._shown()[1]

    def _column(self) -> str:
        s = self.state()
        return s["figure"] + ("_fixed" if s["prices"] == "fixed" and s["figure"] != "users_per_10000" else "")

    def _once(self, name: str, make) -> pd.DataFrame:
        """`make()` once for the current widget values: chart, notes and table of one redraw share their frames."""
        key = repr(self.state())
        if self._memo.get(name, ("",))[0] != key:
            self._memo[name] = (key, make())
        return self._memo[name][1]

    def _rows(self) -> pd.DataFrame:
        """The warehouse rows of the shown municipalities, measure group and years, with the figure as `value`."""
        return self._once("rows", self._make_rows)

    def _make_rows(self) -> pd.DataFrame:
        s = self.state()
        data = self._data[s["area"]]
        rows = data[
            (data["measure_group"] == s["measure_group"])
            & data["year"].between(*s["years"])
            & data["code"].isin(self.codes())
        ]
        return rows.assign(value=rows[self._column()])

    def _flags(self) -> pd.DataFrame:
        """The data-quality findings on the shown values: code, year, finding, description."""
        return self._once("flags", self._make_flags)

    def _make_flags(self) -> pd.DataFrame:
        s, f = self.state(), self._findings
        hits = f[
            (f["area"] == s["area"])
            & (f["measure_group"] == s["measure_group"])
            & f["year"].between(*s["years"])
            & f["municipality_code"].isin(self.codes())
        ]
        if s["figure"] == "expenditure_per_inhabitant":
            hits = hits[~hits["finding"].isin(USERS_FINDINGS)]
        return hits.assign(year=hits["year"].astype(int)).rename(columns={"municipality_code": "code"})

    def frame(self) -> pd.DataFrame:
        """The long frame behind chart and table: code, name, year, value, flagged. Left out: values hidden to protect
        counts under 5 (as on the benchmark pages) and values the checks found impossible (each with a note)."""
        return self._once("frame", self._make_frame)

    def _make_frame(self) -> pd.DataFrame:
        rows = self._rows()
        flags = self._flags()
        keys = list(zip(rows["code"], rows["year"]))
        left = flags[flags["finding"].isin(LEFT_OUT)]
        out_keys = set(zip(left["code"], left["year"]))
        marked = set(zip(flags["code"], flags["year"])) - out_keys
        left_out = pd.Series([k in out_keys for k in keys], index=rows.index, dtype=bool)
        out = rows.assign(flagged=[k in marked for k in keys]).loc[
            ~left_out, ["code", "name", "year", "value", "flagged"]
        ]
        return out[out["value"].notna()].reset_index(drop=True)

    def notes(self) -> list[str]:
        """What the reader must know about the chart and table: a mode that fell back to the region, a highlight not
        among the shown municipalities, and every value the checks flagged (marked or left out, with the reason)."""
        s = self.state()
        _, codes, notes = self._shown()
        if s["highlight"] and s["highlight"] not in codes:
            notes.append(
                f"{self._names[s['highlight']]} (fremhævet) hører ikke til de viste kommuner og er ikke i figuren."
            )
        rows = self._rows()
        values = rows.set_index(["code", "year"])["value"]
        figure, what = FIGURES[s["figure"]].lower(), unit(s["area"], s["figure"])
        for r in self._flags().itertuples():
            value = values.get((r.code, r.year))
            if value is None or pd.isna(value):
                notes.append(f"{r.description} – ikke i figur og tabel (tallet mangler).")
            elif r.finding in LEFT_OUT:
                notes.append(f"{r.description} – udeladt af figur og tabel: {figure} {format_number(value)} {what}.")
            else:
                notes.append(f"{r.description} – vist, markeret med en ring i figuren og farve i tabellen.")
        if s["figure"] != "expenditure_per_inhabitant":
            hidden = rows[rows["protection"] != ""]
            notes += [
                f"{name} {', '.join(str(y) for y in sorted(part['year']))}: {PROTECTION_REASONS[why]}."
                for (name, why), part in hidden.groupby(["name", "protection"], sort=False)
            ]
        return notes

    # -- the average line and the ranking ------------------------------------------------------------------------------

    def average_label(self) -> str:
        """What the average line is: the region's or the country's figure, or the shown municipalities' own average."""
        which = self._shown()[0]
        if which != "region":
            return "Gennemsnit for de viste kommuner"
        if self.region.value == labels.COUNTRY_CODE:
            return charts.COUNTRY_AVERAGE
        return f"Gennemsnit i {self._label(self.region)}"

    def average(self) -> pd.DataFrame:
        """The average line per year (year, value): for a region or the country its figure as the benchmark pages draw it
        (sums over all its municipalities, mart_benchmark_region); for chosen municipalities or a peer group sums over
        sums of the values shown (what is hidden or left out is not in it, so it can be worked out from the table)."""
        return self._once("average", self._make_average)

    def _make_average(self) -> pd.DataFrame:
        s = self.state()
        if self._shown()[0] == "region":
            regions = self._regions[s["area"]]
            rows = regions[
                (regions["code"] == s["region"])
                & (regions["measure_group"] == s["measure_group"])
                & regions["year"].between(*s["years"])
            ]
            out = rows.assign(value=rows[self._column()])[["year", "value"]]
        else:
            fixed = s["prices"] == "fixed"
            shown = set(zip(self.frame()["code"], self.frame()["year"]))
            rows = self._rows()
            rows = rows[[k in shown for k in zip(rows["code"], rows["year"])]]
            sums = pooled(
                rows.assign(
                    expenditure_kr_fixed=rows["expenditure_kr_fixed" if fixed else "expenditure_kr"],
                    unit_cost=rows["unit_cost_fixed" if fixed else "unit_cost"],
                ),
                ["year"],
            )
            out = sums.assign(value=sums[s["figure"]])[["year", "value"]]
        return out[out["value"].notna()].sort_values("year").reset_index(drop=True)

    def table(self) -> pd.DataFrame:
        """Municipalities as rows (in Danish order, with their codes), years as columns, the average as the last row."""
        frame = self.frame()
        table = (
            frame.pivot_table(index=["code", "name"], columns="year", values="value")
            .rename_axis(None, axis=1)
            .reset_index()
            .rename(columns={"code": "Kommunekode", "name": "Kommune"})
        )
        table = table.sort_values("Kommune", key=lambda c: c.map(danish_key)).reset_index(drop=True)
        average = self.average().set_index("year")["value"]
        row = {"Kommunekode": self._average_code(), "Kommune": self.average_label()}
        row |= {y: average.get(y) for y in table.columns[2:]}
        return pd.concat([table, pd.DataFrame([row])], ignore_index=True) if len(table) else table

    def _average_code(self) -> str:
        return self.region.value if self._shown()[0] == "region" else ""

    def ranking(self) -> pd.DataFrame:
        """The municipalities ranked by the last year's value, highest first: rank, code, name, the first and the last
        year's value and the change in percent (only the last year's value when the years are one); the average as the
        last row (unranked)."""
        s = self.state()
        first, last = s["years"]
        years = [first, last] if first != last else [last]
        wide = self.frame().pivot_table(index=["code", "name"], columns="year", values="value").reset_index()
        wide = wide.reindex(columns=["code", "name", *years])
        table = wide.rename(columns={"code": "Kommunekode", "name": "Kommune"} | {y: str(y) for y in years})
        table = table.dropna(subset=[str(last)])
        table = table.assign(order=table["Kommune"].map(danish_key)).sort_values(
            [str(last), "order"], ascending=[False, True]
        )
        table = table.drop(columns="order").reset_index(drop=True)
        table.insert(0, "Rang", pd.array(range(1, len(table) + 1), dtype="Int64"))
        average = self.average().set_index("year")["value"]
        row = {"Kommunekode": self._average_code(), "Kommune": self.average_label()}
        table = pd.concat(
            [table, pd.DataFrame([row | {str(y): average.get(y) for y in years}])], ignore_index=True
        ).astype({"Rang": "Int64"})
        if first != last:
            start = table[str(first)].astype(float)
            table["Ændring i %"] = 100 * (table[str(last)].astype(float) / start.where(start > 0) - 1)
        return table

    def unit_text(self) -> str:
        """The unit with the price basis where it applies: 'kr. pr. 0-22-årig, faste 2024-priser'."""
        s = self.state()
        text = unit(s["area"], s["figure"])
        return text if s["figure"] == "users_per_10000" else f"{text}, {self._label(self.prices).lower()}"

    def _encodings(self) -> tuple[str, str, str, list[alt.Tooltip]]:
        """The figure's name, unit, number format and tooltips of a value per municipality and year."""
        s = self.state()
        label, axis = FIGURES[s["figure"]], self.unit_text()
        fmt = charts.RATE if s["figure"] == "users_per_10000" else charts.KR
        tooltip = [
            alt.Tooltip("name:N", title="Kommune"),
            alt.Tooltip("year:Q", title="År", format="d"),
            alt.Tooltip("value:Q", title=f"{label} ({axis})", format=fmt),
        ]
        return label, axis, fmt, tooltip

    def chart(self) -> alt.LayerChart:
        """The chart of the chosen view: lines over the years, or the ranking of the last year."""
        return self.ranking_chart() if self.view.value == "ranking" else self.line_chart()

    def line_chart(self) -> alt.LayerChart:
        """Lines per municipality over the years, coloured by role with a legend (highlighted, peers or the others, the
        average black); each line named at its end when there are few, else the one under the pointer (and the
        highlighted one), which is drawn on top; flagged values ringed."""
        s = self.state()
        frame = charts.rounded(self.frame())
        highlight = self._names.get(s["highlight"], "")
        which = self._shown()[0]
        highlighted = f"{highlight} (fremhævet)"
        others = {"peers": "Sammenlignelige kommuner", "chosen": "Valgte kommuner"}.get(
            which, f"Kommunerne i {self._label(self.region)}"
        )
        if which == "region" and s["region"] == labels.COUNTRY_CODE:
            others = "Alle kommuner"
        frame["role"] = [highlighted if n == highlight else others for n in frame["name"]]
        average_label = self.average_label()
        average = charts.rounded(self.average()).assign(name=average_label, role=average_label, flagged=False)
        roles = [r for r in (highlighted, others) if r in set(frame["role"])] + ([average_label] * (len(average) > 0))
        colours = {highlighted: HIGHLIGHT_COLOUR, others: OTHER_COLOUR, average_label: AVERAGE_COLOUR}
        label, axis, fmt, tooltip = self._encodings()
        x = alt.X(
            "year:Q", title="År", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False, nice=False)
        )
        y = alt.Y("value:Q", title=axis[0].upper() + axis[1:], axis=alt.Axis(format=fmt))
        colour = alt.Color(
            "role:N",
            title="Linjer",
            legend=alt.Legend(orient="bottom"),
            scale=alt.Scale(domain=roles, range=[colours[r] for r in roles]),
        )
        dash = alt.StrokeDash(
            "role:N",
            legend=None,
            scale=alt.Scale(
                domain=roles,
                range=[charts.COUNTRY_DASH if r == charts.COUNTRY_AVERAGE else [1, 0] for r in roles],
            ),
        )
        many = frame["name"].nunique() > LABELLED_LINES
        pointer = alt.selection_point(
            name="linje", fields=["name"], on="pointerover", clear="pointerout", nearest=True, empty=False
        )
        base = alt.Chart(frame).encode(x=x, y=y, color=colour, detail="name:N", tooltip=tooltip)
        lines = base.transform_filter(alt.datum.role == others).mark_line(point=True, strokeWidth=1.5)
        layers = []
        if many:  # the line nearest the pointer stands out and is named; the others fade (the pointer is caught by
            # invisible points of their own: a selection on a line with points fails in Vega-Lite 5)
            layers.append(
                alt.Chart(frame)
                .mark_point(size=60, opacity=0)
                .encode(x=x, y=y, detail="name:N", tooltip=tooltip)
                .add_params(pointer)
            )
            lines = lines.encode(
                opacity=alt.condition(pointer, alt.value(1), alt.value(0.45)),
                strokeWidth=alt.condition(pointer, alt.value(3), alt.value(1.5)),
            )
        layers.append(lines.encode(strokeDash=dash))
        if highlighted in roles:  # no empty layer: Vega warns of an infinite extent
            layers.append(
                base.transform_filter(alt.datum.role == highlighted)
                .mark_line(point=True, strokeWidth=3.5)
                .encode(strokeDash=dash)
            )
        if len(average):
            layers.append(
                alt.Chart(average)
                .mark_line(strokeWidth=2.5)
                .encode(
                    x=x,
                    y=y,
                    color=colour,
                    strokeDash=dash,
                    tooltip=[
                        alt.Tooltip("name:N", title="Linje"),
                        alt.Tooltip("year:Q", title="År", format="d"),
                        alt.Tooltip("value:Q", title=f"{label} ({axis})", format=fmt),
                    ],
                )
            )
        ends = frame.sort_values("year").groupby("name", as_index=False).tail(1)

        def names(rows: pd.DataFrame) -> alt.Chart:
            return (
                alt.Chart(rows).mark_text(align="left", dx=7, fontSize=11).encode(x=x, y=y, text="name:N", color=colour)
            )

        if many:  # the highlighted line always named, any other while under the pointer
            if (ends["role"] == highlighted).any():
                layers.append(names(ends[ends["role"] == highlighted]))
            layers.append(names(ends).transform_filter(pointer))
        elif len(ends):
            layers.append(names(ends))
        if frame["flagged"].any():
            layers.append(
                alt.Chart(frame[frame["flagged"]])
                .mark_point(size=220, strokeWidth=2, color=FLAG_COLOUR, filled=False)
                .encode(x=x, y=y, tooltip=[*tooltip, alt.Tooltip("flag:N", title="Bemærk")])
                .transform_calculate(flag="'markeret af datakontrollen, se noten'")
            )
        title = f"{label}: {self._label(self.group)} ({AREAS[s['area']].lower()}, {axis})"
        return alt.layer(*layers).properties(title=title, width=640, height=340)

    def ranking_chart(self) -> alt.LayerChart:
        """Bars of the last year's values, highest on top, the highlighted municipality in its colour and the average as
        a line across them, named in the legend."""
        s = self.state()
        last = s["years"][1]
        frame = charts.rounded(self.frame())
        frame = frame[frame["year"] == last]
        highlight = self._names.get(s["highlight"], "")
        label, axis, fmt, tooltip = self._encodings()
        frame = frame.assign(role=[f"{n} (fremhævet)" if n == highlight else "Kommune" for n in frame["name"]])
        roles = sorted(set(frame["role"]), key=lambda r: r == "Kommune")
        y = alt.Y("name:N", title=None, sort=alt.EncodingSortField("value", order="descending"))
        bars = (
            alt.Chart(frame)
            .mark_bar()
            .encode(
                y=y,
                x=alt.X("value:Q", title=axis[0].upper() + axis[1:], axis=alt.Axis(format=fmt)),
                color=alt.Color(
                    "role:N",
                    title=None,
                    legend=alt.Legend(orient="bottom") if highlight in set(frame["name"]) else None,
                    scale=alt.Scale(
                        domain=roles, range=[charts.BAR_COLOUR if r == "Kommune" else HIGHLIGHT_COLOUR for r in roles]
                    ),
                ),
                tooltip=tooltip,
            )
        )
        layers = [bars]
        average = self.average()
        average = average[average["year"] == last].assign(line=self.average_label())
        if len(average):
            style = charts.REFERENCE_STYLES[charts.REGION_AVERAGE]
            rule = alt.Chart(charts.rounded(average))
            layers += [
                rule.mark_rule(color=charts.HALO_COLOUR, strokeWidth=charts.HALO_WIDTH, opacity=0.85).encode(
                    x="value:Q"
                ),
                rule.mark_rule(strokeWidth=style["width"]).encode(
                    x="value:Q",
                    color=alt.Color(
                        "line:N",
                        title="Linje",
                        scale=alt.Scale(domain=[self.average_label()], range=[AVERAGE_COLOUR]),
                        legend=alt.Legend(orient="bottom", symbolType="stroke"),
                    ),
                    strokeDash=alt.value(
                        charts.COUNTRY_DASH if self.average_label() == charts.COUNTRY_AVERAGE else [1, 0]
                    ),
                    tooltip=[alt.Tooltip("line:N", title="Linje"), alt.Tooltip("value:Q", title=axis, format=fmt)],
                ),
            ]
        title = f"{label} {last}: {self._label(self.group)} ({AREAS[s['area']].lower()}, {axis}), rangeret"
        return (
            alt.layer(*layers)
            .resolve_scale(color="independent")
            .properties(title=title, width=560, height=16 * max(len(frame), 1) + 20)
        )

    # -- display and export -----------------------------------------------------------------------------------------------

    def decimals(self) -> int:
        """Decimals shown on screen and in the exports: one for users per 10,000, none for kroner."""
        return 1 if self.figure.value == "users_per_10000" else 0

    def current_table(self) -> pd.DataFrame:
        """The table of the chosen view: years as columns, or the ranking."""
        return self.ranking() if self.view.value == "ranking" else self.table()

    def shown_table(self):
        """The table as shown: Danish number formats, the unit over the value columns, flagged values coloured, the
        average row set apart."""
        table = self.current_table()
        marked = self.frame()
        marked = set(zip(marked.loc[marked["flagged"], "name"], marked.loc[marked["flagged"], "year"]))
        unit_header = self.unit_text()
        keys = [c for c in table.columns if c in ("Rang", "Kommunekode", "Kommune")]
        values = [c for c in table.columns if c not in keys]
        shown = table.copy()
        shown.columns = pd.MultiIndex.from_tuples(
            [("", c) for c in keys] + [("pct." if c == "Ændring i %" else unit_header, str(c)) for c in values]
        )
        average_row = len(table) - 1

        def colour(frame: pd.DataFrame) -> pd.DataFrame:
            styles = [
                [
                    f"background-color: {FLAG_COLOUR}55"
                    if str(year).isdigit() and (name, int(year)) in marked
                    else "font-weight: bold; border-top: 1px solid #333"
                    if i == average_row
                    else ""
                    for year in values
                ]
                for i, name in enumerate(table["Kommune"])
            ]
            return pd.DataFrame(styles, index=frame.index, columns=frame.columns)

        styler = danish_table(shown, decimals=self.decimals())
        if "Ændring i %" in table:
            styler = styler.format(lambda v: format_number(v, 1), subset=[shown.columns[-1]], na_rep="")
        return styler.apply(colour, axis=None, subset=shown.columns[len(keys) :]) if len(table) else styler

    def refresh(self) -> None:
        """Redraw chart, notes and table for the current widget values."""
        if self._quiet:
            return
        self.output.clear_output(wait=True)
        with self.output:
            show_chart(self.chart())
            notes = self.notes()
            if notes:
                display(HTML('<ul class="helpers-notes">' + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>"))
            display(self.shown_table())

    def about(self, saved: dt.datetime) -> list[tuple[str, str]]:
        """The selection in words, for the export's sheet "Om"."""
        s = self.state()
        which, codes, _ = self._shown()
        selection = {
            "region": f"Kommunerne i {self._label(self.region)}",
            "chosen": "Valgte kommuner",
            "peers": f"{self._names.get(s['highlight'], '')} og dens sammenlignelige kommuner (i {s['years'][1]})",
        }[which]
        lines = [
            ("Udtræk", "Udforsk nøgletallene"),
            ("Visning", VIEWS[s["view"]]),
            ("Område", AREAS[s["area"]]),
            ("Nøgletal", FIGURES[s["figure"]]),
            ("Enhed", self.unit_text()),
            ("Indsatsgruppe", f"{self._label(self.group)} ({s['measure_group']})"),
            ("År", f"{s['years'][0]}–{s['years'][1]}"),
            ("Kommuner", f"{selection}: {', '.join(sorted((self._names[c] for c in codes), key=danish_key))}"),
            ("Gennemsnit", self._average_text()),
            ("Fremhævet", self._names.get(s["highlight"], "ingen")),
            ("Gemt", saved.strftime("%d.%m.%Y %H:%M")),
            ("Data", data_vintage(BENCHMARK_KINDS)),
            (
                "Små tal",
                f"Tal bygget på færre end {labels.SMALL} brugere, og tal de kan regnes ud af, er skjult som i "
                "benchmarkrapporterne.",
            ),
        ]
        return lines + [("Note", note) for note in self.notes()]

    def _average_text(self) -> str:
        if self._shown()[0] == "region":
            return f"{self.average_label()}: summer over alle kommunerne (som i benchmarkrapporterne)"
        return f"{self.average_label()}: summer over summer for de viste tal"

    def export_frame(self) -> pd.DataFrame:
        """The table as shown (same rounding), with the unit as a column: what the export writes."""
        table = self.current_table()
        values = [c for c in table.columns if c not in ("Rang", "Kommunekode", "Kommune")]
        rounded = table.astype({c: float for c in values}).round({c: self.decimals() for c in values})
        if "Ændring i %" in rounded:
            rounded["Ændring i %"] = table["Ændring i %"].astype(float).round(1)
        if not self.decimals():  # whole kroner: 290062, not 290062,0
            rounded = rounded.astype({c: "Int64" for c in values if c != "Ændring i %"})
        at = list(rounded.columns).index("Kommune") + 1
        rounded.insert(at, "Enhed", self.unit_text())
        rounded.columns = [str(c) for c in rounded.columns]
        return rounded

    def export_table(self) -> tuple[Path, Path]:
        """Write the current table as shown to XLSX (a sheet "Om" with the selection, then the table, Danish number
        formats) and CSV (semicolons, decimal commas), with codes and unit; the file name says the selection in Danish."""
        from helpers.render.workbook import write_workbook

        s = self.state()
        which = self._shown()[0]
        saved = dt.datetime.now()
        who = {
            "region": self._label(self.region),
            "chosen": "valgte kommuner",
            "peers": f"{self._names.get(s['highlight'], '')} og sammenlignelige",
        }[which]
        prices = "" if s["figure"] == "users_per_10000" else f" - {self._label(self.prices).lower()}"
        view = " - rangering" if s["view"] == "ranking" else ""
        stem = file_name(
            f"Udforsk - {AREAS[s['area']]} - {FIGURES[s['figure']]} - {self._label(self.group)}{prices} - {who} - "
            f"{s['years'][0]}-{s['years'][1]}{view} - {saved:%Y-%m-%d %H.%M.%S}"
        )
        folder = self.out_dir
        folder.mkdir(parents=True, exist_ok=True)
        table = self.export_frame()
        xlsx, csv = folder / f"{stem}.xlsx", folder / f"{stem}.csv"
        write_workbook(xlsx, {FIGURES[s["figure"]]: table}, decimals=self.decimals(), about=self.about(saved))
        table.to_csv(csv, sep=";", decimal=",", index=False, encoding="utf-8-sig")
        return xlsx, csv

    def _export_clicked(self) -> None:
        """Export and say in the notebook where the files went, or why they could not be written."""
        self.message.value = "Gemmer ..."
        try:
            xlsx, csv = self.export_table()
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.message.value = (
                f'<span class="helpers-export-failed" style="color: #b2182b">Ikke gemt: kunne ikke skrive i '
                f"<code>{escape(str(self.out_dir))}</code> ({escape(reason)}). Skriv en anden mappe.</span>"
            )
            return
        self.message.value = (
            f'<span class="helpers-export-done">Gemt: <code>{escape(xlsx.name)}</code> og <code>{escape(csv.name)}</code> '
            f"i <code>{escape(str(xlsx.parent.resolve()))}</code></span>"
        )

    def widget(self) -> widgets.Widget:
        """The whole explorer as one widget to display: two columns of controls, the view, the export row, chart and table."""
        column = {"width": "27rem", "min_width": "27rem"}
        left = widgets.VBox([self.area, self.figure, self.group, self.years, self.prices], layout=column)
        right = widgets.VBox([self.region, self.selection, self.chosen, self.highlight], layout=column)
        css = widgets.HTML(
            "<style>.helpers-explorer .widget-readout { min-width: 7rem; }</style>"
        )  # room for '2018 – 2024'
        controls = widgets.HBox([left, right], layout={"flex_flow": "row wrap"})
        export = widgets.HBox([self.folder, self.export], layout={"flex_flow": "row wrap"})
        explorer = widgets.VBox([css, controls, self.view, export, self.message, self.output])
        explorer.add_class("helpers-explorer")
        return explorer

    def show(self) -> None:
        """Display the explorer, after a message that shows only where the explorer cannot (its kernel stopped or
        restarted: JupyterLab would say "model not found", hidden below), and save the notebook at once, so that a
        reload of the page finds the explorer (its controls and chart live in the kernel, the notebook keeps where)."""
        display(HTML(STOPPED_HTML))
        display(self.widget())
        save_notebook()


def save_notebook() -> None:
    """Ask JupyterLab to save the current notebook (through ipylab's front-end widget); outside JupyterLab nothing."""
    from ipylab import JupyterFrontEnd

    JupyterFrontEnd().commands.execute("docmanager:save")


# The message is hidden while the explorer is drawn and its kernel runs; shown when the kernel has stopped (the notebook's
# execution indicator says so), when it restarted (ipywidgets marks the explorer's view jupyter-widgets-disconnected: its
# model is gone with the old kernel), and in place of JupyterLab's "model not found" when the notebook is opened again.
KERNEL_GONE = ":is([data-status='unknown'], [data-status='dead'], [data-status='terminating'])"
STOPPED_HTML = f"""<style>
.jp-OutputArea:has(.helpers-explorer) .helpers-explorer-stopped {{ display: none; }}
.jp-OutputArea:has(.helpers-explorer-stopped) .jp-OutputArea-output.jupyter-widgets:not(:has(*)) {{ display: none; }}
.jp-NotebookPanel:has(.jp-Notebook-ExecutionIndicator{KERNEL_GONE}) .helpers-explorer-stopped {{ display: block !important; }}
.jp-NotebookPanel:has(.jp-Notebook-ExecutionIndicator{KERNEL_GONE}) .helpers-explorer {{ display: none !important; }}
.jp-OutputArea:has(.helpers-explorer.jupyter-widgets-disconnected) .helpers-explorer-stopped {{ display: block !important; }}
.helpers-explorer.jupyter-widgets-disconnected {{ display: none !important; }}
</style>
<div class="helpers-explorer-stopped" style="padding: 0.8em 1em; border-left: 4px solid #b2182b; background: #fbeaea;">
{escape(STOPPED)}</div>"""


def show_chart(chart: alt.TopLevelMixin) -> None:
    """Display a chart as a Vega-Lite MIME bundle that JupyterLab draws itself, in Danish number formats (with a text
    fallback for front ends without a Vega renderer)."""
    spec = chart.to_dict(validate=False)  # the tests validate the same charts; a redraw need not
    display(
        {VEGA_LITE: spec, "text/plain": f"<Figur: {spec.get('title', '')}>"},
        raw=True,
        metadata={VEGA_LITE: {"embed_options": charts.EMBED_OPTIONS}},
    )
