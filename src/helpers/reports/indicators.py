"""Key-figure packs per audience (notebooks/indicators.ipynb): politicians, finance, department.

`Pack.sections()` gives (heading, text, table) in the audience's order; the notebook only displays them.
Counts under 5 are `<5` and a complementary cell `..`, as in every rendered report.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML

from helpers import labels
from helpers.analysis import flows as indicators
from helpers.analysis import progression
from helpers.render.formats import format_number, slugify
from helpers.render.tables import danish_table, protected
from helpers.reports import expected_result
from helpers.warehouse import marts

AUDIENCES = labels.AUDIENCE_LABELS
AREA_LABELS = labels.AREA_LABELS
PROVIDER_LABELS = {"own": "egne tilbud", "other": "andre leverandører"}


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

    def _label(self, measure: str) -> str:
        return self.labels.get(measure, measure)

    def budget_holds(self) -> pd.io.formats.style.Styler:
        """Expected result (cases and pool, as in the forecast report) against budget per area."""
        rows = []
        for area, f in self.figures.items():
            er = f["expected_result"]
            rows.append({"area": AREA_LABELS[area], "expected_result": er.total, "budget": er.budget_total,
                         "deviation": er.deviation, "pct": 100 * er.deviation / er.budget_total})
        table = pd.DataFrame(rows)
        return danish_table(table, {"area": "Område", "expected_result": "Forventet regnskab, kr.", "budget": "Budget, kr.",
                                    "deviation": "Afvigelse (+ = merforbrug), kr.", "pct": "Afvigelse, pct."}).format(
            precision=1, subset=["Afvigelse, pct."], decimal=",")

    def recipients_and_prices(self, by_section: bool = False) -> pd.io.formats.style.Styler:
        """Recipients on the period's last day (and a year before), full-year cases and average prices against budget."""
        frames = []
        for area, f in self.figures.items():
            now = indicators.recipients(f["periods"], f["end"]).groupby("measure").size()
            before_day = dt.date(f["end"].year - 1, f["end"].month, f["end"].day if f["end"].month != 2 else 28)
            before = indicators.recipients(f["periods_before"], before_day).groupby("measure").size()
            dev = f["deviation"].set_index("sub_area")
            frame = pd.DataFrame({"recipients": now, "recipients_before": before}).join(
                dev[["budget_cases", "full_year_cases", "forecast_price", "budget_price"]], how="outer").fillna(
                {"recipients": 0, "recipients_before": 0}).reset_index(names="measure")
            frame.insert(0, "area", AREA_LABELS[area])
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        if by_section:
            table.insert(2, "section", table["measure"].map(self.sections_of))
        table["measure"] = table["measure"].map(self._label)
        table = table.astype({"recipients": int, "recipients_before": int})
        # full-year cases in the forecast are a count of people too (1,3 is about one citizen), and the average
        # price over fewer than 5 of them is that citizen's rate: both hidden; the budget's assumptions are not person data
        shown = protected(table, ["recipients", "recipients_before", "full_year_cases"], column_totals=True,
                          means={"forecast_price": "full_year_cases"}, decimals={"full_year_cases": 1, "budget_cases": 1})
        return danish_table(shown, {"area": "Område", "measure": "Delområde", "section": "Paragraf", "recipients": "Modtagere nu",
                                    "recipients_before": "Modtagere for et år siden", "budget_cases": "Budgetterede helårssager",
                                    "full_year_cases": "Helårssager i prognosen", "forecast_price": "Gns. pris pr. helårssag, kr.",
                                    "budget_price": "Budgetteret pris, kr."})

    def flows(self) -> pd.io.formats.style.Styler:
        """Entries, exits and re-entries in the period and per 10,000 in the age group, with last year's period."""
        frames = []
        for area, f in self.figures.items():
            now = f["flows"].set_index("measure")
            before = f["flows_before"].set_index("measure")[["entries", "exits"]] if f["flows_before"] is not None else None
            frame = now.join(before.add_suffix("_before"), how="left") if before is not None else now
            frame = frame.reset_index()
            frame.insert(0, "area", f"{AREA_LABELS[area]} (pr. 10.000 {labels.AGE_GROUPS[area][1]})")
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True).fillna({"entries_before": 0, "exits_before": 0})
        table["measure"] = table["measure"].map(self._label)
        counts = ["entries", "exits", "reentries", "entries_before", "exits_before"]
        table = table.astype({c: int for c in counts})
        shown = protected(table, counts, column_totals=True, means={"entries_per_10000": "entries", "exits_per_10000": "exits",
                                                                    "reentries_per_10000": "reentries", "median_days": "exits"},
                          decimals={"entries_per_10000": 1, "exits_per_10000": 1, "reentries_per_10000": 1})
        return danish_table(shown[["area", "measure", "entries", "entries_per_10000", "exits", "exits_per_10000", "reentries",
                                   "reentries_per_10000", "median_days", "entries_before", "exits_before"]],
                            {"area": "Område", "measure": "Delområde", "entries": "Tilgang", "entries_per_10000": "Tilgang pr. 10.000",
                             "exits": "Afgang", "exits_per_10000": "Afgang pr. 10.000", "reentries": "Genindskrivninger",
                             "reentries_per_10000": "Genindskr. pr. 10.000", "median_days": "Varighed af afsluttede forløb (median, dage)",
                             "entries_before": "Tilgang sidste år", "exits_before": "Afgang sidste år"})

    def deviation(self) -> pd.io.formats.style.Styler:
        """The deviation from budget per sub-area split into quantity, price and pool (which add up to it)."""
        table = pd.concat([f["deviation"].assign(area=AREA_LABELS[area]) for area, f in self.figures.items()], ignore_index=True)
        return danish_table(table[["area", "label", "budget", "expected_result", "deviation", "quantity_effect", "price_effect", "pool"]],
                            {"area": "Område", "label": "Delområde", "budget": "Budget, kr.", "expected_result": "Forventet regnskab, kr.",
                             "deviation": "Afvigelse (+ = merforbrug), kr.", "quantity_effect": "Heraf mængde, kr.",
                             "price_effect": "Heraf pris, kr.", "pool": "Heraf pulje, kr."})

    def refunds(self) -> pd.io.formats.style.Styler:
        """Expected refunds for particularly expensive single cases, per area."""
        lower, upper = self.refund_thresholds
        rows = []
        for area, f in self.figures.items():
            cost = indicators.annual_cost_per_citizen(f["periods"], f["end"].year)
            refund = indicators.refunds(cost, lower, upper)
            rows.append({"area": AREA_LABELS[area], "citizens": int((refund > 0).sum()), "refund": refund.sum()})
        table = pd.DataFrame(rows)
        shown = protected(table, ["citizens"], means={"refund": "citizens"})
        return danish_table(shown, {"area": "Område", "citizens": f"Borgere over {format_number(lower)} kr. om året",
                                    "refund": "Forventet refusion, kr."})

    def expensive_cases(self) -> pd.io.formats.style.Styler:
        """Citizens costing more than the threshold a year, now and a year before, per area."""
        rows = []
        for area, f in self.figures.items():
            now = indicators.annual_cost_per_citizen(f["periods"], f["end"].year)
            before = indicators.annual_cost_per_citizen(f["periods_before"], f["end"].year - 1) if len(f["periods_before"]) else pd.Series(dtype=float)
            rows.append({"area": AREA_LABELS[area], "now": int((now > self.expensive).sum()), "before": int((before > self.expensive).sum())})
        shown = protected(pd.DataFrame(rows), ["now", "before"])
        return danish_table(shown, {"area": "Område", "now": f"Sager over {format_number(self.expensive)} kr. i år",
                                    "before": "Sidste år"})

    def children_over_15(self) -> pd.io.formats.style.Styler | None:
        if "children" not in self.figures:
            return None
        f = self.figures["children"]
        table = indicators.over_15(f["periods"], f["end"])
        table["measure"] = table["measure"].map(self._label)
        shown = protected(table, ["recipients", "over_15"], column_totals=True)
        return danish_table(shown, {"measure": "Delområde", "recipients": "Modtagere", "over_15": "Heraf 15 år og derover"})

    def providers_and_stay(self) -> pd.io.formats.style.Styler:
        """Own versus other providers and the median length of the running spells, per measure."""
        frames = []
        for area, f in self.figures.items():
            prov = indicators.providers(f["periods"], f["end"]).set_index("measure").rename(columns=PROVIDER_LABELS)
            stay = indicators.length_of_stay(f["periods"], f["end"]).set_index("measure")
            frame = prov.join(stay, how="outer").reset_index()
            frame.insert(0, "area", AREA_LABELS[area])
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True).fillna({"egne tilbud": 0, "andre leverandører": 0})
        table["measure"] = table["measure"].map(self._label)
        counts = [c for c in ("egne tilbud", "andre leverandører") if c in table]
        table = table.astype({c: int for c in counts})
        shown = protected(table, counts, parts=[counts], means={"median_days": "running"})
        return danish_table(shown.drop(columns="running"), {"area": "Område", "measure": "Delområde", "egne tilbud": "Egne tilbud",
                                                            "andre leverandører": "Andre leverandører",
                                                            "median_days": "Igangværende forløb, median dage"})

    def caseworkers(self) -> pd.io.formats.style.Styler:
        """Recipients and the year's forecast per caseworker (keyed pseudonyms, not the extract's initials)."""
        frames = []
        for area, f in self.figures.items():
            r = indicators.recipients(f["periods"], f["end"])
            cost = f["forecast"].cases.set_index(["case_id", "measure"])["year_total"]
            r = r.assign(cost=[cost.get((c, m), 0.0) for c, m in zip(r["case_id"], r["measure"])],
                         caseworker=r["caseworker"].fillna("ukendt"))  # keyed pseudonyms since ingestion
            frames.append(r.groupby("caseworker", as_index=False).agg(cases=("case_id", "count"), cost=("cost", "sum")).assign(area=AREA_LABELS[area]))
        table = pd.concat(frames, ignore_index=True).sort_values(["area", "cases"], ascending=[True, False])
        shown = protected(table[["area", "caseworker", "cases", "cost"]], ["cases"], means={"cost": "cases"})
        return danish_table(shown, {"area": "Område", "caseworker": "Sagsbehandler (pseudonym)", "cases": "Sager", "cost": "Årets udgift, kr."})

    def follow_up(self) -> pd.io.formats.style.Styler | HTML:
        """Share of follow-up registrations made within 12 months of the previous one (from the progression data)."""
        registrations = progression.select(marts.progression_registrations(), self.municipality)
        if registrations.empty:
            return HTML("<p>Kommunen har ikke indberettet opfølgninger (progressionsregistreringer), så andelen kan ikke opgøres.</p>")
        table = indicators.followed_up_on_time(registrations)
        table["service"] = table["service"].map({"sel_85": "SEL § 85", "sel_107": "SEL § 107"})
        table["share"] = 100 * table["on_time"] / table["follow_ups"]
        shown = protected(table, ["follow_ups", "on_time"], shares={"share": ("on_time", "follow_ups")}, decimals={"share": 1})
        return danish_table(shown, {"service": "Ydelse", "follow_ups": "Opfølgninger", "on_time": "Inden for 12 måneder",
                                    "share": "Andel til tiden, pct."})

    def action_plan(self) -> HTML:
        """A template the analyst fills: one row per measure with a forecast overrun."""
        rows = []
        for area, f in self.figures.items():
            over = f["deviation"][f["deviation"]["deviation"] > 0]
            rows += [f"<tr><td>{AREA_LABELS[area]}</td><td>{r.label}</td><td>{format_number(r.deviation)}</td>"
                     "<td>[tiltag]</td><td>[ansvarlig]</td><td>[forventet effekt, kr.]</td></tr>" for r in over.itertuples()]
        if not rows:
            return HTML("<p>Der er ikke forventet merforbrug på noget delområde; ingen handleplan er nødvendig.</p>")
        return HTML("<table><thead><tr><th>Område</th><th>Delområde</th><th>Forventet merforbrug, kr.</th><th>Tiltag</th>"
                    f"<th>Ansvarlig</th><th>Forventet effekt</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")

    def sections(self) -> Iterator[tuple[str, str, object]]:
        """(heading, explanation, table) in the order the audience reads them."""
        common = [("Holder budgettet?", "Forventet regnskab mod budget pr. område: sagerne og puljen, de samme tal som i prognoserapporten "
                   "(positiv afvigelse = merforbrug).", self.budget_holds),
                  ("Modtagere og gennemsnitspriser", "Modtagere på periodens sidste dag og for et år siden, helårssager og gennemsnitspris "
                   "pr. helårssag mod budgettets forudsætninger.", lambda: self.recipients_and_prices(self.audience == "department")),
                  ("Tilgang og afgang", "Tilgang, afgang og genindskrivninger i perioden, også pr. 10.000 indbyggere i aldersgruppen, "
                   "og varigheden af de afsluttede forløb; til sammenligning samme periode sidste år.", self.flows)]
        extra = {
            "politicians": [("Handleplan", "Skabelon: analytikeren udfylder tiltag, ansvarlig og forventet effekt, hvor der forventes merforbrug.",
                             self.action_plan)],
            "finance": [("Afvigelse: mængde og pris", "Afvigelsen pr. delområde delt i mængde (helårssager), pris (pris pr. helårssag) "
                         "og puljen; de tre summer til afvigelsen.",
                         self.deviation),
                        ("Refusion for særligt dyre enkeltsager", "Forventet refusion: 25 % af den årlige udgift pr. borger mellem de to "
                         "grænser og 50 % over den øverste (grænserne er parametre).", self.refunds)],
            "department": [("Unge over 15 år", "Børneområdets modtagere, der er fyldt 15 år: dem, der snart kan gå over til voksenområdet.",
                            self.children_over_15),
                           ("Dyre sager", "Borgere med en årlig udgift over grænsen, i år og sidste år.", self.expensive_cases),
                           ("Leverandører og forløbets længde", "Egne tilbud mod andre leverandører og den mediane varighed af de "
                            "igangværende forløb.", self.providers_and_stay),
                           ("Opfølgning til tiden", "Andelen af opfølgninger (progressionsregistreringer), der kom inden for 12 "
                            "kalendermåneder efter den forrige.", self.follow_up),
                           ("Sagsbehandlere", "Sager og årets udgift pr. sagsbehandler (pseudonym). Belægning kan ikke opgøres: "
                            "udtrækkene har ingen kapacitetsdata.", self.caseworkers)],
        }
        for heading, text, make in common + extra[self.audience]:
            yield heading, text, make()

    def show(self) -> Iterator[HTML | object]:
        """The displayable parts: a heading (with an id for the table of contents), its text, its table."""
        for heading, text, table in self.sections():
            yield HTML(f'<h2 id="{slugify(heading)}">{heading}</h2><p>{text}</p>')
            if table is not None:
                yield table


def last_day_snapshot(municipality: str, area: str, on: dt.date) -> dt.date | None:
    """The case snapshot taken on or before a day (None when there is none)."""
    usable = [s for s in marts.snapshots(municipality, area) if s <= on]
    return usable[-1] if usable else None


def _year_before(day: dt.date) -> dt.date:
    return dt.date(day.year - 1, day.month, calendar.monthrange(day.year - 1, day.month)[1])


def area_figures(municipality: str, area: str, period: str) -> dict:
    """Everything the packs show for one area: periods now and a year before, the expected result (as in the forecast
    report, at the period's last day), flows."""
    end = indicators.period_end(period)
    snap = last_day_snapshot(municipality, area, end)
    if snap is None:
        raise ValueError(f"no case snapshot on or before {end} for municipality {municipality}")
    er = expected_result.compute(municipality, area, end, end.year)
    periods = marts.case_periods(municipality, area, snap)
    before = last_day_snapshot(municipality, area, _year_before(end))
    periods_before = marts.case_periods(municipality, area, before) if before else periods.iloc[0:0]
    inhabitants = marts.inhabitants(municipality, labels.AGE_GROUPS[area][0], end.year)
    population = pd.Series(inhabitants, index=periods["measure"].unique())
    first = indicators.period_start(period)
    flows_before = indicators.flows(periods_before, dt.date(first.year - 1, first.month, 1), _year_before(end), population) if before else None
    return {"snapshot": snap, "before": before, "periods": periods, "periods_before": periods_before, "forecast": er.result,
            "expected_result": er, "deviation": er.deviation_parts(), "budget": er.budget,
            "flows": indicators.flows(periods, first, end, population), "flows_before": flows_before,
            "inhabitants": inhabitants, "end": end}


def prepare(municipality: str, audience: str, period: str, refund_lower: float = 1_000_000, refund_upper: float = 2_000_000,
            expensive: float = 1_000_000) -> Pack:
    """Both areas' figures for one municipality and period (month '2024-09' or quarter '2024-Q3')."""
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    municipality = str(municipality).zfill(3)
    figures = {area: area_figures(municipality, area, period) for area in labels.AREAS}
    measures = marts.measures()
    return Pack(municipality, audience, period, figures, dict(zip(measures["measure"], measures["label_da"])),
                dict(zip(measures["measure"], measures["section"])), (refund_lower, refund_upper), expensive)
