"""The analyst explorer (notebooks/explore.ipynb): widgets that drive a chart and a table from the warehouse.

The data of both areas are read once (one query, both price bases) and peer groups once per year; every widget
change filters in memory and redraws once, so the chart and table follow in well under half a second. `Explorer.state()`, `frame()`, `table()` and
`chart()` are plain functions of the widget values, which is how the tests drive it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import altair as alt
import ipywidgets as widgets
import pandas as pd
from IPython.display import display

from helpers import labels, paths
from helpers.analysis.peers import peer_groups
from helpers.render import charts
from helpers.render.tables import danish_table
from helpers.warehouse import marts

FIGURES = labels.FIGURE_LABELS_LONG
AREAS = labels.AREA_LABELS
SELECTIONS = {"region": "Kommunerne i regionen", "chosen": "Valgte kommuner", "peers": "Fremhævet kommune og dens sammenlignelige"}


class Explorer:
    """Controls: area, key figure, measure group, years, prices, region, municipalities or peers, highlight; a chart, a table, export."""

    def __init__(self, out_dir: Path | None = None):
        self.out_dir = out_dir or paths.ROOT / "reports" / "explore"
        self._data = self._read_areas()
        self._peers: dict[int, pd.DataFrame] = {}
        self._quiet = False  # set while one change moves several controls, so the redraw happens once
        lo, hi = marts.benchmark_years()
        self.municipalities = marts.municipalities()
        regions = marts.regions()
        names = list(zip(self.municipalities["municipality_name"], self.municipalities["municipality_code"]))
        style = {"description_width": "7rem"}
        wide = {"width": "26rem"}
        self.area = widgets.Dropdown(options=[(v, k) for k, v in AREAS.items()], description="Område", style=style, layout=wide)
        self.figure = widgets.Dropdown(options=[(v, k) for k, v in FIGURES.items()], description="Nøgletal", style=style, layout=wide)
        self.group = widgets.Dropdown(description="Indsatsgruppe", style=style, layout=wide)
        self.years = widgets.IntRangeSlider(min=lo, max=hi, value=(max(lo, hi - 6), hi), description="År", style=style,
                                            layout=wide)
        self.prices = widgets.ToggleButtons(options=[("Løbende priser", "current"), (f"Faste {hi}-priser", "fixed")], description="Priser",
                                         style=style | {"button_width": "9.5rem"})
        self.prices.add_class("widget-inline-hbox")  # label beside the buttons, as for the drop-downs
        self.region = widgets.Dropdown(options=[(labels.COUNTRY_NAME, labels.COUNTRY_CODE)] + list(zip(regions["region_name"], regions["region_code"])),
                                       value="085", description="Region", style=style, layout=wide)
        self.selection = widgets.RadioButtons(options=[(v, k) for k, v in SELECTIONS.items()], description="Kommuner", style=style,
                                              layout=wide)
        self.chosen = widgets.SelectMultiple(options=names, rows=8, description="Valgte", style=style, layout=wide)
        self.highlight = widgets.Dropdown(options=[("(ingen)", "")] + names, description="Fremhæv", style=style, layout=wide)
        self.export = widgets.Button(description="Eksportér tabel (XLSX og CSV)", icon="download",
                                     layout={"width": "18rem", "flex": "0 0 auto"})
        self.message = widgets.HTML()
        self.output = widgets.Output()
        self._update_groups()
        self.area.observe(lambda _: self._update_groups(), names="value")
        for control in (self.figure, self.group, self.years, self.prices, self.region, self.selection, self.chosen, self.highlight):
            control.observe(lambda _: self.refresh(), names="value")
        self.export.on_click(lambda _: self._export_clicked())
        self.selection.observe(lambda _: self._enable_choice(), names="value")
        self._enable_choice()

    # -- data -----------------------------------------------------------------------------------------------------------

    @staticmethod
    def _read_areas() -> dict[str, pd.DataFrame]:
        """Every municipality, year and measure group of both areas, current and fixed prices, in one query."""
        data = marts.municipal_key_figures_all()
        return {area: rows.drop(columns="area").reset_index(drop=True) for area, rows in data.groupby("area", sort=True)}

    def _update_groups(self) -> None:
        """The measure groups of the chosen area, 'I alt' selected, then one redraw."""
        groups = self._data[self.area.value][["measure_group", "label_da", "sort_order"]].drop_duplicates().sort_values("sort_order")
        self._quiet = True
        try:
            self.group.options = list(zip(groups["label_da"], groups["measure_group"]))
            self.group.value = "i_alt"
        finally:
            self._quiet = False
        self.refresh()

    def _enable_choice(self) -> None:
        """The list of municipalities is only live when the selection is 'chosen municipalities'."""
        self.chosen.disabled = self.selection.value != "chosen"

    def _peer_groups(self, year: int) -> pd.DataFrame:
        """Peer groups of a year, computed once per year."""
        if year not in self._peers:
            self._peers[year] = peer_groups(marts.peer_features(year))
        return self._peers[year]

    def state(self) -> dict:
        """The widget values as plain data (what a test sets and what the export records)."""
        return {"area": self.area.value, "figure": self.figure.value, "measure_group": self.group.value, "years": tuple(self.years.value),
                "prices": self.prices.value, "region": self.region.value, "selection": self.selection.value,
                "chosen": list(self.chosen.value), "highlight": self.highlight.value}

    def codes(self) -> list[str]:
        """The municipalities shown: the region's, the chosen ones, or the highlighted one and its peers."""
        s = self.state()
        if s["selection"] == "chosen" and s["chosen"]:
            return sorted(s["chosen"])
        if s["selection"] == "peers" and s["highlight"]:
            peers = self._peer_groups(s["years"][1])
            return sorted([s["highlight"], *peers.loc[peers["municipality_code"] == s["highlight"], "peer_code"]])
        m = self.municipalities
        return sorted(m["municipality_code"] if s["region"] == labels.COUNTRY_CODE else m.loc[m["region_code"] == s["region"], "municipality_code"])

    def frame(self) -> pd.DataFrame:
        """The long frame behind chart and table: code, name, year, value (users under 5 left out)."""
        s = self.state()
        data = self._data[s["area"]]
        column = s["figure"] + ("_fixed" if s["prices"] == "fixed" and s["figure"] != "users_per_10000" else "")
        rows = data[(data["measure_group"] == s["measure_group"]) & data["year"].between(*s["years"]) & data["code"].isin(self.codes())]
        small = labels.is_small(rows["users"]) & (s["figure"] != "expenditure_per_inhabitant")
        out = rows.assign(value=rows[column]).loc[~small, ["code", "name", "year", "value"]]
        return out[out["value"].notna()].reset_index(drop=True)

    def table(self) -> pd.DataFrame:
        """Municipalities as rows, years as columns."""
        frame = self.frame()
        return frame.pivot_table(index="name", columns="year", values="value").rename_axis(None, axis=1).reset_index().rename(columns={"name": "Kommune"})

    def chart(self) -> alt.LayerChart:
        """Lines per municipality over the years; the highlighted one in colour and thick."""
        s = self.state()
        frame = charts.rounded(self.frame())
        highlight = self.municipalities.set_index("municipality_code")["municipality_name"].get(s["highlight"], "")
        label = FIGURES[s["figure"]]
        fmt = ",.1f" if s["figure"] == "users_per_10000" else ",.0f"
        tooltip = [alt.Tooltip("name:N", title="Kommune"), alt.Tooltip("year:Q", title="År", format="d"), alt.Tooltip("value:Q", title=label, format=fmt)]
        base = alt.Chart(frame).encode(x=alt.X("year:Q", title="År", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False)),
                                       y=alt.Y("value:Q", title=label, axis=alt.Axis(format=fmt)), detail="name:N", tooltip=tooltip)
        layers = [base.transform_filter(alt.datum.name != highlight).mark_line(color="#b8c4cc", point=True)]
        if highlight in set(frame["name"]):  # no empty layer: Vega warns of an infinite extent
            layers.append(base.transform_filter(alt.datum.name == highlight).mark_line(color="#b2182b", strokeWidth=3.5, point=True))
        group = dict((v, k) for k, v in self.group.options)[s["measure_group"]]
        prices = dict((v, k) for k, v in self.prices.options)[s["prices"]].lower()  # 'faste 2024-priser' or 'løbende priser'
        return alt.layer(*layers).properties(title=f"{label}: {group} ({AREAS[s['area']].lower()}, {prices})", width=640, height=340)

    # -- display and export -----------------------------------------------------------------------------------------------

    def decimals(self) -> int:
        """Decimals shown on screen and in the exports: one for users per 10,000, none for kroner."""
        return 1 if self.figure.value == "users_per_10000" else 0

    def refresh(self) -> None:
        """Redraw chart and table for the current widget values."""
        if self._quiet:
            return
        self.output.clear_output(wait=True)
        with self.output:
            display(self.chart())
            display(danish_table(self.table(), decimals=self.decimals()))

    def export_table(self) -> tuple[Path, Path]:
        """Write the current table as shown (same rounding) to XLSX (Danish number formats) and CSV (semicolons,
        decimal commas); the file name says area, key figure, measure group, prices and which municipalities."""
        from helpers.render.workbook import write_workbook

        s = self.state()
        which = {"region": f"region{s['region']}", "chosen": "valgte", "peers": f"sammenlignelige{s['highlight']}"}[s["selection"]]
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        stem = f"udforsk_{s['area']}_{s['figure']}_{s['measure_group']}_{s['prices']}_{which}_{s['years'][0]}-{s['years'][1]}_{stamp}"
        self.out_dir.mkdir(parents=True, exist_ok=True)
        table = self.table().round(self.decimals())
        if not self.decimals():  # whole kroner: 290062, not 290062,0
            table = table.astype({c: "Int64" for c in table.columns if c != "Kommune"})
        xlsx, csv = self.out_dir / f"{stem}.xlsx", self.out_dir / f"{stem}.csv"
        write_workbook(xlsx, {"Tabel": table}, decimals=self.decimals())
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
        css = widgets.HTML("<style>.helpers-explorer .widget-readout { min-width: 7rem; }</style>")  # room for '2018 – 2024'
        controls = widgets.HBox([left, right], layout={"flex_flow": "row wrap"})
        explorer = widgets.VBox([css, controls, widgets.HBox([self.export, self.message]), self.output])
        explorer.add_class("helpers-explorer")
        return explorer
