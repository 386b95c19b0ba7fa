"""Main conclusions of a benchmark report as generated Danish sentences with the figures in them."""

from __future__ import annotations

import math

from helpers.render.formats import format_number, opening_count


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
