"""Key-figure packs per audience (notebooks/indicators.ipynb): politicians, finance, department.

`Pack.sections()` gives (heading, text, parts) in the audience's order; the notebook only displays them: each heading and
its text as Markdown (docs/reader-text.md), then its tables and figures. Every table
with counts is protected (helpers.render.tables.protected): counts under 5 are `<5` and a complementary cell `..`, per
area, since the area's totals are shown (conclusions, the chart of recipients over time); a count shown in two tables
(recipients) is protected once and shown the same in both, and the markers a table uses are explained under it.
Charts are drawn from the same protected figures (a hidden count is missing, and a note says so).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from html import escape

import pandas as pd
from IPython.display import Markdown

from helpers import labels
from helpers.analysis import flows as indicators
from helpers.analysis import progression
from helpers.labels import FEW, HIDDEN, SMALL, SMALL_TEXT, is_small
from helpers.render import charts
from helpers.render.formats import Shown, format_date, format_number, opening_count, rounded_to_total
from helpers.render.tables import Block, DanishTable, bullets, danish_table, protected, rounded_kroner, whole_kroner
from helpers.render.text import paragraph, section
from helpers.reports import expected_result
from helpers.reports import forecast as forecast_report
from helpers.warehouse import marts

AUDIENCES = labels.AUDIENCE_LABELS
AREA_LABELS = labels.AREA_LABELS
AREA_SUBJECTS = {
    "children": "Børne- og ungeområdet",
    "adults": "Voksenområdet",
}  # the area as the subject of a sentence
PROVIDER_LABELS = {"own": "egne tilbud", "other": "andre leverandører"}
OVERRUN, ON_BUDGET, UNDERRUN = (
    "Merforbrug",
    "På budget",
    "Mindreforbrug",
)  # a deviation's status, by the materiality band
MAX_POLITICIAN_COLUMNS = 7  # a politician's table stays readable: at most this many columns


def age_group_label(code: str) -> str:
    """'18_22' -> '18-22-årige'."""
    return code.replace("_", "-") + "-årige"


def mio(value: float) -> str:
    """Kroner as Danish millions with one decimal: 16855775 -> '16,9'."""
    return format_number(value / 1e6, 1)


def legend(raw: pd.DataFrame, shown: pd.DataFrame, derived: list[str] = ()) -> str:
    """The markers a protected table uses, explained (empty when it uses none): `<5`, `..`, `*`, and an empty cell in a
    `derived` column (a mean or share) that has a value in `raw` but is left out."""
    text = shown.astype(str)
    parts = []
    if text.eq(SMALL_TEXT).any().any():
        parts.append(f"{SMALL_TEXT}: færre end {SMALL} (1-{SMALL - 1}), vises ikke, da tallet kan pege på en person.")
    if text.eq(HIDDEN).any().any():
        parts.append(
            f"{HIDDEN}: et større tal, der er skjult, så et tal under {SMALL} ikke kan regnes ud af total eller øvrige tal."
        )
    if text.apply(lambda c: c.str.endswith(" *")).any().any():
        parts.append(f"*: beregnet på færre end {FEW} sager og derfor usikkert.")
    emptied = [c for c in derived if c in shown and (text[c].eq("") & raw[c].notna()).any()]
    if emptied:
        parts.append(
            f"Tomt felt: et gennemsnit, en andel eller en rate, der bygger på færre end {SMALL} sager eller på et "
            "skjult tal, og derfor ikke vises."
        )
    return f'<p class="legend"><strong>Tegn i tabellen:</strong> {escape(" ".join(parts))}</p>' if parts else ""


def table_html(raw: pd.DataFrame, shown: pd.DataFrame, names: dict[str, str], derived: list[str] = ()) -> Block:
    """A protected table in Danish (columns in the order of `names`) with the explanation of the markers it uses."""
    return Block(danish_table(shown[list(names)], names), legend(raw, shown[list(names)], derived))


def status(deviation: float, budget: float, materiality: tuple[float, float]) -> str:
    """Merforbrug, på budget or mindreforbrug: within the materiality band (pct. of the budget or kroner, the larger) a
    deviation is "på budget", so 7.439 kr. on 26,9 mio. kr. is not an overrun to act on."""
    pct, kroner = materiality
    if abs(deviation) <= max(pct / 100 * abs(budget), kroner):
        return ON_BUDGET
    return OVERRUN if deviation > 0 else UNDERRUN


def protected_per_area(table: pd.DataFrame, counts: list[str], **rules) -> pd.DataFrame:
    """`protected` within each area: an area's totals are shown, so each area's column must keep its own complements."""
    return pd.concat([protected(group, counts, **rules) for _, group in table.groupby("area", sort=False)]).loc[
        table.index
    ]


@dataclass
class Pack:
    """One municipality, audience and period: the figures of both areas and the order they are shown in."""

    municipality: str
    audience: str
    period: str
    figures: dict[str, dict]
    labels: dict[str, str]
    sections_of: dict[str, str]
    refund_thresholds: tuple[float, float]
    expensive: float
    age_groups: dict[str, str]
    materiality: tuple[float, float] = (labels.MATERIALITY_PCT, labels.MATERIALITY_KR)

    def _label(self, measure: str) -> str:
        return self.labels.get(measure, measure)

    @property
    def end(self) -> dt.date:
        return next(iter(self.figures.values()))["end"]

    # -- does the budget hold (one computation for every pack: expected_result) ----------------------------------------

    @cached_property
    def budget_frame(self) -> pd.DataFrame:
        """Per area: expected result, budget, deviation (kr.), deviation in percent of the budget and its status."""
        rows = []
        for area, f in self.figures.items():
            er = f["expected_result"]
            rows.append(
                {
                    "area": AREA_LABELS[area],
                    "expected_result": er.total,
                    "budget": er.budget_total,
                    "deviation": er.deviation,
                    "pct": 100 * er.deviation / er.budget_total,
                    "status": status(er.deviation, er.budget_total, self.materiality),
                }
            )
        return pd.DataFrame(rows)

    def materiality_text(self) -> str:
        """The materiality band as the page states it."""
        pct, kroner = self.materiality
        return (
            f"En afvigelse på højst {format_number(pct, 1 if pct % 1 else 0)} % af budgettet eller højst "
            f"{format_number(kroner)} kr. (den største af de to grænser) regnes som på budget."
        )

    def budget_holds(self) -> DanishTable:
        """Expected result (cases and pool, as in the forecast report) against budget per area, in whole kroner that add
        up (the sub-areas' rounded figures add up to these), with the status by the materiality band."""
        table = pd.concat(
            [
                whole_kroner(row, ["expected_result", "budget"], {"deviation": ("expected_result", "budget")})
                for _, row in self.budget_frame.groupby("area", sort=False)
            ]
        )
        return danish_table(
            table,
            {
                "area": "Område",
                "expected_result": "Forventet regnskab, kr.",
                "budget": "Budget, kr.",
                "deviation": "Afvigelse (+ = merforbrug), kr.",
                "pct": "Afvigelse, pct.",
                "status": "Vurdering",
            },
        ).format(precision=1, subset=["Afvigelse, pct."], decimal=",")

    @cached_property
    def sub_areas(self) -> pd.DataFrame:
        """Per area and sub-area with a budget or an expected result: label, budget, expected result, deviation (kr.) and
        the status by the materiality band."""
        frames = [
            f["expected_result"].table.assign(area=AREA_LABELS[area], area_code=area)
            for area, f in self.figures.items()
        ]
        table = pd.concat(frames, ignore_index=True)
        table = table[(table["budget"] != 0) | (table["expected_result"] != 0)].reset_index(drop=True)
        return table.assign(
            status=[status(d, b, self.materiality) for d, b in zip(table["deviation"], table["budget"])]
        )

    @cached_property
    def sub_areas_kroner(self) -> pd.DataFrame:
        """The sub-areas' budget, expected result and deviation in whole kroner that add up to the areas' (as the forecast
        report rounds them): the figures the chart's download and the action plan show."""
        return pd.concat(
            [
                rounded_kroner(group, **expected_result.WHOLE_KRONER)
                for _, group in self.sub_areas.groupby("area_code", sort=False)
            ]
        )

    def overruns(self) -> pd.DataFrame:
        """The sub-areas with a material overrun (beyond the materiality band), the largest first within each area."""
        over = self.sub_areas[self.sub_areas["status"] == OVERRUN]
        return over.sort_values(
            ["area_code", "deviation"],
            ascending=[True, False],
            key=lambda c: c.map({a: i for i, a in enumerate(self.figures)}) if c.name == "area_code" else c,
        )

    def conclusions(self) -> list[str]:
        """Sentences with the figures: per area the expected over- or underspend in mio. kr. and percent of the budget, or
        that it holds the budget (within the materiality band), and the sub-areas that weigh most; the recipients on the
        period's last day against a year before; how many sub-areas the action plan lists."""
        out = []
        for area, f in self.figures.items():
            er = f["expected_result"]
            subject, pct = AREA_SUBJECTS[area], 100 * er.deviation / er.budget_total
            verdict = status(er.deviation, er.budget_total, self.materiality)
            if verdict == ON_BUDGET:
                out.append(
                    f"{subject} forventer at holde budgettet på {mio(er.budget_total)} mio. kr.: afvigelsen på "
                    f"{format_number(er.deviation)} kr. ({format_number(pct, 1)} %) er inden for grænsen for på budget."
                )
                continue
            over = verdict == OVERRUN
            rows = self.sub_areas[self.sub_areas["area_code"] == area]
            same_way = rows[rows["status"] == verdict]
            top = same_way.reindex(same_way["deviation"].abs().sort_values(ascending=False).index).head(2)
            parts = " og ".join(f"{r.label} ({mio(abs(r.deviation))} mio. kr.)" for r in top.itertuples())
            out.append(
                f"{subject} forventer et {'merforbrug' if over else 'mindreforbrug'} på {mio(abs(er.deviation))} mio. kr. "
                f"({format_number(abs(pct), 1)} % af budgettet på {mio(er.budget_total)} mio. kr.)"
                + (f", især på {parts}." if parts else ".")
            )
        totals = self.recipients_frame.groupby("area", sort=False)[["recipients", "recipients_before"]].sum()
        for area in self.figures:
            now, before = totals.loc[AREA_LABELS[area]]
            if is_small(pd.Series([now, before])).any():
                continue
            change = now - before
            moved = (
                "det samme som"
                if change == 0
                else f"{format_number(abs(change))} {'flere' if change > 0 else 'færre'} end"
            )
            out.append(
                f"{AREA_SUBJECTS[area]} havde {format_number(now)} modtagere den {format_date(self.end)}, {moved} et år før "
                f"({format_number(before)})."
            )
        n = len(self.overruns())
        if n:
            out.append(
                f"{opening_count(n, 'delområde', 'delområder', neuter=True)} ventes at overskride budgettet ud over "
                f"grænsen for på budget; {'det' if n == 1 else 'de'} står i handleplanen nederst med beløbet."
            )
        return out

    def budget_figure(self) -> charts.Figure:
        """Expected result against budget per sub-area (mio. kr.), one panel per area, coloured by the status."""
        data = self.sub_areas
        chart_data = data[["area", "label", "status"]].assign(
            **{c: data[c] / 1e6 for c in ("budget", "expected_result", "deviation")}
        )
        chart = charts.result_against_budget(
            chart_data, f"Forventet regnskab mod budget pr. delområde, {self.end.year} (mio. kr.)"
        )
        kroner = self.sub_areas_kroner
        csv = pd.DataFrame(
            {
                "Område": data["area"],
                "Delområde": data["label"],
                "Budget, kr.": kroner["budget"],
                "Forventet regnskab, kr.": kroner["expected_result"],
                "Afvigelse (+ = merforbrug), kr.": kroner["deviation"],
                "Vurdering": data["status"],
            }
        )
        notes = [
            "Søjlen er det forventede regnskab, den sorte streg budgettet: rød ved merforbrug, grå på budget og blå ved "
            f"mindreforbrug. {self.materiality_text()} Det forventede regnskab er igangværende og forventede sager plus "
            "puljen (skøn), som i prognoserapporten."
        ]
        return charts.Figure(chart, csv, f"forventet_regnskab_{self.end.year}.csv", notes)

    @cached_property
    def recipients_series(self) -> pd.DataFrame:
        """Recipients per area on each case snapshot's day up to the period's end (cases running that day): area, date,
        recipients (raw counts; the figure hides the small ones)."""
        rows = []
        for area, f in self.figures.items():
            for snap in marts.snapshots(self.municipality, area):
                if snap > f["end"]:
                    continue
                periods = f["periods"] if snap == f["snapshot"] else marts.case_periods(self.municipality, area, snap)
                day = f["end"] if snap == f["snapshot"] else snap  # the last point is the table's "now"
                rows.append(
                    {"area": AREA_LABELS[area], "date": day, "recipients": len(indicators.recipients(periods, day))}
                )
        return pd.DataFrame(rows)

    def recipients_figure(self) -> charts.Figure:
        """Recipients per area over time (one point per monthly case snapshot); a count 1-4 is missing (a gap in the line,
        the area keeps its colour), and a note says where."""
        data = self.recipients_series
        hidden = is_small(data["recipients"])
        data = data.assign(recipients=data["recipients"].astype(float).where(~hidden))
        areas = [AREA_LABELS[a] for a in self.figures]
        chart = charts.recipients_over_time(
            data.assign(date=data["date"].map(dt.date.isoformat)), "Modtagere pr. område over tid", areas
        )
        notes = [
            "Modtagere er igangværende sager (borger og indsats) på dagen for hvert månedligt sagsudtræk; en borger med "
            "to indsatser tæller to gange."
        ]
        if hidden.any():
            notes.append(
                f"Hvor et område har færre end {SMALL} modtagere, er tallet skjult (hul i linjen): "
                + ", ".join(f"{r.area} {format_date(r.date)}" for r in data[hidden].itertuples())
                + "."
            )
        csv = data.assign(date=data["date"].map(format_date)).rename(
            columns={"area": "Område", "date": "Dato", "recipients": "Modtagere"}
        )
        return charts.Figure(chart, csv, f"modtagere_{self.end:%Y-%m}.csv", notes)

    # -- recipients and prices (protected once, shown in every pack) -----------------------------------------------------

    @cached_property
    def recipients_frame(self) -> pd.DataFrame:
        """Per area and sub-area: recipients on the period's last day and a year before, budgeted and forecast full-year
        cases and the average prices (raw figures)."""
        frames = []
        for area, f in self.figures.items():
            now = indicators.recipients(f["periods"], f["end"]).groupby("measure").size()
            before = indicators.recipients(f["periods_before"], _year_before(f["end"])).groupby("measure").size()
            dev = f["deviation"].set_index("sub_area")
            frame = (
                pd.DataFrame({"recipients": now, "recipients_before": before})
                .join(dev[["budget_cases", "full_year_cases", "forecast_price", "budget_price"]], how="outer")
                .fillna({"recipients": 0, "recipients_before": 0})
                .reset_index(names="measure")
            )
            frame.insert(0, "area", AREA_LABELS[area])
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        table = table.assign(section=table["measure"].map(self.sections_of), label=table["measure"].map(self._label))
        return table.astype({"recipients": int, "recipients_before": int})

    @cached_property
    def recipients_shown(self) -> pd.DataFrame:
        # full-year cases in the forecast are a count of people too (1,3 is about one citizen), and the average
        # price over fewer than 5 of them is that citizen's rate: both are shown as the expected result protects them
        # (expected_result.deviation_shown, the one protection the forecast report shows too); the budget's
        # assumptions are not person data
        shown = protected_per_area(self.recipients_frame, ["recipients", "recipients_before"], column_totals=True)
        cases = self.cases_shown.set_index(["area", "sub_area"])
        at = pd.MultiIndex.from_frame(self.recipients_frame[["area", "measure"]])
        for column in ("budget_cases", "full_year_cases", "forecast_price", "budget_price"):
            shown[column] = cases[column].reindex(at).fillna("").to_numpy()
        return shown

    @cached_property
    def cases_shown(self) -> pd.DataFrame:
        """Per area and sub-area the deviation's parts as every page shows them (expected_result.deviation_shown)."""
        return pd.concat(
            [f["expected_result"].deviation_shown.assign(area=AREA_LABELS[a]) for a, f in self.figures.items()],
            ignore_index=True,
        )

    def recipients_and_prices(self) -> Block:
        """Recipients on the period's last day (and a year before), full-year cases and average prices against budget."""
        names = {
            "area": "Område",
            "label": "Delområde",
            "section": "Paragraf",
            "recipients": "Modtagere nu",
            "recipients_before": "Modtagere for et år siden",
            "budget_cases": "Budgetterede helårssager",
            "full_year_cases": "Helårssager i prognosen",
            "forecast_price": "Gns. pris pr. helårssag, kr.",
            "budget_price": "Budgetteret pris, kr.",
        }
        if self.audience != "department":
            names.pop("section")
        if self.audience == "politicians":
            names.pop("budget_cases")
            names.pop("full_year_cases")
        return table_html(self.recipients_frame, self.recipients_shown, names, ["forecast_price"])

    # -- flows ----------------------------------------------------------------------------------------------------------

    @cached_property
    def flows_frame(self) -> pd.DataFrame:
        frames = []
        for area, f in self.figures.items():
            now = f["flows"].set_index("measure")
            before = (
                f["flows_before"].set_index("measure")[["entries", "exits"]] if f["flows_before"] is not None else None
            )
            frame = (
                now.join(before.add_suffix("_before"), how="left")
                if before is not None
                else now.assign(entries_before=0, exits_before=0)
            )
            frame = frame.reset_index()
            frame.insert(0, "area", AREA_LABELS[area])
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True).fillna({"entries_before": 0, "exits_before": 0})
        table = table.assign(
            label=table["measure"].map(self._label),
            age_group=table["measure"].map(lambda m: age_group_label(self.age_groups[m])),
        )
        return table.astype({c: int for c in ["entries", "exits", "reentries", "entries_before", "exits_before"]})

    @cached_property
    def flows_shown(self) -> pd.DataFrame:
        # re-entries are a part of the entries ("2 of 5" would show 3 first entries): protected as a pair
        return protected_per_area(
            self.flows_frame,
            ["entries", "exits", "reentries", "entries_before", "exits_before"],
            column_totals=True,
            pairs=[("reentries", "entries")],
            means={"entries_per_10000": "entries", "exits_per_10000": "exits", "median_days": "exits"},
            decimals={"entries_per_10000": 1, "exits_per_10000": 1},
        )

    def flows(self) -> Block:
        """Entries and exits in the period (and last year's); for the department also per 10,000 in the measure's age group,
        re-entries and the length of finished spells."""
        if self.audience == "politicians":
            names = {
                "area": "Område",
                "label": "Delområde",
                "entries": "Tilgang",
                "entries_before": "Tilgang samme periode sidste år",
                "exits": "Afgang",
                "exits_before": "Afgang samme periode sidste år",
            }
        else:
            names = {
                "area": "Område",
                "label": "Delområde",
                "age_group": "Aldersgruppe",
                "entries": "Tilgang",
                "entries_per_10000": "Tilgang pr. 10.000 i aldersgruppen",
                "exits": "Afgang",
                "exits_per_10000": "Afgang pr. 10.000 i aldersgruppen",
                "reentries": "Genindskrivninger",
                "median_days": "Varighed af afsluttede forløb (median, dage)",
                "entries_before": "Tilgang sidste år",
                "exits_before": "Afgang sidste år",
            }
        return table_html(
            self.flows_frame, self.flows_shown, names, ["entries_per_10000", "exits_per_10000", "median_days"]
        )

    # -- finance ----------------------------------------------------------------------------------------------------------

    def deviation(self) -> Block:
        """The deviation from budget per sub-area split into quantity, price and pool (which add up to it); where the
        full-year cases are hidden, quantity and price only as their sum (expected_result.deviation_shown)."""
        shown = self.cases_shown
        names = {
            "area": "Område",
            "label": "Delområde",
        } | expected_result.DEVIATION_NAMES
        note = ""
        if shown["cases_hidden"].any():
            note = (
                '<p class="legend">Tomme felter i mængde og pris: opdelingen ville vise antallet af helårssager, som er '
                f"under {SMALL} eller skjult i tabellen over modtagere og helårssager; de to tilsammen står i kolonnen "
                "mængde og pris i alt (afvigelsen minus puljen).</p>"
            )
        return Block(danish_table(shown[list(names)], names), note)

    def refunds(self) -> Block:
        """Expected refunds for particularly expensive single cases, per area."""
        lower, upper = self.refund_thresholds
        rows = []
        for area, f in self.figures.items():
            cost = indicators.annual_cost_per_citizen(f["periods"], f["end"].year)
            refund = indicators.refunds(cost, lower, upper)
            rows.append({"area": AREA_LABELS[area], "citizens": int((refund > 0).sum()), "refund": refund.sum()})
        table = pd.DataFrame(rows)
        shown = protected(table, ["citizens"], means={"refund": "citizens"})
        return table_html(
            table,
            shown,
            {
                "area": "Område",
                "citizens": f"Borgere over {format_number(lower)} kr. om året",
                "refund": "Forventet refusion, kr.",
            },
            ["refund"],
        )

    def accuracy(self) -> list:
        """The forecast's interval and backtest per area, as the forecast report shows them (one computation:
        expected_result's backtest): what the interval rests on, the backtest in words and by month-end."""
        parts = []
        for area, f in self.figures.items():
            er = f["expected_result"]
            parts.append(Block(f"<h3>{escape(AREA_LABELS[area])}</h3>"))
            parts.append(bullets(forecast_report.interval_sentences(er) + forecast_report.backtest_sentences(er)))
            table = forecast_report.backtest_table(er)
            if table is not None:
                parts.append(table)
        return parts

    # -- department -------------------------------------------------------------------------------------------------------

    def expensive_cases(self) -> Block:
        """Citizens costing more than the threshold a year, now and a year before, per area."""
        rows = []
        for area, f in self.figures.items():
            now = indicators.annual_cost_per_citizen(f["periods"], f["end"].year)
            before = (
                indicators.annual_cost_per_citizen(f["periods_before"], f["end"].year - 1)
                if len(f["periods_before"])
                else pd.Series(dtype=float)
            )
            rows.append(
                {
                    "area": AREA_LABELS[area],
                    "now": int((now > self.expensive).sum()),
                    "before": int((before > self.expensive).sum()),
                }
            )
        table = pd.DataFrame(rows)
        return table_html(
            table,
            protected(table, ["now", "before"]),
            {"area": "Område", "now": f"Sager over {format_number(self.expensive)} kr. i år", "before": "Sidste år"},
        )

    def over_15_measures(self) -> list[str]:
        """The children's measures whose recipients can be under 18 (not aftercare, whose young people are 18-22)."""
        f = self.figures["children"]
        return [m for m in f["periods"]["measure"].unique() if self.age_groups.get(m) != "18_22"]

    def children_over_15(self) -> Block | None:
        """Children's recipients aged 15 or more, without aftercare (its young people are 18-22, all of them over 15); the
        recipients as the recipients table shows them (protected once)."""
        if "children" not in self.figures:
            return None
        f = self.figures["children"]
        periods = f["periods"][f["periods"]["measure"].isin(self.over_15_measures())]
        table = indicators.over_15(periods, f["end"]).assign(area=AREA_LABELS["children"])
        table["label"] = table["measure"].map(self._label)
        # "28 of 30" would show 2 under 15: the part is hidden where the rest is small
        shown = protected(table, ["over_15"], pairs=[("over_15", "recipients")])
        main = self.recipients_shown.set_index(self.recipients_frame["area"] + "|" + self.recipients_frame["measure"])[
            "recipients"
        ]
        shown["recipients"] = (table["area"] + "|" + table["measure"]).map(main).to_numpy()
        return table_html(
            table, shown, {"label": "Delområde", "recipients": "Modtagere", "over_15": "Heraf 15 år og derover"}
        )

    def providers_and_stay(self) -> Block:
        """Own versus other providers and the median length of the running spells, per measure."""
        frames = []
        for area, f in self.figures.items():
            prov = indicators.providers(f["periods"], f["end"]).set_index("measure")
            stay = indicators.length_of_stay(f["periods"], f["end"]).set_index("measure")
            frame = prov.join(stay, how="outer").reset_index()
            frame.insert(0, "area", AREA_LABELS[area])
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        for col in ("own", "other"):
            table[col] = table[col].fillna(0).astype(int) if col in table else 0
        table["running"] = table["running"].fillna(0).astype(int)
        table["label"] = table["measure"].map(self._label)
        # own + other = the recipients, which the recipients table shows: a row is one group of parts, each area's
        # columns add up to its total; where the recipients table hides the total, both parts are hidden too
        shown = protected_per_area(
            table, ["own", "other"], parts=[["own", "other"]], column_totals=True, means={"median_days": "running"}
        )
        key = self.recipients_frame["area"] + "|" + self.recipients_frame["measure"]
        total_hidden = (
            (table["area"] + "|" + table["measure"])
            .map(self.recipients_shown.set_index(key)["recipients"])
            .isin([HIDDEN, SMALL_TEXT])
        )
        for col in ("own", "other"):
            hide = (
                total_hidden.to_numpy()
                & (table[col] > 0).to_numpy()
                & ~shown[col].isin([HIDDEN, SMALL_TEXT]).to_numpy()
            )
            shown.loc[hide, col] = HIDDEN
        shown.loc[total_hidden.to_numpy(), "median_days"] = ""
        return table_html(
            table,
            shown,
            {
                "area": "Område",
                "label": "Delområde",
                "own": "Egne tilbud",
                "other": "Andre leverandører",
                "median_days": "Igangværende forløb, median dage",
            },
            ["median_days"],
        )

    @cached_property
    def caseworker_frame(self) -> pd.DataFrame:
        """Per area and caseworker (keyed pseudonym; "ukendt" where the extract names none): the cases running on the
        period's last day and their expected cost this year (the forecast's year total per case: booked to the as-of
        date, computed for the rest of the year)."""
        frames = []
        for area, f in self.figures.items():
            r = indicators.recipients(f["periods"], f["end"])
            cost = f["forecast"].cases.set_index(["case_id", "measure"])["year_total"]
            r = r.assign(
                cost=[cost.get((c, m), 0.0) for c, m in zip(r["case_id"], r["measure"])],
                caseworker=r["caseworker"].fillna("ukendt"),
            )  # keyed pseudonyms since ingestion
            frames.append(
                r.groupby("caseworker", as_index=False)
                .agg(cases=("case_id", "count"), cost=("cost", "sum"))
                .assign(area=AREA_LABELS[area], area_code=area)
            )
        return (
            pd.concat(frames, ignore_index=True)
            .sort_values(["area", "cases", "caseworker"], ascending=[True, False, True])
            .reset_index(drop=True)
        )

    @cached_property
    def caseworker_shown(self) -> pd.DataFrame:
        # the cases of an area's caseworkers add up to its recipients, which the pack shows
        return protected_per_area(self.caseworker_frame, ["cases"], column_totals=True, means={"cost": "cases"})

    def caseworkers(self) -> Block:
        """Cases running on the period's last day and their cost this year per caseworker (keyed pseudonyms)."""
        table, shown = self.caseworker_frame, self.caseworker_shown
        return table_html(
            table,
            shown,
            {
                "area": "Område",
                "caseworker": "Sagsbehandler (pseudonym)",
                "cases": "Igangværende sager",
                "cost": "Udgift i år til sagerne, kr.",
            },
            ["cost"],
        )

    def caseworker_reconciliation(self) -> Block:
        """From the caseworkers' cases to the expected result of "Holder budgettet?", per area: their running cases, the
        year's other cases (ended before the day, or booked without a running case), expected cases and the pool, in
        the whole kroner the forecast report shows (its total row)."""
        rows, kroner = [], self.sub_areas_kroner.join(self.sub_areas[["area_code"]])
        for area, f in self.figures.items():
            table = f["expected_result"].table
            mine = self.caseworker_frame[self.caseworker_frame["area_code"] == area]
            hidden = self.caseworker_shown.loc[mine.index, "cost"].eq("")
            totals = kroner[kroner["area_code"] == area].sum(numeric_only=True)
            current, running = float(table["current"].sum()), float(mine["cost"].sum())
            # the running cases' total gives the hidden caseworkers' cost together: shown only when they are 0 or 5+
            few = is_small(pd.Series([int(mine.loc[hidden, "cases"].sum())])).iloc[0]
            running_r, other_r = rounded_to_total([running, current - running], totals["current"])
            rows.append(
                {
                    "area": AREA_LABELS[area],
                    "running": "" if few else Shown(format_number(running_r), running, 0),
                    "other": Shown(
                        format_number(totals["current"] if few else other_r), current - (0 if few else running), 0
                    ),
                    "expected": Shown(format_number(totals["expected"]), float(table["expected"].sum()), 0),
                    "pool": Shown(format_number(totals["pool"]), float(table["pool"].sum()), 0),
                    "expected_result": Shown(format_number(totals["expected_result"]), f["expected_result"].total, 0),
                }
            )
        shown = pd.DataFrame(rows, dtype=object)
        day = format_date(self.end)
        names = {
            "area": "Område",
            "running": f"Igangværende sager den {day} (tabellen ovenfor), kr.",
            "other": "Årets øvrige sager, kr.",
            "expected": "Forventede sager, kr.",
            "pool": "Pulje (skøn), kr.",
            "expected_result": "Forventet regnskab, kr.",
        }
        note = (
            "<p>Årets øvrige sager er sager, der sluttede tidligere i år, og bogføringer uden en igangværende sag. "
            + (
                "Hvor sagsbehandlere med skjulte tal tilsammen har færre end 5 sager, står de igangværende sager sammen "
                "med årets øvrige, så beløbet for dem ikke kan regnes ud.</p>"
                if shown["running"].eq("").any()
                else "</p>"
            )
        )
        lead = "<p>Fra sagsbehandlernes sager til det forventede regnskab, pr. område:</p>"
        return Block(lead, danish_table(shown[list(names)], names, title="Sagsbehandlere, afstemning"), note)

    def follow_up_frame(self) -> tuple[pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
        """Follow-ups per service (registrations after the first), how many came within 12 calendar months of the
        previous one and how many later; with the first and last registration date the figures rest on."""
        registrations = progression.select(marts.progression_registrations(), self.municipality)
        if registrations.empty:
            return pd.DataFrame(), None, None
        table = indicators.followed_up_on_time(registrations)
        table["service"] = table["service"].map({"sel_85": "SEL § 85", "sel_107": "SEL § 107"})
        table["late"] = table["follow_ups"] - table["on_time"]
        table["share"] = 100 * table["on_time"] / table["follow_ups"]
        dates = pd.to_datetime(registrations["registration_date"])
        return table, dates.min(), dates.max()

    def follow_up(self) -> Block | Markdown:
        """Share of follow-up registrations made within 12 months of the previous one (from the progression data), with
        the period the registrations cover; where the late ones are fewer than 5 the share is given as a lower bound."""
        table, first, last = self.follow_up_frame()
        if table.empty:
            return paragraph(
                "Kommunen har ikke indberettet opfølgninger (progressionsregistreringer), så andelen kan ikke opgøres."
            )
        shown = protected(
            table,
            ["follow_ups", "on_time", "late"],
            parts=[["on_time", "late"]],
            shares={"share": ("on_time", "follow_ups")},
            decimals={"share": 1},
        )
        # late ones 1-4 (shown as <5): the share on time is at least (n - 4) / n, which "<5" says already
        bound = is_small(table["late"]) & (table["follow_ups"] >= SMALL) & ~is_small(table["follow_ups"])
        for i in table.index[bound]:
            n = table.at[i, "follow_ups"]
            shown.at[i, "share"] = format_number(100 * (n - SMALL + 1) / n, 1).bound("mindst ")
        block = table_html(
            table,
            shown,
            {
                "service": "Ydelse",
                "follow_ups": "Opfølgninger",
                "on_time": "Inden for 12 måneder",
                "late": "Senere end 12 måneder",
                "share": "Andel til tiden, pct.",
            },
            ["share"],
        )
        period = f"{format_date(first.date())} til {format_date(last.date())}"
        in_period = first.date() <= self.end and last.date() >= indicators.period_start(self.period)
        note = (
            f"Tallene bygger på alle kommunens progressionsregistreringer, fra {period}"
            + ("." if in_period else ": der er ingen registreringer i perioden, så tallene er ikke periodens.")
            + (
                " Hvor færre end 5 opfølgninger kom senere, vises andelen til tiden som en nedre grænse (mindst)."
                if bound.any()
                else ""
            )
        )
        return Block(f"<p>{escape(note)}</p>", block)

    # -- politicians ----------------------------------------------------------------------------------------------------

    def action_plan(self) -> DanishTable | Markdown:
        """Every sub-area with a material overrun and its amount (whole kroner, as the chart's download), with empty
        fields for action, owner and effect."""
        over = self.overruns()
        if over.empty:
            return paragraph(
                "Der er ikke forventet merforbrug ud over grænsen for på budget på noget delområde; ingen handleplan er "
                "nødvendig."
            )
        table = over[["area", "label"]].assign(
            deviation=self.sub_areas_kroner.loc[over.index, "deviation"], action="", owner="", effect=""
        )
        return danish_table(
            table,
            {
                "area": "Område",
                "label": "Delområde",
                "deviation": "Forventet merforbrug, kr.",
                "action": "Tiltag",
                "owner": "Ansvarlig",
                "effect": "Forventet effekt, kr.",
            },
        )

    def sections(self) -> Iterator[tuple[str, str, list]]:
        """(heading, explanation, parts) in the order the audience reads them."""
        budget = (
            "Holder budgettet?",
            "Forventet regnskab mod budget pr. område: sagerne og puljen, de samme tal som i prognoserapporten "
            f"(positiv afvigelse = merforbrug). {self.materiality_text()}",
            lambda: [self.budget_holds()],
        )
        recipients = (
            "Modtagere og gennemsnitspriser",
            "Modtagere (igangværende sager) på periodens sidste dag og for et år siden og "
            "gennemsnitsprisen pr. helårssag mod budgettets forudsætninger.",
            lambda: [self.recipients_and_prices()],
        )
        if self.audience == "politicians":
            order = [
                (
                    "Konklusioner",
                    "Det vigtigste, beregnet ud fra tallene nedenfor.",
                    lambda: [bullets(self.conclusions())],
                ),
                (
                    budget[0],
                    budget[1] + " Figuren viser det pr. delområde.",
                    lambda: [self.budget_holds(), self.budget_figure()],
                ),
                (
                    "Modtagere over tid",
                    "Antal modtagere pr. område ved hvert månedligt sagsudtræk.",
                    lambda: [self.recipients_figure()],
                ),
                recipients,
                (
                    "Tilgang og afgang",
                    "Nye og afsluttede forløb i perioden mod samme periode sidste år.",
                    lambda: [self.flows()],
                ),
                (
                    "Handleplan",
                    "Hvert delområde med forventet merforbrug ud over grænsen for på budget og beløbet. Tiltag, ansvarlig "
                    "og forventet effekt udfyldes "
                    "af forvaltningen.",
                    lambda: [self.action_plan()],
                ),
            ]
        elif self.audience == "finance":
            order = [
                budget,
                (
                    "Afvigelse: mængde og pris",
                    "Afvigelsen pr. delområde delt i mængde (helårssager), pris (pris pr. helårssag) "
                    "og puljen; de tre summer til afvigelsen.",
                    lambda: [self.deviation()],
                ),
                (
                    "Modtagere, helårssager og gennemsnitspriser",
                    "Modtagere på periodens sidste dag og for et år siden, helårssager og "
                    "gennemsnitspris pr. helårssag i prognosen mod budgettets forudsætninger.",
                    lambda: [self.recipients_and_prices()],
                ),
                (
                    "Refusion for særligt dyre enkeltsager",
                    "Forventet refusion: 25 % af den årlige udgift pr. borger mellem "
                    f"{format_number(self.refund_thresholds[0])} kr. og {format_number(self.refund_thresholds[1])} kr. og 50 % over "
                    f"{format_number(self.refund_thresholds[1])} kr.",
                    lambda: [self.refunds()],
                ),
                (
                    "Prognosens træfsikkerhed",
                    "Pr. område: det forventede regnskabs 80 %-interval og backtesten, som i prognoserapporten: "
                    "prognosen lavet ved hver månedsafslutning i de afsluttede år før mod det endelige bogførte "
                    "regnskab og mod budgettet, sidste års regnskab, det bogførte til dato ganget op til et år og "
                    "sidste måneds prognose.",
                    self.accuracy,
                ),
            ]
        else:
            order = [
                budget,
                (recipients[0], recipients[1] + " Pr. paragraf.", recipients[2]),
                (
                    "Tilgang og afgang",
                    "Tilgang, afgang og genindskrivninger i perioden, tilgang og afgang også pr. 10.000 indbyggere i "
                    "indsatsens aldersgruppe (efterværn: 18-22-årige), varigheden af de afsluttede forløb og samme periode sidste år.",
                    lambda: [self.flows()],
                ),
                (
                    "Unge over 15 år",
                    "Børneområdets modtagere, der er fyldt 15 år: dem, der snart kan gå over til voksenområdet. "
                    "Efterværn er ikke med: de unge i efterværn er 18-22 år og allerede over grænsen.",
                    lambda: [self.children_over_15()],
                ),
                (
                    "Dyre sager",
                    "Borgere med en årlig udgift over grænsen, i år og sidste år.",
                    lambda: [self.expensive_cases()],
                ),
                (
                    "Leverandører og forløbets længde",
                    "Egne tilbud mod andre leverandører og den mediane varighed af de igangværende forløb.",
                    lambda: [self.providers_and_stay()],
                ),
                (
                    "Opfølgning til tiden",
                    "Andelen af opfølgninger (progressionsregistreringer efter den første), der kom inden for 12 "
                    "kalendermåneder efter den forrige, pr. ydelse.",
                    lambda: [self.follow_up()],
                ),
                (
                    "Sagsbehandlere",
                    f"Igangværende sager den {format_date(self.end)} pr. sagsbehandler og udgiften i år til dem: for "
                    "hver sag det forventede regnskab for hele året (bogført til opgørelsesdagen, beregnet resten af "
                    "året), som i prognosen. Sagsbehandlerne står med et fast pseudonym, der er det samme i hver "
                    "rapport og hver måned; forvaltningen kan slå pseudonymerne op i en nøgle, som den danner af sit "
                    "eget sagsudtræk, og nøglen forlader ikke forvaltningen. Tabellen under afstemmer udgiften med det "
                    'forventede regnskab i afsnittet "Holder budgettet?". Belægning kan ikke opgøres: udtrækkene har ingen '
                    "kapacitetsdata.",
                    lambda: [self.caseworkers(), self.caseworker_reconciliation()],
                ),
            ]
        for heading, text, make in order:
            yield heading, text, [p for p in make() if p is not None]

    def show(self) -> Iterator[Markdown | object]:
        """The displayable parts: each section's heading and text (Markdown), then its tables and figures."""
        for heading, text, parts in self.sections():
            yield section(heading, text)
            yield from parts


def last_day_snapshot(municipality: str, area: str, on: dt.date) -> dt.date | None:
    """The case snapshot taken on or before a day (None when there is none)."""
    usable = [s for s in marts.snapshots(municipality, area) if s <= on]
    return usable[-1] if usable else None


def _year_before(day: dt.date) -> dt.date:
    return dt.date(day.year - 1, day.month, calendar.monthrange(day.year - 1, day.month)[1])


def measure_age_groups(measures: pd.DataFrame, area: str, present: list[str]) -> dict[str, str]:
    """Each measure's age group for rates per 10,000 (mart_measures; aftercare in the 18-22-year-olds); a measure the
    reference does not know (an unmapped name) takes its area's group."""
    known = dict(zip(measures["measure"], measures["age_group"]))
    return {
        m: known.get(m, labels.AGE_GROUPS[area][0])
        for m in dict.fromkeys([*measures.loc[measures["area"] == area, "measure"], *present])
    }


def area_figures(municipality: str, area: str, period: str, measures: pd.DataFrame | None = None) -> dict:
    """Everything the packs show for one area: periods now and a year before, the expected result (as in the forecast
    report, at the period's last day), flows per 10,000 of each measure's age group."""
    end = indicators.period_end(period)
    snap = last_day_snapshot(municipality, area, end)
    if snap is None:
        raise ValueError(f"no case snapshot on or before {end} for municipality {municipality}")
    er = expected_result.compute(municipality, area, end, end.year)
    periods = marts.case_periods(municipality, area, snap)
    before = last_day_snapshot(municipality, area, _year_before(end))
    periods_before = marts.case_periods(municipality, area, before) if before else periods.iloc[0:0]
    groups = measure_age_groups(
        marts.measures() if measures is None else measures, area, list(periods["measure"].unique())
    )
    inhabitants = {g: marts.inhabitants(municipality, g, end.year) for g in set(groups.values())}
    population = pd.Series({m: inhabitants[g] for m, g in groups.items()}, dtype=float)
    first = indicators.period_start(period)
    flows_before = (
        indicators.flows(periods_before, dt.date(first.year - 1, first.month, 1), _year_before(end), population)
        if before
        else None
    )
    return {
        "snapshot": snap,
        "before": before,
        "periods": periods,
        "periods_before": periods_before,
        "forecast": er.result,
        "expected_result": er,
        "deviation": er.deviation_parts(),
        "budget": er.budget,
        "flows": indicators.flows(periods, first, end, population),
        "flows_before": flows_before,
        "inhabitants": inhabitants,
        "age_groups": groups,
        "end": end,
    }


def prepare(
    municipality: str,
    audience: str,
    period: str,
    refund_lower: float = 1_000_000,
    refund_upper: float = 2_000_000,
    expensive: float = 1_000_000,
    materiality_pct: float = labels.MATERIALITY_PCT,
    materiality_kr: float = labels.MATERIALITY_KR,
) -> Pack:
    """Both areas' figures for one municipality and period (month '2024-09' or quarter '2024-Q3'); a deviation within
    `materiality_pct` percent of the budget or `materiality_kr` kroner (the larger) is "på budget"."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    municipality = str(municipality).zfill(3)
    measures = marts.measures()
    figures = {area: area_figures(municipality, area, period, measures) for area in labels.AREAS}
    return Pack(
        municipality,
        audience,
        period,
        figures,
        dict(zip(measures["measure"], measures["label_da"])),
        dict(zip(measures["measure"], measures["section"])),
        (refund_lower, refund_upper),
        expensive,
        {m: g for f in figures.values() for m, g in f["age_groups"].items()},
        (float(materiality_pct), float(materiality_kr)),
    )
