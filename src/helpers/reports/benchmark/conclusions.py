"""Main conclusions of a benchmark report as generated Danish sentences with the figures in them: the sentence
builders, then Conclusions, which picks the figures from the report's data."""

from __future__ import annotations

import math
from dataclasses import dataclass

from helpers import labels
from helpers.analysis import benchmark
from helpers.analysis.funnel import outside_limits
from helpers.render.formats import count, danish_key, format_number, opening_count, opening_share
from helpers.reports import data_quality
from helpers.reports.benchmark import exclusions
from helpers.reports.benchmark.data import COUNTRY, TOTAL, BenchmarkData
from helpers.reports.benchmark.quality import Quality


def moved(pct: float, feminine: bool = False) -> str:
    """'steget 5 %', 'faldet 3 %' or 'uændret' (a change that rounds to 0 % is no change to a reader)."""
    if pct is None or math.isnan(pct):
        return "ikke opgjort"
    if round(abs(pct)) == 0:
        return "uændret"
    return f"{'steget' if pct > 0 else 'faldet'} {format_number(abs(pct))} %"


def level_sentence(subject: str, per: str, year: int, value: float, country: float | None) -> str:
    """'Region Sjælland brugte 17.060 kr. pr. 0-22-årig i 2017, 4 % over hele landet (16.400 kr.).'"""
    text = f"{subject} brugte {format_number(value)} kr. {per} i {year}"
    if country is None or not country:
        return text + "."
    pct = 100 * (value / country - 1)
    if round(abs(pct)) == 0:
        return text + f", det samme som hele landet ({format_number(country)} kr.)."
    return (
        text
        + f", {format_number(abs(pct))} % {'over' if pct > 0 else 'under'} hele landet ({format_number(country)} kr.)."
    )


PARTS = {
    "user_share_pct": "brugerandelen",
    "unit_cost_pct": "enhedsudgiften",
    "population_mix_pct": "befolkningssammensætningen",
}


def rounded_parts(total: float, parts: list[float]) -> list[int]:
    """Parts rounded to whole numbers that add up to the rounded total (largest remainder: floors first, then +1 to the
    parts with the largest remainders, the first part first on a tie), so the parts a reader sees sum to the whole."""
    floors = [math.floor(p) for p in parts]
    missing = round(total) - sum(floors)
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    for i in order[: max(missing, 0)]:
        floors[i] += 1
    for i in order[::-1][: max(-missing, 0)]:  # only when the parts do not add up to the total to begin with
        floors[i] -= 1
    return floors


def change_sentence(
    per: str, start: int, end: int, base_year: int, expenditure_pct: float, parts: dict[str, float] | None = None
) -> str:
    """'Udgifterne pr. 0-22-årig er steget 5 % fra 2014 til 2017 (faste 2017-priser); heraf +3 procentpoint fra brugerandelen,
    +1 fra enhedsudgiften og +1 fra befolkningssammensætningen.' `parts` are the decomposition's user_share_pct, unit_cost_pct
    and population_mix_pct, which add up to the change; all three are named, rounded so that they add up to the whole."""
    text = f"Udgifterne {per} er {moved(expenditure_pct)} fra {start} til {end} (faste {base_year}-priser)"
    if not parts or any(parts.get(k) is None or math.isnan(parts[k]) for k in PARTS) or math.isnan(expenditure_pct):
        return text + "."
    shown = rounded_parts(expenditure_pct, [parts[k] for k in PARTS])
    signed = [f"{'+' if v > 0 else '-' if v < 0 else ''}{abs(v)}" for v in shown]
    names = list(PARTS.values())
    return (
        text
        + f"; heraf {signed[0]} procentpoint fra {names[0]}, {signed[1]} fra {names[1]} og {signed[2]} fra {names[2]}."
    )


def spread_sentence(
    per: str, year: int, highest: tuple[str, float], lowest: tuple[str, float], average: float, average_name: str
) -> str:
    """'Udgiften pr. 0-22-årig var i 2017 højest i Holbæk (25.100 kr.) og lavest i Solrød (9.800 kr.); gennemsnittet i regionen var 17.060 kr.'"""
    return (
        f"Udgiften {per} var i {year} højest i {highest[0]} ({format_number(highest[1])} kr.) og lavest i {lowest[0]} "
        f"({format_number(lowest[1])} kr.); {average_name} var {format_number(average)} kr."
    )


def driver_sentence(per: str, label: str, kr_change: float) -> str:
    """'Den største ændring kom fra Familiepleje (+1.234 kr. pr. 0-22-årig).'"""
    sign = "+" if kr_change >= 0 else "-"
    return f"Den største ændring kom fra {label} ({sign}{format_number(abs(kr_change))} kr. {per})."


def funnel_sentence(label: str, above: list[str], below: list[str]) -> str:
    """Which municipalities lie outside the 99,8 % control limits for a user share, or that none do."""
    if not above and not below:
        return f"Ingen kommuner ligger uden for kontrolgrænserne (99,8 %) for brugerandelen ({label}); forskellene kan være tilfældige."
    parts = []
    if above:
        parts.append(f"over: {', '.join(above)}")
    if below:
        parts.append(f"under: {', '.join(below)}")
    n = len(above) + len(below)
    return (
        f"{opening_count(n, 'kommune', 'kommuner')} ligger uden for kontrolgrænserne (99,8 %) for brugerandelen "
        f"({label}), {'; '.join(parts)}."
    )


@dataclass
class Conclusions:
    """The main conclusions of one benchmark report, from its data (BenchmarkData)."""

    data: BenchmarkData

    def sentences(self) -> list[str]:
        """The main conclusions as Danish sentences with the figures."""
        d = self.data
        per, group_labels = d.text["per"], d.labels
        now = d.region_rows(d.year).set_index(["code", "measure_group"])
        own, country = now.loc[(d.region, TOTAL)], now.loc[(COUNTRY, TOTAL)]
        subject = labels.COUNTRY_NAME if d.region == COUNTRY else d.region_name
        out = [
            level_sentence(
                subject,
                per,
                d.year,
                own["expenditure_per_inhabitant"],
                None if d.region == COUNTRY else country["expenditure_per_inhabitant"],
            )
        ]
        own_rows = d.regions[d.regions["code"] == d.region]
        ch = benchmark.change(own_rows, d.period_start, d.year).set_index("measure_group")
        parts = benchmark.decompose_changes(own_rows, d.period_start, d.year).set_index("measure_group")
        out.append(
            change_sentence(
                per,
                d.period_start,
                d.year,
                d.price_base_year,
                ch.loc[TOTAL, "expenditure_per_inhabitant_change_pct"],
                parts.loc[TOTAL].to_dict() if TOTAL in parts.index else None,
            )
        )
        base = ch[ch.index.map(lambda g: g in set(d.regions.loc[d.regions["kind"] == "base", "measure_group"]))]
        kr = (base["expenditure_per_inhabitant_end"] - base["expenditure_per_inhabitant_start"]).dropna()
        if not kr.empty:
            driver = kr.abs().idxmax()
            out.append(driver_sentence(per, group_labels[driver], kr[driver]))
        frame = d.municipal_year()
        shown, _ = exclusions.apply(
            frame[frame["measure_group"] == TOTAL], d.excluded, (d.year,), value="expenditure_per_inhabitant"
        )
        if len(shown) > 1:
            hi, lo = (
                shown.loc[shown["expenditure_per_inhabitant"].idxmax()],
                shown.loc[shown["expenditure_per_inhabitant"].idxmin()],
            )
            out.append(
                spread_sentence(
                    per,
                    d.year,
                    (hi["name"], hi["expenditure_per_inhabitant"]),
                    (lo["name"], lo["expenditure_per_inhabitant"]),
                    d.averages().loc[("region", TOTAL), "expenditure_per_inhabitant"],  # the figure's average line
                    d.average_name,
                )
            )
        above, below = self.funnel_outliers()
        out.append(funnel_sentence(group_labels[TOTAL].lower(), above, below))
        out.append(self.findings_sentence())
        return out

    def funnel_outliers(self, measure_group: str = TOTAL) -> tuple[list[str], list[str]]:
        """The region's municipalities above and below the 99,8 % limits for a measure group's user share."""
        d = self.data
        year = d.municipal[
            (d.municipal["year"] == d.year)
            & (d.municipal["measure_group"] == measure_group)
            & d.municipal["users"].notna()
            & (d.municipal["user_population"] > 0)
        ]
        side = outside_limits(year["users"], year["user_population"])
        own = year["code"].isin(d.members)
        return sorted(year.loc[own & (side == 1), "name"], key=danish_key), sorted(
            year.loc[own & (side == -1), "name"], key=danish_key
        )

    def findings_sentence(self) -> str:
        """How many of the region's municipalities have findings in the area's key figures: the number the data-quality
        report gives (data_quality.flagged), and, apart from it, the municipalities far from their peers."""
        d = self.data
        flagged = data_quality.flagged(d.findings[d.findings["municipality_code"].isin(d.members)], d.area)
        text = (
            f"{opening_share(len(flagged), len(d.members), 'kommuner')} har fund i datakvalitetskontrollen af "
            "nøgletallene for "
            f"{labels.AREA_NAMES_LOWER[d.area]}, som i rapporten om datakvalitet"
        )
        text += "; de står i afsnittet om datakvalitet." if flagged else "."
        quality = Quality(d).frame()
        peers = set(quality.loc[quality["finding"] == labels.FINDING_LABELS["peer_extreme"], "name"]) - set(flagged)
        if peers:
            text += (
                f" Desuden ligger {count(len(peers), 'kommune', 'kommuner')} over det dobbelte eller under halvdelen "
                "af udgiften i deres "
                "sammenlignelige kommuner (også i afsnittet om datakvalitet)."
            )
        return text
