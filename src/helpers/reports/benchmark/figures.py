"""The benchmark report's figures: each a chart, the notes on who is left out and why, and its rows as a CSV download
(helpers.render.charts.Figure), from the report's data (BenchmarkData)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import labels
from helpers.analysis import benchmark
from helpers.analysis.funnel import funnel_limits, outside_limits
from helpers.render import charts
from helpers.reports.benchmark import exclusions
from helpers.reports.benchmark.data import COUNTRY, BenchmarkData

WEIGHTS = {  # what a figure's average is a sum over, beside its numerator: given in the CSV
    "expenditure_per_inhabitant": "potential_users",
    "users_per_10000": "user_population",
    "unit_cost": "expenditure_tkr",  # in 1.000 kr.: a sum in whole kroner can have the shape of a CPR number
}


@dataclass
class Figures:
    """Every figure of one benchmark report."""

    data: BenchmarkData

    def regions(self) -> charts.Figure:
        """Every region's expenditure per inhabitant as an index of the whole country's, all measure groups."""
        d = self.data
        rows = d.region_rows(d.year)
        country = rows[rows["code"] == COUNTRY].set_index("measure_group")["expenditure_per_inhabitant"]
        data = rows[rows["code"] != COUNTRY].assign(
            value=lambda f: f["expenditure_per_inhabitant"],
            index=lambda f: 100 * f["value"] / f["measure_group"].map(country),
        )
        data = data[data["index"].notna()][
            ["code", "name", "measure_group", "label_da", "sort_order", "value", "index"]
        ]
        chart = charts.region_index(
            data,
            d.region,
            f"Udgift {d.text['per']} i forhold til hele landet, {d.year}",
            f"Udgift {d.text['per']}, kr.",
        )
        return charts.Figure(chart, data, d.file_name("regioner", d.year), headers=d.headers(regional=True))

    def development(self) -> charts.Figure:
        """Expenditure per inhabitant in fixed prices over the long series, regions and the whole country."""
        d = self.data
        data = d.regions[
            ["code", "name", "year", "measure_group", "label_da", "sort_order", "expenditure_per_inhabitant"]
        ]
        chart = charts.development_lines(
            data,
            "expenditure_per_inhabitant",
            d.region,
            (d.period_start, d.year),
            f"Udgift {d.text['per']} {d.long_series_start}-{d.year}, faste {d.price_base_year}-priser",
            f"Udgift {d.text['per']}, kr.",
        )
        return charts.Figure(
            chart, data, d.file_name("udvikling", d.long_series_start, d.year), headers=d.headers(regional=True)
        )

    def municipal(self, figure: str) -> charts.Figure:
        """Bars per municipality for a key figure in the report year, with min/max/average lines and peer averages.

        The CSV holds what the average lines are sums over (population, or expenditure for a unit cost), so a reader
        can recompute them from the bars."""
        d = self.data
        frame = d.municipal_year().merge(d.reasons((figure,), (d.year,), (False,)), on=["code", "measure_group"])
        frame = frame.assign(expenditure_tkr=frame["expenditure_kr_fixed"] / 1000)
        shown, notes = exclusions.apply(frame, d.excluded, (d.year,), value=figure, labels=d.labels, expected=d.members)
        lines = d.lines(shown, figure)
        data = shown[
            ["code", "name", "measure_group", "label_da", "sort_order", figure, f"peer_{figure}", WEIGHTS[figure]]
        ]
        data = data.merge(lines.pivot(index="label_da", columns="line", values="value").reset_index(), on="label_da")
        axis = {
            "expenditure_per_inhabitant": f"Udgift {d.text['per']}, kr.",
            "users_per_10000": d.text["users"],
            "unit_cost": "Enhedsudgift, kr. pr. bruger",
        }[figure]
        fmt = charts.RATE if figure == "users_per_10000" else charts.KR
        chart = charts.municipal_bars(
            data,
            lines,
            figure,
            f"{axis.split(',')[0]}, {d.year}",
            axis,
            fmt,
            peer=f"peer_{figure}",
            highlight=d.highlight_name,
        )
        return charts.Figure(
            chart,
            data,
            d.file_name(f"kommuner {labels.FIGURE_LABELS_LONG[figure]}", d.year),
            d.highlight_notes(notes),
            d.headers(),
        )

    def municipal_change(self, figure: str) -> charts.Figure:
        """Change in percent of a key figure per municipality over the period (fixed prices)."""
        d = self.data
        years = (d.period_start, d.year)
        frame = d.period_change().merge(
            d.municipal[["code", "name", "measure_group", "label_da", "sort_order"]].drop_duplicates(),
            on=["code", "measure_group"],
        )
        frame = frame.merge(d.reasons((figure,), years, (True, False)), on=["code", "measure_group"])
        shown, notes = exclusions.apply(
            frame, d.excluded, years, value=f"{figure}_change_pct", labels=d.labels, expected=d.members
        )
        value = f"{figure}_change_pct"
        data = shown[
            ["code", "name", "measure_group", "label_da", "sort_order", f"{figure}_start", f"{figure}_end", value]
        ]
        title = (
            f"{labels.FIGURE_LABELS[figure]} {d.text['per'] if figure == 'expenditure_per_inhabitant' else ''}".strip()
        )
        chart = charts.change_bars(
            data,
            value,
            f"Ændring i {title.lower()} {d.period_start}-{d.year}",
            "Ændring, pct.",
            highlight=d.highlight_name,
        )
        return charts.Figure(
            chart,
            data,
            d.file_name(f"kommuner ændring {labels.FIGURE_LABELS_LONG[figure]}", d.period_start, d.year),
            d.highlight_notes(notes),
            d.headers(),
        )

    def decomposition(self) -> charts.Figure:
        """Each municipality's change in expenditure per inhabitant split into user share, unit cost and population mix."""
        d = self.data
        years = (d.period_start, d.year)
        parts = benchmark.decompose_changes(d.own(d.municipal), *years)  # each municipality's own: the region's
        grid = d.own(d.municipal[d.municipal["year"] == d.year])[
            ["code", "name", "measure_group", "label_da", "sort_order"]
        ]
        frame = grid.merge(parts, on=["code", "measure_group"], how="left").merge(
            d.reasons(benchmark.FIGURES, years, (True, True)), on=["code", "measure_group"]
        )
        shown, notes = exclusions.apply(
            frame, d.excluded, years, value="change_pct", labels=d.labels, expected=d.members
        )
        data = shown[["code", "name", "measure_group", "label_da", "change_pct", *charts.DECOMPOSITION_PARTS]]
        order = list(dict.fromkeys(shown.sort_values("sort_order", kind="stable")["label_da"]))
        chart = charts.decomposition_bars(
            data,
            f"Ændring i udgift {d.text['per']} {d.period_start}-{d.year} fordelt på brugerandel og enhedsudgift",
            order,
        )
        return charts.Figure(chart, data, d.file_name("dekomponering", d.period_start, d.year), notes, d.headers())

    def funnel(self) -> charts.Figure:
        """Users per 10,000 against population with control limits from the whole country's pooled share."""
        d = self.data
        year = d.municipal[(d.municipal["year"] == d.year) & d.municipal["users"].notna()]
        clean, _ = exclusions.apply(year, d.excluded, (d.year,))
        points, limits = [], []
        for (group, label), rows in clean.groupby(["measure_group", "label_da"], sort=False):
            rows = rows[rows["user_population"] > 0]
            if rows.empty:
                continue
            average, band = funnel_limits(rows["users"], rows["user_population"])
            side = outside_limits(rows["users"], rows["user_population"])
            band = (
                band.assign(average=average)
                .melt("population", var_name="limit", value_name="value")
                .rename(columns={"population": "user_population"})
            )
            band["level"] = (
                band["limit"]
                .str.replace("lower_", "")
                .str.replace("upper_", "")
                .map({"95": charts.LIMIT_95, "99.8": charts.LIMIT_998, "average": charts.COUNTRY_AVERAGE})
            )
            limits.append(
                band.assign(
                    label_da=label, value=band["value"].round(2), user_population=band["user_population"].round()
                )
            )
            points.append(rows.assign(side=side, label_da=label, measure_group=group))
        pts = pd.concat(points, ignore_index=True)
        pts = pts[pts["users_per_10000"].notna()]  # small counts are blanked: a dot would reveal them
        pts = pts.assign(
            user_population=pts["user_population"].round(), users_per_10000=pts["users_per_10000"].round(2)
        )
        pts["outside"] = pts["side"].map({1: "over", -1: "under", 0: "inden for"})
        pts["where"] = (
            pts["code"]
            .isin(d.members)
            .map({True: d.region_name if d.region != COUNTRY else "Kommuner", False: charts.OTHER_MUNICIPALITIES})
        )
        data = pts[["code", "name", "label_da", "sort_order", "user_population", "users_per_10000", "outside", "where"]]
        data = data.sort_values("where", ascending=False, kind="stable")  # the region's dots drawn last, on top
        chart = charts.funnel(
            data,
            pd.concat(limits, ignore_index=True),
            d.region,
            f"Tragtplot: brugere pr. 10.000 {d.text['user_population']}, {d.year}",
            d.text["users"],
        )
        own = d.own(d.municipal[d.municipal["year"] == d.year]).merge(
            d.reasons(("users_per_10000",), (d.year,), (False,)), on=["code", "measure_group"]
        )
        _, notes = exclusions.apply(
            own, d.excluded, (d.year,), expected=d.members, value="users_per_10000", labels=d.labels
        )
        return charts.Figure(chart, data, d.file_name("tragtplot", d.year), notes, d.headers())
