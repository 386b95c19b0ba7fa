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
from helpers.analysis.peers import peer_groups
from helpers.render import charts
from helpers.render.batch import data_vintage
from helpers.render.formats import danish_key, format_number
from helpers.render.tables import danish_table
from helpers.reports.benchmark.exclusions import SMALL_REASON
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
HIGHLIGHT_COLOUR, OTHER_COLOUR, FLAG_COLOUR = "#b2182b", "#8c9aa6", "#e08214"
LABELLED_LINES = 8  # up to this many lines every line is named at its end; above, only the highlighted one
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

    def __init__(self, out_dir: Path | None = None):
        self.out_dir = out_dir or paths.ROOT / "reports" / "explore"
        self._data = self._read_areas()
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
        self.export = widgets.Button(
            description="Eksportér tabel (XLSX og CSV)", icon="download", layout={"width": "18rem", "flex": "0 0 auto"}
        )
        self.message = widgets.HTML()
        self.output = widgets.Output()
        self._update_groups()
        self.area.observe(lambda _: self._update_groups(), names="value")
        for control in (
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

    @staticmethod
    def _read_areas() -> dict[str, pd.DataFrame]:
        """Every municipality, year and measure group of both areas, current and fixed prices, in one query."""
        data = marts.municipal_key_figures_all()
        return {
            area: rows.drop(columns="area").reset_index(drop=True) for area, rows in data.groupby("area", sort=True)
        }

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
        """The long frame behind chart and table: code, name, year, value, flagged. Left out: users under 5 and values
        the checks found impossible (each with a note)."""
        return self._once("frame", self._make_frame)

    def _make_frame(self) -> pd.DataFrame:
        s = self.state()
        rows = self._rows()
        small = labels.is_small(rows["users"]) & (s["figure"] != "expenditure_per_inhabitant")
        flags = self._flags()
        keys = list(zip(rows["code"], rows["year"]))
        left = flags[flags["finding"].isin(LEFT_OUT)]
        out_keys = set(zip(left["code"], left["year"]))
        marked = set(zip(flags["code"], flags["year"])) - out_keys
        left_out = pd.Series([k in out_keys for k in keys], index=rows.index, dtype=bool)
        out = rows.assign(flagged=[k in marked for k in keys]).loc[
            ~small & ~left_out, ["code", "name", "year", "value", "flagged"]
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
            small = rows[labels.is_small(rows["users"])]
            notes += [
                f"{name} {', '.join(str(y) for y in sorted(part['year']))}: {SMALL_REASON}."
                for name, part in small.groupby("name", sort=False)
            ]
        return notes

    def table(self) -> pd.DataFrame:
        """Municipalities as rows (in Danish order), years as columns."""
        frame = self.frame()
        table = frame.pivot_table(index="name", columns="year", values="value").rename_axis(None, axis=1).reset_index()
        return (
            table.rename(columns={"name": "Kommune"})
            .sort_values("Kommune", key=lambda c: c.map(danish_key))
            .reset_index(drop=True)
        )

    def unit_text(self) -> str:
        """The unit with the price basis where it applies: 'kr. pr. 0-22-årig, faste 2024-priser'."""
        s = self.state()
        text = unit(s["area"], s["figure"])
        return text if s["figure"] == "users_per_10000" else f"{text}, {self._label(self.prices).lower()}"

    def chart(self) -> alt.LayerChart:
        """Lines per municipality over the years, coloured by role with a legend (highlighted, peers or the others);
        each line named at its end when there are few, else the highlighted one; flagged values ringed."""
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
        roles = [r for r in (highlighted, others) if r in set(frame["role"])]
        label, axis = FIGURES[s["figure"]], self.unit_text()
        fmt = charts.RATE if s["figure"] == "users_per_10000" else charts.KR
        tooltip = [
            alt.Tooltip("name:N", title="Kommune"),
            alt.Tooltip("year:Q", title="År", format="d"),
            alt.Tooltip("value:Q", title=f"{label} ({axis})", format=fmt),
        ]
        x = alt.X(
            "year:Q", title="År", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False, nice=False)
        )
        y = alt.Y("value:Q", title=axis[0].upper() + axis[1:], axis=alt.Axis(format=fmt))
        colour = alt.Color(
            "role:N",
            title="Kommuner",
            legend=alt.Legend(orient="bottom"),
            scale=alt.Scale(
                domain=roles, range=[HIGHLIGHT_COLOUR if r == highlighted else OTHER_COLOUR for r in roles]
            ),
        )
        base = alt.Chart(frame).encode(x=x, y=y, color=colour, detail="name:N", tooltip=tooltip)
        layers = [base.transform_filter(alt.datum.role == others).mark_line(point=True, strokeWidth=1.5, opacity=0.8)]
        if highlighted in roles:  # no empty layer: Vega warns of an infinite extent
            layers.append(base.transform_filter(alt.datum.role == highlighted).mark_line(point=True, strokeWidth=3.5))
        ends = frame.sort_values("year").groupby("name", as_index=False).tail(1)
        if frame["name"].nunique() > LABELLED_LINES:
            ends = ends[ends["role"] == highlighted]
        if len(ends):
            layers.append(
                alt.Chart(ends).mark_text(align="left", dx=7, fontSize=11).encode(x=x, y=y, text="name:N", color=colour)
            )
        if frame["flagged"].any():
            layers.append(
                alt.Chart(frame[frame["flagged"]])
                .mark_point(size=220, strokeWidth=2, color=FLAG_COLOUR, filled=False)
                .encode(x=x, y=y, tooltip=[*tooltip, alt.Tooltip("flag:N", title="Bemærk")])
                .transform_calculate(flag="'markeret af datakontrollen, se noten'")
            )
        title = f"{label}: {self._label(self.group)} ({AREAS[s['area']].lower()}, {axis})"
        return alt.layer(*layers).properties(title=title, width=640, height=340)

    # -- display and export -----------------------------------------------------------------------------------------------

    def decimals(self) -> int:
        """Decimals shown on screen and in the exports: one for users per 10,000, none for kroner."""
        return 1 if self.figure.value == "users_per_10000" else 0

    def shown_table(self):
        """The table as shown: Danish number formats, the unit over the year columns, flagged values coloured."""
        table = self.table()
        marked = self.frame()
        marked = set(zip(marked.loc[marked["flagged"], "name"], marked.loc[marked["flagged"], "year"]))
        unit_header = self.unit_text()
        shown = table.copy()
        shown.columns = pd.MultiIndex.from_tuples(
            [("", "Kommune"), *((unit_header, str(y)) for y in table.columns[1:])]
        )

        def colour(frame: pd.DataFrame) -> pd.DataFrame:
            return pd.DataFrame(
                [
                    [
                        f"background-color: {FLAG_COLOUR}55" if (name, year) in marked else ""
                        for year in table.columns[1:]
                    ]
                    for name in table["Kommune"]
                ],
                index=frame.index,
                columns=frame.columns,
            )

        return danish_table(shown, decimals=self.decimals()).apply(colour, axis=None, subset=shown.columns[1:])

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
            ("Område", AREAS[s["area"]]),
            ("Nøgletal", FIGURES[s["figure"]]),
            ("Enhed", self.unit_text()),
            ("Indsatsgruppe", self._label(self.group)),
            ("År", f"{s['years'][0]}–{s['years'][1]}"),
            ("Kommuner", f"{selection}: {', '.join(sorted((self._names[c] for c in codes), key=danish_key))}"),
            ("Fremhævet", self._names.get(s["highlight"], "ingen")),
            ("Gemt", saved.strftime("%d.%m.%Y %H:%M")),
            ("Data", data_vintage(BENCHMARK_KINDS)),
            ("Små tal", f"Nøgletal bygget på færre end {labels.SMALL} brugere er ikke med."),
        ]
        return lines + [("Note", note) for note in self.notes()]

    def export_table(self) -> tuple[Path, Path]:
        """Write the current table as shown (same rounding) to XLSX (a sheet "Om" with the selection, then the table,
        Danish number formats) and CSV (semicolons, decimal commas); the file name says the selection in Danish."""
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
        stem = file_name(
            f"Udforsk - {AREAS[s['area']]} - {FIGURES[s['figure']]} - {self._label(self.group)}{prices} - {who} - "
            f"{s['years'][0]}-{s['years'][1]} - {saved:%Y-%m-%d %H.%M.%S}"
        )
        self.out_dir.mkdir(parents=True, exist_ok=True)
        table = self.table().round(self.decimals())
        if not self.decimals():  # whole kroner: 290062, not 290062,0
            table = table.astype({c: "Int64" for c in table.columns if c != "Kommune"})
        xlsx, csv = self.out_dir / f"{stem}.xlsx", self.out_dir / f"{stem}.csv"
        write_workbook(xlsx, {FIGURES[s["figure"]]: table}, decimals=self.decimals(), about=self.about(saved))
        table.to_csv(csv, sep=";", decimal=",", index=False, encoding="utf-8-sig")
        return xlsx, csv

    def _export_clicked(self) -> None:
        xlsx, csv = self.export_table()
        self.message.value = f"Gemt: <code>{xlsx.name}</code> og <code>{csv.name}</code> i <code>{self.out_dir}</code>"

    def widget(self) -> widgets.Widget:
        """The whole explorer as one widget to display: two columns of controls, the export row, chart and table."""
        column = {"width": "27rem", "min_width": "27rem"}
        left = widgets.VBox([self.area, self.figure, self.group, self.years, self.prices], layout=column)
        right = widgets.VBox([self.region, self.selection, self.chosen, self.highlight], layout=column)
        css = widgets.HTML(
            "<style>.helpers-explorer .widget-readout { min-width: 7rem; }</style>"
        )  # room for '2018 – 2024'
        controls = widgets.HBox([left, right], layout={"flex_flow": "row wrap"})
        explorer = widgets.VBox([css, controls, widgets.HBox([self.export, self.message]), self.output])
        explorer.add_class("helpers-explorer")
        return explorer


def show_chart(chart: alt.TopLevelMixin) -> None:
    """Display a chart as a Vega-Lite MIME bundle that JupyterLab draws itself, in Danish number formats (with a text
    fallback for front ends without a Vega renderer)."""
    spec = chart.to_dict(validate=False)  # the tests validate the same charts; a redraw need not
    display(
        {VEGA_LITE: spec, "text/plain": f"<Figur: {spec.get('title', '')}>"},
        raw=True,
        metadata={VEGA_LITE: {"embed_options": charts.EMBED_OPTIONS}},
    )
