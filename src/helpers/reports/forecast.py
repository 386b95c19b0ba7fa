"""The forecast report (notebooks/forecast.ipynb): expected result against budget, monthly booked and forecast,
the deviation split into quantity and price, the change since last month, inflow, shadow budgets and accuracy.

Reads the marts; the engine is helpers.forecast. Case ids are pseudonyms; no CPR number or name is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import altair as alt
import pandas as pd

from helpers.analysis import forecast
from helpers.render import charts
from helpers.render.formats import format_number
from helpers.render.tables import danish_table, protected
from helpers.warehouse import marts

REASON_LABELS = {"new case": "ny sag", "ended": "ophørt", "end date moved": "slutdato flyttet", "start moved": "startdato flyttet",
                 "rate changed": "takst ændret", "status or probability changed": "status eller sandsynlighed ændret", "several": "flere ændringer"}
REASON_COUNTS = {"new case": ("ny sag", "nye sager"), "ended": ("ophørt sag", "ophørte sager"),
                 "end date moved": ("flyttet slutdato", "flyttede slutdatoer"), "start moved": ("flyttet startdato", "flyttede startdatoer"),
                 "rate changed": ("ændret takst", "ændrede takster"),
                 "status or probability changed": ("ændret status eller sandsynlighed", "ændrede status eller sandsynligheder"),
                 "several": ("sag med flere ændringer", "sager med flere ændringer")}
COLOUR_LABELS = {"red": "Rød", "yellow": "Gul", "green": "Grøn"}


@dataclass
class ForecastReport:
    """One municipality, area, year and as-of date: the forecast and everything it is explained by."""

    municipality: str
    municipality_name: str
    area: str
    year: int
    as_of: dt.date
    snapshot: dt.date
    previous: dt.date | None
    periods: pd.DataFrame
    actuals: pd.DataFrame
    budget: pd.DataFrame
    transitions: pd.DataFrame
    labels: dict[str, str]
    result: forecast.Forecast
    pool_by_measure: pd.Series
    moved_at_65: bool

    def label(self, measure: str) -> str:
        return self.labels.get(measure, measure)

    def summary(self) -> pd.io.formats.style.Styler:
        """Expected result against budget per sub-area: current, expected, pool, forecast, budget, deviation."""
        dev = forecast.budget_deviation(self.result, self.budget).set_index("measure")
        by = self.result.by_measure()
        table = dev.join(by, how="left").fillna({"current": 0.0, "expected": 0.0})
        table["pool"] = self.pool_by_measure.reindex(table.index).fillna(0.0)
        table["total"] = table["forecast"] + table["pool"]
        table["deviation_total"] = table["total"] - table["budget"]
        table = table.reset_index()
        table["measure"] = table["measure"].map(self.label)
        total = table.drop(columns="measure").sum(numeric_only=True).to_frame().T.assign(measure="I alt")
        table = pd.concat([table, total], ignore_index=True)
        shown = table[["measure", "current", "expected", "pool", "total", "budget", "deviation_total"]]
        return danish_table(shown, {"measure": "Delområde", "current": "Igangværende sager, kr.", "expected": "Forventede sager, kr.",
                                    "pool": "Pulje (skøn), kr.", "total": "Forventet regnskab, kr.", "budget": "Budget, kr.",
                                    "deviation_total": "Afvigelse, kr."})

    def monthly_figure(self) -> charts.Figure:
        """Booked and forecast amounts per month of the year (booked to the as-of date, computed after)."""
        m = self.result.monthly.assign(amount=self.result.monthly["current"] + self.result.monthly["expected"],
                                       month=self.result.monthly["month"].astype(str))
        m["kind"] = m["booked"].map({True: "Bogført", False: "Prognose"})
        data = m.groupby(["month", "kind"], as_index=False)["amount"].sum()
        chart = alt.Chart(charts.rounded(data)).mark_bar().encode(
            x=alt.X("month:O", title="Måned"), y=alt.Y("amount:Q", title="Kr.", axis=alt.Axis(format=",.0f"), stack=True),
            color=alt.Color("kind:N", title="", scale=alt.Scale(domain=["Bogført", "Prognose"], range=["#0b4f6c", "#9ecae1"])),
            tooltip=[alt.Tooltip("month:O", title="Måned"), alt.Tooltip("kind:N", title="Art"), alt.Tooltip("amount:Q", title="Kr.", format=",.0f")],
        ).properties(title=f"Bogført og prognose pr. måned {self.year} (pr. {self.as_of:%d.%m.%Y})", width=600, height=260)
        notes = ["Bogført: de bogførte udgifter erstatter den beregnede udgift for sagen og måneden til og med opgørelsesdatoen."]
        return charts.Figure(chart, data.rename(columns={"month": "Måned", "kind": "Art", "amount": "Beløb"}), f"maaneder_{self.year}.csv", notes)

    def deviation_figure(self) -> charts.Figure:
        """Each sub-area's deviation from budget split into a quantity effect and a price effect (which add up)."""
        dev = forecast.budget_deviation(self.result, self.budget)
        dev = dev[dev["budget"] > 0]
        long = dev.melt(id_vars=["measure", "deviation"], value_vars=["quantity_effect", "price_effect"], var_name="effect", value_name="kr")
        long["effect"] = long["effect"].map({"quantity_effect": "Mængde (antal helårssager)", "price_effect": "Pris (pris pr. helårssag)"})
        long["measure"] = long["measure"].map(self.label)
        tooltip = [alt.Tooltip("measure:N", title="Delområde"), alt.Tooltip("effect:N", title="Effekt"),
                   alt.Tooltip("kr:Q", title="Kr.", format=",.0f"), alt.Tooltip("deviation:Q", title="Afvigelse i alt, kr.", format=",.0f")]
        bars = alt.Chart(charts.rounded(long)).mark_bar().encode(
            y=alt.Y("measure:N", title=None), x=alt.X("kr:Q", title="Afvigelse fra budget, kr.", axis=alt.Axis(format=",.0f")),
            color=alt.Color("effect:N", title="Effekt", scale=alt.Scale(range=["#5b8db8", "#e08214"])), tooltip=tooltip)
        ticks = alt.Chart(charts.rounded(long)).mark_tick(color="#1d2733", thickness=2, size=14).encode(y="measure:N", x="deviation:Q", tooltip=tooltip)
        chart = alt.layer(bars, ticks).properties(title="Afvigelse fra budget: mængde og pris", width=560, height=26 * dev["measure"].nunique())
        data = dev.assign(measure=dev["measure"].map(self.label))[["measure", "budget_cases", "full_year_cases", "budget_price", "forecast_price",
                                                                   "budget", "forecast", "deviation", "quantity_effect", "price_effect"]]
        notes = [("Mængde = (helårssager i prognosen - budgetterede sager) x budgetteret pris; pris = helårssager x (prognosens pris - "
                  "budgetteret pris). De to lægger sig præcist sammen til afvigelsen (den sorte streg). Puljen indgår ikke.")]
        return charts.Figure(chart, data, f"afvigelse_{self.year}.csv", notes)

    def change_since_last_month(self) -> tuple[list[str], pd.io.formats.style.Styler | None]:
        """Sentences per sub-area and the itemised changes (pseudonymised ids) against the previous month's extract."""
        if self.previous is None:
            return ["Der er ingen opgørelse for måneden før."], None
        before = marts.case_periods(self.municipality, self.area, self.previous)
        result = forecast.diff(before, self.periods, self.year, self.as_of)
        items = pd.DataFrame(result["items"], columns=["case_id", "measure", "change", "reason"])
        sentences = []
        for measure, rows in items.groupby("measure"):
            total = rows["change"].sum()
            parts = "; ".join(f"{len(g)} {REASON_COUNTS[r][len(g) > 1]} ({'+' if g['change'].sum() >= 0 else '-'}"
                              f"{format_number(abs(g['change'].sum()))} kr.)" for r, g in rows.groupby("reason"))
            verb = "uændret" if round(total) == 0 else ("forværret med " if total > 0 else "forbedret med ") + f"{format_number(abs(total))} kr."
            sentences.append(f"{self.label(measure)}: prognosen er {verb}: {parts}.")
        head = (f"Prognosen for {self.year} er ændret med {'+' if result['change'] >= 0 else '-'}{format_number(abs(result['change']))} kr. "
                f"fra {format_number(result['before_total'])} kr. ({self.previous:%d.%m.%Y}) til {format_number(result['after_total'])} kr. "
                f"({self.snapshot:%d.%m.%Y}) i {len(items)} sager.")
        shown = items.assign(measure=items["measure"].map(self.label), reason=items["reason"].map(REASON_LABELS))
        table = danish_table(shown.sort_values("change", key=abs, ascending=False),
                             {"case_id": "Sag (pseudonym)", "measure": "Delområde", "change": "Ændring, kr.", "reason": "Årsag"})
        return [head, *sentences], table

    def inflow(self) -> pd.io.formats.style.Styler | None:
        """The children's area's transition list summarised by colour and expected adult measure (counts <5 hidden)."""
        t = self.transitions
        if t.empty:
            return None
        t = t.assign(colour=t["colour"].map(COLOUR_LABELS).fillna(t["colour"]),
                     measure=t["expected_measure"].map(lambda m: self.label(m) if isinstance(m, str) else "Ingen voksenindsats"),
                     weighted=pd.to_numeric(t["annual_cost_kr"]).astype(float) * t["probability"])
        table = t.groupby(["colour", "measure"], as_index=False).agg(young=("case_id", "count"), weighted=("weighted", "sum"))
        shown = protected(table, ["young"], column_totals=True, means={"weighted": "young"})
        return danish_table(shown, {"colour": "Farvekode", "measure": "Forventet voksenindsats", "young": "Unge",
                                    "weighted": "Forventet årlig udgift (x sandsynlighed), kr."})

    def shadow_budgets(self) -> pd.io.formats.style.Styler:
        """This year, next year and three shadow-budget years per sub-area, by the same rules (known cases only)."""
        cols = ["year_total", "next_year_total"] + [c for c in self.result.cases if c.startswith("shadow_")]
        table = self.result.cases.groupby("measure")[cols].sum().reset_index()
        table["measure"] = table["measure"].map(self.label)
        total = table.drop(columns="measure").sum().to_frame().T.assign(measure="I alt")
        table = pd.concat([table, total], ignore_index=True)
        names = {"measure": "Delområde", "year_total": str(self.year), "next_year_total": str(self.year + 1)}
        names |= {c: str(self.year + 1 + int(c.split("_")[1])) for c in cols if c.startswith("shadow_")}
        return danish_table(table[["measure", *cols]], names)

    def accuracy(self) -> tuple[pd.io.formats.style.Styler, charts.Figure] | None:
        """For the last complete year with monthly snapshots: the forecast at each month-end against the booked result."""
        frame = accuracy(self.municipality, self.area, self.year - 1)
        if frame.empty:
            return None
        data = frame.assign(label=frame["snapshot_date"].dt.strftime("%m-%Y"))
        base = alt.Chart(charts.rounded(data)).encode(x=alt.X("label:O", title="Prognose lavet ved udgangen af", sort=None))
        tooltip = [alt.Tooltip("label:O", title="Måned"), alt.Tooltip("forecast:Q", title="Prognose, kr.", format=",.0f"),
                   alt.Tooltip("booked:Q", title="Endeligt bogført, kr.", format=",.0f"), alt.Tooltip("deviation_pct:Q", title="Afvigelse, pct.", format="+,.1f")]
        line = base.mark_line(point=True, color="#0b4f6c").encode(y=alt.Y("forecast:Q", title="Kr.", axis=alt.Axis(format=",.0f"), scale=alt.Scale(zero=False)),
                                                                  tooltip=tooltip)
        rule = base.mark_line(strokeDash=[5, 3], color="#b2182b").encode(y="booked:Q", tooltip=tooltip)
        chart = alt.layer(line, rule).properties(title=f"Prognosens træfsikkerhed {self.year - 1}: prognose pr. måned mod endeligt regnskab (stiplet)",
                                                 width=600, height=260)
        table = danish_table(data[["label", "forecast", "booked", "deviation_pct"]],
                             {"label": "Prognose lavet ved udgangen af", "forecast": "Prognose, kr.", "booked": "Endeligt bogført, kr.",
                              "deviation_pct": "Afvigelse, pct."}).format(precision=1, subset=["Afvigelse, pct."], decimal=",", thousands=".")
        return table, charts.Figure(chart, frame, f"traefsikkerhed_{self.year - 1}.csv")

    def overlaps(self) -> list[str]:
        return [f"Overlappende perioder: sag {o['case_id']} ({self.label(o['measure'])}) fra {o['start_date']}." for o in self.result.overlaps]


def accuracy(municipality: str, area: str, year: int) -> pd.DataFrame:
    """Forecast at each month-end snapshot of `year` (actuals to that date, computed rest) against the year's booked total."""
    snaps = [s for s in marts.snapshots(municipality, area) if s.year == year]
    actuals = marts.actuals(municipality, area)
    booked = actuals.loc[actuals["month"].str.startswith(str(year)), "amount"].sum()
    if len(snaps) < 12 or actuals["month"].max() < f"{year}-12":
        return pd.DataFrame(columns=["snapshot_date", "forecast", "booked", "deviation_pct"])
    rows = []
    for snap in snaps:
        fc = forecast.forecast(marts.case_periods(municipality, area, snap), year, snap, actuals)
        rows.append({"snapshot_date": pd.Timestamp(snap), "forecast": fc.current_total + fc.expected_total, "booked": booked})
    out = pd.DataFrame(rows)
    out["deviation_pct"] = 100 * (out["forecast"] / out["booked"] - 1)
    return out


def prepare(municipality: str, area: str = "adults", year: int = 2024, as_of: str | dt.date | None = None) -> ForecastReport:
    """Read the snapshot at (or last before) the as-of date, actuals, budget, transitions and settings; run the forecast."""
    municipality = str(municipality).zfill(3)
    snaps = marts.snapshots(municipality, area)
    if not snaps:
        raise ValueError(f"no case snapshots for municipality {municipality}, area {area}")
    as_of = dt.date.fromisoformat(str(as_of)) if as_of else snaps[-1]
    usable = [s for s in snaps if s <= as_of]
    if not usable:
        raise ValueError(f"no case snapshot on or before {as_of}; the first is {snaps[0]}")
    snapshot = usable[-1]
    previous = usable[-2] if len(usable) > 1 else None
    periods = marts.case_periods(municipality, area, snapshot)
    munis = marts.municipalities().set_index("municipality_code")
    moved = bool(munis.loc[municipality, "move_to_elderly_at_65"])
    if moved and area == "adults":
        periods = forecast.end_at_65(periods, periods["birth_date"])
    transitions = marts.transitions(municipality)
    engine_periods = periods
    if area == "adults":
        engine_periods = pd.concat([periods, forecast.transitions_as_cases(transitions)], ignore_index=True)
    actuals = marts.actuals(municipality, area)
    budget = marts.budget(municipality, area, year)
    measures = marts.measures()
    labels = dict(zip(measures["measure"], measures["label_da"]))
    name = munis.loc[municipality, "municipality_name"]
    pool = _suggested_pool(municipality, area, year, actuals)
    result = forecast.forecast(engine_periods, year, as_of, actuals, float(pool.sum()))
    return ForecastReport(municipality, name, area, year, as_of, snapshot, previous, periods, actuals, budget, transitions, labels,
                          result, pool, moved)


def _suggested_pool(municipality: str, area: str, year: int, actuals: pd.DataFrame) -> pd.Series:
    """Per measure: the average net unknown inflow of up to three earlier complete years (booked minus the
    forecast made at the end of that year's January); empty when no earlier year is complete."""
    gaps = []
    for past in range(year - 3, year):
        first = next((s for s in marts.snapshots(municipality, area) if s.year == past), None)
        if first is None or actuals["month"].max() < f"{past}-12":
            continue
        fc = forecast.forecast(marts.case_periods(municipality, area, first), past, first, actuals)
        computed = fc.by_measure().sum(axis=1)
        booked = actuals[actuals["month"].str.startswith(str(past))].groupby("measure")["amount"].sum()
        gaps.append(booked.sub(computed, fill_value=0.0))
    return pd.concat(gaps, axis=1).mean(axis=1) if gaps else pd.Series(dtype=float)
