"""The forecast report (notebooks/forecast.ipynb): expected result against budget, monthly booked and forecast,
the deviation split into quantity, price and pool, the change since last month, inflow, shadow budgets and accuracy.

The figures come from helpers.reports.expected_result (as in the key-figure packs and the CLI); one sign convention:
a positive deviation or change is an overspend (a worse result). Case ids are pseudonyms; no CPR number or name is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import altair as alt
import pandas as pd

from helpers.analysis import forecast
from helpers.render import charts
from helpers.render.formats import format_month, format_number
from helpers.render.tables import LEGEND, danish_table, protected, whole_kroner
from helpers.reports import expected_result
from helpers.warehouse import marts

REASON_LABELS = {
    "new case": "ny sag",
    "ended": "ophørt",
    "end date moved": "slutdato flyttet",
    "start moved": "startdato flyttet",
    "rate changed": "takst ændret",
    "status or probability changed": "status eller sandsynlighed ændret",
    "several": "flere ændringer",
    "booked": "bogført beløb afviger fra det beregnede",
}
REASON_COUNTS = {
    "new case": ("ny sag", "nye sager"),
    "ended": ("ophørt sag", "ophørte sager"),
    "end date moved": ("flyttet slutdato", "flyttede slutdatoer"),
    "start moved": ("flyttet startdato", "flyttede startdatoer"),
    "rate changed": ("ændret takst", "ændrede takster"),
    "status or probability changed": ("ændret status eller sandsynlighed", "ændrede status eller sandsynligheder"),
    "several": ("sag med flere ændringer", "sager med flere ændringer"),
    "booked": (
        "sag med bogføring, der afviger fra det beregnede",
        "sager med bogføringer, der afviger fra det beregnede",
    ),
}
COLOUR_LABELS = {"red": "Rød", "yellow": "Gul", "green": "Grøn"}


@dataclass
class ForecastReport:
    """One municipality, area, year and as-of date: the expected result and everything it is explained by."""

    municipality_name: str
    er: expected_result.ExpectedResult
    last_month: expected_result.ExpectedResult | None  # the expected result at the previous snapshot, same year
    moved_at_65: bool

    @property
    def year(self) -> int:
        return self.er.year

    @property
    def as_of(self) -> dt.date:
        return self.er.as_of

    @property
    def result(self) -> forecast.Forecast:
        return self.er.result

    def label(self, measure: str) -> str:
        return self.er.labels.get(measure, measure)

    def summary_frame(self) -> pd.DataFrame:
        """The expected-result table with a total row (what the summary shows, in kr.)."""
        table = self.er.table.drop(columns="sub_area")
        total = table.drop(columns="label").sum().round(2).to_frame().T.assign(label="I alt")
        return pd.concat([table, total], ignore_index=True)

    def summary(self) -> pd.io.formats.style.Styler:
        """Expected result against budget per sub-area: current, expected, pool, expected result, budget, deviation, in
        whole kroner that add up across and down (expected_result.WHOLE_KRONER, as the packs round them)."""
        return danish_table(
            whole_kroner(
                self.er.table.drop(columns="sub_area"), **expected_result.WHOLE_KRONER, total=("label", "I alt")
            ),
            {
                "label": "Delområde",
                "current": "Igangværende sager, kr.",
                "expected": "Forventede sager, kr.",
                "pool": "Pulje (skøn), kr.",
                "expected_result": "Forventet regnskab, kr.",
                "budget": "Budget, kr.",
                "deviation": "Afvigelse (+ = merforbrug), kr.",
            },
        )

    def monthly_frame(self) -> pd.DataFrame:
        """Per month and kind: booked and not yet booked (computed) to the as-of date, forecast after it (pool excluded)."""
        monthly = self.result.monthly
        to_date = monthly["month"].isin(self.result.months[: forecast._cutoff(self.year, self.as_of)])
        kind = pd.Series("Prognose", index=monthly.index).where(
            ~to_date, monthly["booked"].map({True: "Bogført", False: UNBOOKED})
        )
        data = monthly.assign(
            amount=monthly["current"] + monthly["expected"], month=monthly["month"].astype(str), kind=kind
        )
        data = data.groupby(["month", "kind"], as_index=False)["amount"].sum()
        return data[data["amount"] != 0].reset_index(drop=True)

    def monthly_figure(self) -> charts.Figure:
        """Booked amounts per month to the as-of date (with the not yet booked computed amounts), the forecast after it."""
        data = self.monthly_frame()
        kinds = ["Bogført", UNBOOKED, "Prognose"]
        chart = (
            alt.Chart(charts.rounded(data))
            .mark_bar()
            .encode(
                x=alt.X("month:O", title="Måned", axis=alt.Axis(labelExpr=charts.MONTH_LABEL)),
                y=alt.Y("amount:Q", title="Kr.", axis=alt.Axis(format=charts.KR_AXIS), stack=True),
                color=alt.Color(
                    "kind:N", title="", scale=alt.Scale(domain=kinds, range=["#0b4f6c", "#6baed6", "#c6dbef"])
                ),
                order=alt.Order("order:Q"),
                tooltip=[
                    alt.Tooltip("month:O", title="Måned"),
                    alt.Tooltip("kind:N", title="Art"),
                    alt.Tooltip("amount:Q", title="Kr.", format=",.0f"),
                ],
            )
            .transform_calculate(order=f"indexof({kinds}, datum.kind)")
            .properties(
                title=f"Bogført og prognose pr. måned {self.year} (pr. {self.as_of:%d.%m.%Y}), uden puljen",
                width=600,
                height=260,
            )
        )
        notes = [
            f"Til og med {self.as_of:%d.%m.%Y}: de bogførte udgifter og, hvor en sags regning for måneden endnu ikke er bogført "
            "(fx fra en anden kommune), den beregnede udgift. Derefter prognosen. Puljen er ikke fordelt på måneder."
        ]
        return charts.Figure(
            chart,
            data.rename(columns={"month": "Måned", "kind": "Art", "amount": "Beløb"}),
            f"maaneder_{self.year}.csv",
            notes,
        )

    def deviation_figure(self) -> charts.Figure:
        """Each sub-area's deviation from budget split into quantity, price and pool (which add up to the table's deviation)."""
        dev = self.er.deviation_parts()
        dev = dev[(dev["budget"] > 0) | (dev["expected_result"] > 0)]
        long = dev.melt(id_vars=["label", "deviation"], value_vars=list(EFFECTS), var_name="effect", value_name="kr")
        long["effect"] = long["effect"].map(EFFECTS)
        tooltip = [
            alt.Tooltip("label:N", title="Delområde"),
            alt.Tooltip("effect:N", title="Del"),
            alt.Tooltip("kr:Q", title="Kr.", format=",.0f"),
            alt.Tooltip("deviation:Q", title="Afvigelse i alt, kr.", format=",.0f"),
        ]
        bars = (
            alt.Chart(charts.rounded(long))
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None),
                x=alt.X(
                    "kr:Q", title="Afvigelse fra budget (+ = merforbrug), kr.", axis=alt.Axis(format=charts.KR_AXIS)
                ),
                color=alt.Color(
                    "effect:N", title="Del", scale=alt.Scale(domain=list(EFFECTS.values()), range=charts.PART_COLOURS)
                ),
                tooltip=tooltip,
            )
        )
        ticks = (
            alt.Chart(charts.rounded(long))
            .mark_tick(color="#1d2733", thickness=2, size=14)
            .encode(y="label:N", x="deviation:Q", tooltip=tooltip)
        )
        chart = alt.layer(bars, ticks).properties(
            title="Afvigelse fra budget: mængde, pris og pulje", width=560, height=26 * len(dev)
        )
        data = dev[
            [
                "label",
                "budget_cases",
                "full_year_cases",
                "budget_price",
                "forecast_price",
                "budget",
                "expected_result",
                "deviation",
                "quantity_effect",
                "price_effect",
                "pool",
            ]
        ]
        notes = [
            (
                "Mængde = (helårssager i prognosen - budgetterede sager) x budgetteret pris; pris = resten af sagernes afvigelse "
                "(helårssager x (prognosens pris - budgetteret pris)); pulje = puljen (skøn). De tre lægger sig præcist sammen til "
                "afvigelsen i tabellen ovenfor (den sorte streg); positiv = merforbrug."
            )
        ]
        return charts.Figure(chart, data, f"afvigelse_{self.year}.csv", notes)

    def change(self) -> dict | None:
        """From last month's expected result to this month's (expected_result.change), or None without a month before."""
        return expected_result.change(self.last_month, self.er) if self.last_month is not None else None

    def change_since_last_month(self) -> tuple[list[str], pd.io.formats.style.Styler | None]:
        """Sentences per sub-area and the itemised changes (pseudonymised ids), from last month's expected result to this one's."""
        result = self.change()
        if result is None:
            return ["Der er ingen opgørelse for måneden før."], None
        items = pd.DataFrame(result["items"], columns=["case_id", "measure", "change", "reason"])
        pool = pd.Series(result["pool_change"], dtype=float)
        sentences = []
        for measure in sorted(set(items["measure"]) | set(pool.index)):
            rows = items[items["measure"] == measure]
            parts = [
                f"{len(g)} {REASON_COUNTS[r][len(g) > 1]} ({_signed(g['change'].sum())} kr.)"
                for r, g in rows.groupby("reason")
            ]
            if measure in pool.index:
                parts.append(f"puljen ({_signed(pool[measure])} kr.)")
            total = rows["change"].sum() + pool.get(measure, 0.0)
            sentences.append(f"{self.label(measure)}: det forventede regnskab er {_moved(total)}: {'; '.join(parts)}.")
        last = self.last_month
        head = (
            f"Det forventede regnskab for {self.year} er {_moved(result['change'])} fra {format_number(result['before_total'])} kr. "
            f"({last.as_of:%d.%m.%Y}) til {format_number(result['after_total'])} kr. ({self.as_of:%d.%m.%Y}): "
            f"{len(items)} sager {_signed(result['cases_change'])} kr. og puljen {_signed(sum(result['pool_change'].values()))} kr."
        )
        shown = items.assign(measure=items["measure"].map(self.label), reason=items["reason"].map(REASON_LABELS))
        table = danish_table(
            shown.sort_values("change", key=abs, ascending=False),
            {
                "case_id": "Sag (pseudonym)",
                "measure": "Delområde",
                "change": "Ændring (+ = merforbrug), kr.",
                "reason": "Årsag",
            },
        )
        return [head, *sentences], table

    def inflow(self) -> pd.io.formats.style.Styler | None:
        """The children's area's transition list summarised by colour and expected adult measure (counts <5 hidden)."""
        t = self.er.transitions
        if t.empty:
            return None
        t = t.assign(
            colour=t["colour"].map(COLOUR_LABELS).fillna(t["colour"]),
            measure=t["expected_measure"].map(lambda m: self.label(m) if isinstance(m, str) else "Ingen voksenindsats"),
            weighted=pd.to_numeric(t["annual_cost_kr"]).astype(float) * t["probability"],
        )
        table = t.groupby(["colour", "measure"], as_index=False).agg(
            young=("case_id", "count"), weighted=("weighted", "sum")
        )
        shown = protected(table, ["young"], column_totals=True, means={"weighted": "young"})
        return danish_table(
            shown,
            {
                "colour": "Farvekode",
                "measure": "Forventet voksenindsats",
                "young": "Unge",
                "weighted": "Forventet årlig udgift (x sandsynlighed), kr.",
            },
        ).set_caption(LEGEND)

    def shadow_budgets(self) -> pd.io.formats.style.Styler:
        """This year, next year and three shadow-budget years per sub-area, by the same rules (known cases only, no pool)."""
        cols = ["year_total", "next_year_total"] + [c for c in self.result.cases if c.startswith("shadow_")]
        table = self.result.cases.groupby("measure")[cols].sum().reset_index()
        table["measure"] = table["measure"].map(self.label)
        total = table.drop(columns="measure").sum().to_frame().T.assign(measure="I alt")
        table = pd.concat([table, total], ignore_index=True)
        names = {
            "measure": "Delområde",
            "year_total": f"{self.year} (uden pulje)",
            "next_year_total": str(self.year + 1),
        }
        names |= {c: str(self.year + 1 + int(c.split("_")[1])) for c in cols if c.startswith("shadow_")}
        return danish_table(table[["measure", *cols]], names)

    def accuracy(self) -> tuple[pd.io.formats.style.Styler, charts.Figure] | None:
        """For the last complete year with monthly snapshots: the forecast at each month-end against the booked result."""
        frame = accuracy(self.er.municipality, self.er.area, self.year - 1)
        if frame.empty:
            return None
        data = frame.assign(label=frame["snapshot_date"].map(format_month))
        base = alt.Chart(charts.rounded(data)).encode(
            x=alt.X("label:O", title="Prognose lavet ved udgangen af", sort=None)
        )
        tooltip = [
            alt.Tooltip("label:O", title="Måned"),
            alt.Tooltip("forecast:Q", title="Prognose uden pulje, kr.", format=",.0f"),
            alt.Tooltip("booked:Q", title="Endeligt bogført, kr.", format=",.0f"),
            alt.Tooltip("deviation_pct:Q", title="Prognose over (+) eller under (-) regnskabet, pct.", format="+,.1f"),
        ]
        names = [
            "Prognose uden pulje",
            "Endeligt bogført",
        ]  # named in a legend: the booked result is the dashed red line
        colour = alt.Color(
            "serie:N",
            title=None,
            legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=2),
            scale=alt.Scale(domain=names, range=["#0b4f6c", "#b2182b"]),
        )
        dash = alt.StrokeDash(
            "serie:N",
            title=None,
            legend=alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=2),
            scale=alt.Scale(domain=names, range=[[1, 0], [5, 3]]),
        )
        line = (
            base.transform_calculate(serie=f"'{names[0]}'")
            .mark_line(point=True)
            .encode(
                y=alt.Y("forecast:Q", title="Kr.", axis=alt.Axis(format=charts.KR_AXIS), scale=alt.Scale(zero=False)),
                color=colour,
                strokeDash=dash,
                tooltip=tooltip,
            )
        )
        rule = (
            base.transform_calculate(serie=f"'{names[1]}'")
            .mark_line()
            .encode(y="booked:Q", color=colour, strokeDash=dash, tooltip=tooltip)
        )
        chart = alt.layer(line, rule).properties(
            title=f"Prognosens træfsikkerhed {self.year - 1}: prognose uden pulje pr. måned mod endeligt regnskab (stiplet)",
            width=600,
            height=260,
        )
        table = danish_table(
            data[["label", "forecast", "booked", "deviation_pct"]],
            {
                "label": "Prognose lavet ved udgangen af",
                "forecast": "Prognose uden pulje, kr.",
                "booked": "Endeligt bogført, kr.",
                "deviation_pct": "Prognose over (+) eller under (-) regnskabet, pct.",
            },
        ).format(precision=1, subset=["Prognose over (+) eller under (-) regnskabet, pct."], decimal=",", thousands=".")
        return table, charts.Figure(chart, frame, f"traefsikkerhed_{self.year - 1}.csv")

    def overlaps(self) -> list[str]:
        return [
            f"Overlappende perioder: sag {o['case_id']} ({self.label(o['measure'])}) fra {o['start_date']}."
            for o in self.result.overlaps
        ]


UNBOOKED = "Beregnet, endnu ikke bogført"
EFFECTS = {
    "quantity_effect": "Mængde (antal helårssager)",
    "price_effect": "Pris (pris pr. helårssag)",
    "pool": "Pulje (skøn)",
}


def _signed(value: float) -> str:
    """'+1.234' or '-1.234' (whole kroner)."""
    return f"{'+' if round(value) >= 0 else '-'}{format_number(abs(value))}"


def _moved(change: float) -> str:
    """'forværret med 1.234 kr.' (more spending), 'forbedret med ...' or 'uændret'."""
    if round(change) == 0:
        return "uændret"
    return f"{'forværret' if change > 0 else 'forbedret'} med {format_number(abs(change))} kr."


def accuracy(municipality: str, area: str, year: int) -> pd.DataFrame:
    """Forecast (no pool) at each month-end snapshot of `year`, by the rules of today's forecast, against the year's booked total."""
    snaps = marts.snapshots(municipality, area)
    actuals = marts.actuals(municipality, area)
    transitions = marts.transitions(municipality)
    booked = actuals.loc[actuals["month"].str.startswith(str(year)), "amount"].sum()
    own = [s for s in snaps if s.year == year]
    if len(own) < 12 or actuals["month"].max() < f"{year}-12":
        return pd.DataFrame(columns=["snapshot_date", "forecast", "booked", "deviation_pct"])
    rows = []
    for snap in own:
        fc = expected_result.forecast_made_at(municipality, area, year, snap, actuals, transitions, snaps)
        rows.append(
            {"snapshot_date": pd.Timestamp(snap), "forecast": fc.current_total + fc.expected_total, "booked": booked}
        )
    out = pd.DataFrame(rows)
    out["deviation_pct"] = 100 * (out["forecast"] / out["booked"] - 1)
    return out


def prepare(
    municipality: str, area: str = "adults", year: int = 2024, as_of: str | dt.date | None = None
) -> ForecastReport:
    """The expected result at the as-of date and last month's, for the report (expected_result.compute)."""
    er = expected_result.compute(municipality, area, as_of, year)
    last_month = expected_result.compute(er.municipality, area, er.previous, year) if er.previous else None
    munis = marts.municipalities().set_index("municipality_code")
    return ForecastReport(
        munis.loc[er.municipality, "municipality_name"],
        er,
        last_month,
        bool(munis.loc[er.municipality, "move_to_elderly_at_65"]),
    )
