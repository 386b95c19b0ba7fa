"""The forecast report (notebooks/forecast.ipynb): expected result against budget with its 80 % interval, monthly
booked and forecast, the deviation split into quantity, price and pool, the change since last month (the largest
movers), the way into or out of the area (the transition list for adults, the age limits for children), shadow budgets,
the backtest, and the report's own data: quarantined rows, ended lines without an end date, unplaced bookings.

The figures come from helpers.reports.expected_result (as in the key-figure packs and the CLI); one sign convention:
a positive deviation or change is an overspend (a worse result). It is the finance staff's case-level working tool:
cases by pseudonym, never a CPR number or a name; a figure it shares with the packs (full-year cases and what gives them
back) is shown with the packs' one protection (expected_result.deviation_shown).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from html import escape

import altair as alt
import pandas as pd
from IPython.display import HTML

from helpers.analysis import backtest, forecast
from helpers.render import charts
from helpers.render.formats import format_date, format_month, format_number, slugify
from helpers.render.tables import LEGEND, Block, danish_table, protected, whole_kroner
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


MOVERS = 15  # "Ændring siden sidste måned" lists the largest movers; the rest is one line (the full list folded below)
METHOD_LABELS = {
    "forecast": "Prognosen",
    "budget": "Budgettet",
    "last_year": "Sidste års regnskab",
    "run_rate": "Bogført til dato x 12 / måneder",
    "last_month": "Sidste måneds prognose",
}
MONTH_NAMES = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
               "november", "december")  # fmt: skip
KIND_NAMES = {"cases": "sagsudtrækket", "actuals": "de bogførte udgifter", "budget": "budgettet",
              "transitions": "overgangslisten"}  # fmt: skip


def section(heading: str, text: str) -> HTML:
    """A section whose heading and text depend on the parameters (the area): an h2 with an id for the table of
    contents and the workbook's sheet names, and its explanation."""
    return HTML(f'<h2 id="{slugify(heading)}">{escape(heading)}</h2><p>{escape(text)}</p>')


def _kr(value: float) -> str:
    """Whole kroner in Danish format, an open bound as 'ingen grænse'."""
    return format_number(value) + " kr." if math.isfinite(value) else "ingen grænse"


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

    # -- the expected result and its interval ---------------------------------------------------------------------------

    def summary_frame(self) -> pd.DataFrame:
        """The expected-result table with a total row and the bounds of the 80 % interval (what the summary shows, kr.)."""
        table = self.er.table.drop(columns="sub_area")
        total = table.drop(columns="label").sum().round(2).to_frame().T.assign(label="I alt")
        frame = pd.concat([table, total], ignore_index=True)
        bounds = self.er.interval_table()
        return frame.assign(low=bounds["low"].to_numpy(), high=bounds["high"].to_numpy())

    def summary(self) -> pd.io.formats.style.Styler:
        """Expected result against budget per sub-area: current, expected, pool, expected result, its 80 % interval,
        budget, deviation, in whole kroner that add up across and down (expected_result.WHOLE_KRONER, as the packs
        round them); the interval's bounds rounded each."""
        exact = self.summary_frame()
        frame = whole_kroner(
            self.er.table.drop(columns="sub_area"), **expected_result.WHOLE_KRONER, total=("label", "I alt")
        ).assign(low=exact["low"].round().to_numpy(), high=exact["high"].round().to_numpy())
        names = {
            "label": "Delområde",
            "current": "Igangværende sager, kr.",
            "expected": "Forventede sager, kr.",
            "pool": "Pulje (skøn), kr.",
            "expected_result": "Forventet regnskab, kr.",
            "low": "80 %-interval fra, kr.",
            "high": "80 %-interval til, kr.",
            "budget": "Budget, kr.",
            "deviation": "Afvigelse (+ = merforbrug), kr.",
        }
        if self.er.interval.method == "none":
            del names["low"], names["high"]
        return danish_table(frame[list(names)].replace([math.inf], math.nan), names)

    def interval_sentences(self) -> list[str]:
        """What the interval says and what it rests on (interval_sentences)."""
        return interval_sentences(self.er)

    # -- monthly -------------------------------------------------------------------------------------------------------

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

    # -- the deviation, protected as the packs protect it -----------------------------------------------------------------

    def deviation_figure(self) -> charts.Figure:
        """Each sub-area's deviation from budget split into quantity, price and pool (which add up to the table's
        deviation); where the full-year cases are hidden (expected_result.deviation_shown), quantity and price as one."""
        dev = self.er.deviation_parts()
        shown = self.er.deviation_shown
        keep = ((dev["budget"] > 0) | (dev["expected_result"] > 0)).to_numpy()
        dev, shown = dev[keep].reset_index(drop=True), shown[keep].reset_index(drop=True)
        dev = dev.assign(cases_effect=dev["quantity_effect"] + dev["price_effect"], hidden=shown["cases_hidden"])
        long = dev.melt(
            id_vars=["label", "deviation", "hidden"], value_vars=list(EFFECTS), var_name="effect", value_name="kr"
        )
        split = long["effect"].isin(["quantity_effect", "price_effect"])
        long = long[
            (split & ~long["hidden"])
            | ((long["effect"] == "cases_effect") & long["hidden"])
            | (long["effect"] == "pool")
        ]
        long = long.assign(effect=long["effect"].map(EFFECTS)).drop(columns="hidden")
        tooltip = [
            alt.Tooltip("label:N", title="Delområde"),
            alt.Tooltip("effect:N", title="Del"),
            alt.Tooltip("kr:Q", title="Kr.", format=",.0f"),
            alt.Tooltip("deviation:Q", title="Afvigelse i alt, kr.", format=",.0f"),
        ]
        domain = list(EFFECTS.values())
        bars = (
            alt.Chart(charts.rounded(long))
            .mark_bar()
            .encode(
                y=alt.Y("label:N", title=None),
                x=alt.X(
                    "kr:Q", title="Afvigelse fra budget (+ = merforbrug), kr.", axis=alt.Axis(format=charts.KR_AXIS)
                ),
                color=alt.Color(
                    "effect:N",
                    title="Del",
                    scale=alt.Scale(domain=domain, range=[*charts.PART_COLOURS[:2], "#b8a37a", charts.PART_COLOURS[2]]),
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
        columns = {
            "label": "Delområde",
            "budget_cases": "Budgetterede helårssager",
            "full_year_cases": "Helårssager i prognosen",
            "budget_price": "Budgetteret pris, kr.",
            "forecast_price": "Gns. pris pr. helårssag, kr.",
        } | expected_result.DEVIATION_NAMES
        notes = [
            "Mængde = (helårssager i prognosen - budgetterede sager) x budgetteret pris; pris = resten af sagernes afvigelse "
            "(helårssager x (prognosens pris - budgetteret pris)); pulje = puljen (skøn). De tre lægger sig præcist sammen til "
            "afvigelsen i tabellen ovenfor (den sorte streg); positiv = merforbrug."
        ]
        if shown["cases_hidden"].any():
            notes.append(
                "Hvor helårssagerne er under 5 (<5) eller skjult (..), vises mængde og pris kun samlet, og prisen pr. "
                "helårssag ikke: opdelingen ville vise antallet, som nøgletalspakkerne skjuler: "
                + ", ".join(shown.loc[shown["cases_hidden"], "label"])
                + "."
            )
        return charts.Figure(chart, shown[list(columns)], f"afvigelse_{self.year}.csv", notes, headers=columns)

    # -- the change since last month --------------------------------------------------------------------------------------

    def change(self) -> dict | None:
        """From last month's expected result to this month's (expected_result.change), or None without a month before."""
        return expected_result.change(self.last_month, self.er) if self.last_month is not None else None

    def change_since_last_month(self) -> tuple[list[str], Block | None]:
        """Sentences per sub-area and the largest movers (pseudonymised ids; the rest as one line, the full list folded
        below it, and in the workbook), from last month's expected result to this one's."""
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
        shown = shown.sort_values("change", key=abs, ascending=False, kind="stable").reset_index(drop=True)
        names = {
            "case_id": "Sag (pseudonym)",
            "measure": "Delområde",
            "change": "Ændring (+ = merforbrug), kr.",
            "reason": "Årsag",
        }
        top = shown.head(MOVERS)
        rest = shown.iloc[MOVERS:]
        if len(rest):
            line = {
                "case_id": f"Øvrige {len(rest)} sager",
                "measure": "",
                "change": rest["change"].sum(),
                "reason": "",
            }
            top = pd.concat([top, pd.DataFrame([line])], ignore_index=True)
        parts: list = [danish_table(top, names, title="Største ændringer")]
        if len(rest):
            sentences.append(
                f"Tabellen viser de {MOVERS} største ændringer og de øvrige {len(rest)} sager samlet; hele listen med "
                f"alle {len(shown)} sager står nedenfor (foldet sammen) og i Excel-projektmappen."
            )
            parts += [
                f"<details><summary>Hele listen: alle {len(shown)} sager</summary><h3>Alle ændrede sager</h3>",
                danish_table(shown, names, title="Alle ændrede sager"),
                "</details>",
            ]
        return [head, *sentences], Block(*parts)

    # -- into and out of the area ---------------------------------------------------------------------------------------

    def flow_section(self) -> HTML:
        """The area's own section on young people moving between the areas: for adults the children's area's transition
        list (inflow), for children the law's age limits and the list's young people leaving."""
        if self.er.area == "adults":
            return section(
                "Tilgang fra børneområdet",
                "Unge fra 16 år, som børneområdet forventer går over til voksenområdet (ved 18 år, eller 23 med efterværn), "
                "opsummeret efter farvekode (rød: næsten sikker, gul: mulig, grøn: næppe) og forventet voksenindsats. I "
                "voksenprognosen indgår de som forventede sager fra overgangsdatoen med deres sandsynlighed; i børneprognosen "
                "slutter deres indsatser, hvor loven slutter dem, så ingen regnes med to gange. Antal under 5 vises ikke.",
            )
        return section(
            "Afgang ved aldersgrænsen",
            "Et barns indsats slutter, hvor loven slutter den: anbringelser og de øvrige indsatser dagen før 18-årsdagen, "
            "efterværn dagen før 23-årsdagen, også når sagen står uden slutdato. Tabellen viser, hvor mange sager der "
            "slutter sådan i året og de følgende år, og hvad de ellers ville have kostet. Unge, som børneområdet forventer "
            "går over til voksenområdet (overgangslisten), indgår i voksenprognosen fra overgangsdatoen. Antal under 5 "
            "vises ikke.",
        )

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

    def age_limits(self) -> HTML | Block:
        """Children: per sub-area and year, the cases the law ends (18, efterværn 23), and what the days it cuts off
        would have cost (counts under 5 hidden)."""
        costed = self.result.periods
        cut = costed[costed["age_limit"].notna()] if "age_limit" in costed else costed.iloc[0:0]
        years = list(range(self.year, self.year + 2 + forecast.SHADOW_YEARS))
        cut = cut[pd.to_datetime(cut["end_date"]).dt.year.isin(years)]
        if cut.empty:
            return HTML("<p>Ingen sager slutter ved aldersgrænsen i året eller de følgende år.</p>")
        cut = cut.assign(year=pd.to_datetime(cut["end_date"]).dt.year)
        cut_off = cut.assign(
            start_date=pd.to_datetime(cut["end_date"]) + pd.Timedelta(days=1), end_date=cut["end_by_extract"]
        ).drop(columns=["age_limit", "end_by_extract"])
        saved = [forecast.forecast(cut_off, y, shadow_years=0).by_month().sum() for y in years]
        counts = cut.drop_duplicates(forecast.KEY).groupby(["measure", "year"]).size().unstack("year")
        frame = counts.reindex(columns=years).fillna(0).astype(int)
        frame.columns = [str(y) for y in years]
        frame = frame.reset_index().assign(measure=lambda f: f["measure"].map(self.label))
        shown = protected(frame, [str(y) for y in years], column_totals=True)
        names = {"measure": "Delområde"} | {str(y): f"Sager, der slutter ved aldersgrænsen i {y}" for y in years}
        spared = [f"{format_number(v)} kr. i {y}" for y, v in zip(years, saved) if round(v)]
        sentence = f"Uden aldersgrænsen ville sagerne have kostet {_and(spared)} mere." if spared else ""
        table = danish_table(shown[list(names)], names).set_caption(LEGEND)
        return Block(table, f"<p>{escape(sentence)}</p>" if sentence else "")

    def shadow_text(self) -> str:
        """The shadow budgets' explanation, with the rules of the area."""
        rules = (
            "En sags indsats slutter, hvor loven slutter den (18 år, efterværn 23 år)."
            if self.er.area == "children"
            else (
                "Kommunen flytter borgere til ældreområdet ved 65 år, så sagerne slutter dagen før 65-årsdagen. "
                if self.moved_at_65
                else ""
            )
            + "Unge fra overgangslisten indgår fra overgangsdatoen med deres sandsynlighed."
        )
        return (
            "De kendte sager ført frem efter de samme regler: året, næste år og tre skyggebudgetår pr. delområde. Nye sager, "
            f"som ikke er kendt endnu, er ikke med; puljen heller ikke. {rules}"
        )

    def shadow_budgets(self) -> pd.io.formats.style.Styler:
        """This year, next year and three shadow-budget years per sub-area, by the same rules (known cases only, no pool)."""
        later = self.result.later_years()
        cols = ["year_total", *later.values()]
        table = self.result.cases.groupby("measure")[cols].sum().reset_index()
        table["measure"] = table["measure"].map(self.label)
        total = table.drop(columns="measure").sum().to_frame().T.assign(measure="I alt")
        table = pd.concat([table, total], ignore_index=True)
        names = {"measure": "Delområde", "year_total": f"{self.year} (uden pulje)"} | {
            c: str(y) for y, c in later.items()
        }
        return danish_table(table[["measure", *cols]], names)

    # -- the backtest -----------------------------------------------------------------------------------------------------

    def backtest_figure(self) -> charts.Figure | None:
        """Last complete year: the forecast made at each month-end (with the pool of then) against the final result."""
        rows = self.er.backtest.rows
        if rows.empty:
            return None
        year = int(rows["year"].max())
        data = rows[rows["year"] == year].assign(
            label=lambda r: r["month"].map(lambda m: format_month(f"{year}-{m:02d}"))
        )
        data = data.assign(deviation_pct=100 * (data["forecast"] / data["final"].where(data["final"] != 0) - 1))[
            ["label", "forecast", "final", "deviation_pct"]
        ]
        base = alt.Chart(charts.rounded(data)).encode(
            x=alt.X("label:O", title="Prognose lavet ved udgangen af", sort=None)
        )
        tooltip = [
            alt.Tooltip("label:O", title="Måned"),
            alt.Tooltip("forecast:Q", title="Prognose, kr.", format=",.0f"),
            alt.Tooltip("final:Q", title="Endeligt bogført, kr.", format=",.0f"),
            alt.Tooltip("deviation_pct:Q", title="Prognose over (+) eller under (-) regnskabet, pct.", format="+,.1f"),
        ]
        names = ["Prognose (med datidens pulje)", "Endeligt bogført"]
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
            .encode(y="final:Q", color=colour, strokeDash=dash, tooltip=tooltip)
        )
        chart = alt.layer(line, rule).properties(
            title=f"Prognosens træfsikkerhed {year}: prognosen ved hver månedsafslutning mod endeligt regnskab (stiplet)",
            width=600,
            height=260,
        )
        return charts.Figure(chart, data, f"traefsikkerhed_{year}.csv", headers=BACKTEST_HEADERS)

    def backtest_table(self) -> pd.io.formats.style.Styler | None:
        """Per month-end the mean absolute errors of the forecast and the baselines (backtest_table)."""
        return backtest_table(self.er)

    def backtest_sentences(self) -> list[str]:
        """The backtest in words (backtest_sentences)."""
        return backtest_sentences(self.er)

    # -- the report's own data ------------------------------------------------------------------------------------------

    def data_quality(self) -> list[str]:
        """The report's own data: per extract rows read and quarantined, the quarantined rows by sub-area with their
        reasons in Danish, overlapping periods, ended lines costed to the as-of date, bookings placed on no measure or
        in no area."""
        er, out = self.er, []
        extracts = marts.forecast_extracts(er.municipality, er.snapshot)
        for row in extracts.itertuples():
            out.append(
                f"{KIND_NAMES.get(row.kind, row.kind).capitalize()} ({row.file}): {format_number(row.rows_read)} rækker læst, "
                f"{format_number(row.rejected)} afvist"
                + (f", {format_number(row.unmapped)} med ukendte værdier" if row.unmapped else "")
                + "."
            )
        for row in self.quarantined().itertuples():
            out.append(f"Afvist: {row.file}, linje {row.line} ({row.sub_area}): {row.reason}")
        for o in self.result.overlaps:
            out.append(f"Overlappende perioder: sag {o['case_id']} ({self.label(o['measure'])}) fra {o['start_date']}.")
        for e in self.result.ended_without_end:
            out.append(
                f"Afsluttet uden slutdato: sag {e['case_id']} ({self.label(e['measure'])}) fra "
                f"{format_date(dt.date.fromisoformat(e['start_date']))}, regnet med til {format_date(self.as_of)}."
            )
        unplaced = self.result.unplaced
        if unplaced is not None and len(unplaced):
            out.append(
                f"Bogført uden indsats: {len(unplaced)} bogføringer på i alt {format_number(unplaced['amount'].sum())} kr. "
                "kunne ikke fordeles på en af borgerens indsatser i måneden; de står som "
                f"“{expected_result.UNPLACED_LABEL}” i tabellen øverst."
            )
        if len(er.without_area):
            out.append(
                f"Bogført uden indsats og funktion: {len(er.without_area)} bogføringer på i alt "
                f"{format_number(er.without_area['amount'].sum())} kr. kan ikke henføres til et område og indgår ikke i "
                "prognosen."
            )
        return out

    def quarantined(self) -> pd.DataFrame:
        """The quarantined rows of the report's extracts that belong to the area (or to none known): file, line,
        sub-area and the reason in Danish."""
        rows = marts.forecast_quarantine(self.er.municipality, self.er.snapshot, self.er.area)
        return rows.assign(sub_area=rows["measure_label"].fillna(rows["measure"]).fillna("delområde ukendt"))[
            ["file", "line", "sub_area", "reason"]
        ]


UNBOOKED = "Beregnet, endnu ikke bogført"
EFFECTS = {
    "quantity_effect": "Mængde (antal helårssager)",
    "price_effect": "Pris (pris pr. helårssag)",
    "cases_effect": "Mængde og pris (opdeling skjult)",
    "pool": "Pulje (skøn)",
}
BACKTEST_HEADERS = {
    "label": "Prognose lavet ved udgangen af",
    "forecast": "Prognose, kr.",
    "final": "Endeligt bogført, kr.",
    "deviation_pct": "Prognose over (+) eller under (-) regnskabet, pct.",
}


def interval_sentences(er: expected_result.ExpectedResult) -> list[str]:
    """What the interval says and what it rests on, including the fallback and when there is none."""
    found = er.interval
    month = MONTH_NAMES[er.interval_month - 1]
    years = er.interval_json()["years"]
    if found.method == "none":
        return [
            f"Der er intet interval: der er ingen afsluttede år før {er.year} med prognoser lavet ved udgangen af "
            f"{month} at måle fejlene på."
        ]
    low, high = er.interval.bounds(er.total)
    basis = (
        f"de {found.n} fejl, som prognoserne lavet ved udgangen af {month} i {_years(years)} havde pr. delområde "
        "mod det endelige regnskab"
    )
    head = (
        f"Det forventede regnskab på {_kr(er.total)} ligger med et 80 %-interval mellem {_kr(low)} og {_kr(high)}, "
        f"hvis prognosen rammer, som den har ramt før: intervallet bygger på {basis}."
    )
    if found.method == "empirical":
        how = (
            f"Prognoserne lå fra {format_number(100 * found.low, 1)} % til {format_number(100 * found.high, 1)} % fra "
            "regnskabet (10 %- og 90 %-fraktilen af fejlene); samme interval bruges for hvert delområde og for "
            "området, hvor det er bredere end nødvendigt, fordi delområdernes fejl delvis udligner hinanden."
        )
    else:
        how = (
            f"Der er færre end {backtest.MIN_ERRORS} fejl, så fraktilerne siger for lidt: intervallet er i stedet den "
            f"største fejl til begge sider (± {format_number(100 * found.high, 1)} %). Det er et groft skøn."
        )
    return [head, how]


def backtest_table(er: expected_result.ExpectedResult) -> pd.io.formats.style.Styler | None:
    """Per month-end over the past years: the mean absolute error of the forecast and of each baseline (% of the final
    result; a baseline without a year to compare on is left out, the sentences say so), the forecast's mean signed error
    and the interval's coverage where it could be measured."""
    by_month = er.backtest.by_month()
    if by_month.empty:
        return None
    frame = by_month.assign(month=by_month["month"].map(lambda m: MONTH_NAMES[m - 1].capitalize()))
    names = {"month": "Prognose lavet ved udgangen af", "forecast_bias_pct": "Prognosen over (+) / under (-), pct."}
    names |= {
        f"{m}_mae_pct": f"{label}: gns. fejl, pct."
        for m, label in METHOD_LABELS.items()
        if frame[f"{m}_mae_pct"].notna().any()
    }
    if frame["intervals"].sum():
        frame = frame.assign(coverage=100 * frame["coverage"])
        names["coverage"] = "80 %-intervallet ramte, pct. af årene"
    return danish_table(frame[list(names)], names, decimals=1)


def backtest_sentences(er: expected_result.ExpectedResult) -> list[str]:
    """The backtest in words: which years, how far off the forecast was on average, its skill against each baseline,
    what could not be measured, and the interval's coverage."""
    bt = er.backtest
    if not bt.years:
        return [
            f"Der er intet afsluttet år før {er.year} med månedlige sagsudtræk og et fuldt bogført regnskab, så "
            "prognosen kan endnu ikke måles mod et endeligt regnskab."
        ]
    overall = bt.overall()
    if not math.isfinite(overall["forecast_mae_pct"]):
        return [
            f"Der er intet bogført i {_years(bt.years)}, så prognosens fejl kan ikke opgøres i forhold til det endelige "
            "regnskab."
        ]
    out = [
        f"Prognoserne lavet ved hver månedsafslutning i {_years(bt.years)} lå i gennemsnit "
        f"{format_number(overall['forecast_mae_pct'], 1)} % fra det endelige regnskab "
        f"({'over' if overall['forecast_bias_pct'] > 0 else 'under'} i gennemsnit "
        f"{format_number(abs(overall['forecast_bias_pct']), 1)} %)."
    ]
    better, worse, missing = [], [], []
    for method, label in METHOD_LABELS.items():
        if method == "forecast":
            continue
        skill = overall[f"{method}_skill"]
        if skill is None or not math.isfinite(skill):
            missing.append(label.lower())
        elif skill > 0:
            better.append(f"{label.lower()} ({format_number(overall[f'{method}_mae_pct'], 1)} %)")
        else:
            worse.append(f"{label.lower()} ({format_number(overall[f'{method}_mae_pct'], 1)} %)")
    if better:
        out.append("Prognosen ramte bedre end " + _and(better) + " (gennemsnitlig fejl i parentes).")
    if worse:
        out.append("Prognosen ramte ikke bedre end " + _and(worse) + ": dér er en enkel regel lige så god.")
    if missing:
        out.append("Kan ikke sammenlignes endnu: " + _and(missing) + " (kræver et tidligere afsluttet år).")
    if overall["intervals"]:
        out.append(
            f"80 %-intervallet, som siden ville have stået her, ramte det endelige regnskab i "
            f"{format_number(100 * overall['coverage'], 0)} % af {overall['intervals']} månedsafslutninger."
        )
    else:
        out.append(
            "Intervallets træfsikkerhed kan først måles, når der er mindst to afsluttede år: intervallet for et år "
            "bygger kun på årene før."
        )
    return out


def _years(years: list[int]) -> str:
    """'2023' or '2021-2023'."""
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _and(parts: list[str]) -> str:
    """'a', 'a og b', 'a, b og c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " og " + parts[-1]


def _signed(value: float) -> str:
    """'+1.234' or '-1.234' (whole kroner)."""
    return f"{'+' if round(value) >= 0 else '-'}{format_number(abs(value))}"


def _moved(change: float) -> str:
    """'forværret med 1.234 kr.' (more spending), 'forbedret med ...' or 'uændret'."""
    if round(change) == 0:
        return "uændret"
    return f"{'forværret' if change > 0 else 'forbedret'} med {format_number(abs(change))} kr."


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
