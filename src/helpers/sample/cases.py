"""Synthetic case-system snapshots, booked actuals, budgets and transitions for three municipalities."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.intake import reference
from helpers.intake.privacy import synthetic_cpr
from helpers.render.formats import format_date, format_number
from helpers.sample.io import write_extract

DAY = dt.timedelta(days=1)
FIRST_DAY = dt.date(2023, 1, 1)
AS_OF = dt.date(2024, 9, 30)
HISTORY_START = dt.date(1985, 1, 1)  # earliest simulated case start
HORIZON = dt.date(2025, 3, 31)  # latest simulated case start (known future cases)
STOCK_DATE = dt.date(2024, 1, 1)  # STOCK cases run on this day
END_KNOWN_LIMIT = dt.date(2025, 12, 31)  # later ends are not yet in the system: open-ended
MONTHS = [(y, m) for y in (2023, 2024) for m in range(1, 13)]  # costed months; actuals stop at AS_OF
BUDGET_YEARS = (2023, 2024, 2025)
ERROR_MUNICIPALITY = "479"

CASE_COLUMNS = [
    "cpr",
    "municipality_code",
    "area",
    "measure",
    "rate",
    "rate_unit",
    "start_date",
    "end_date",
    "status",
    "probability",
    "provider",
    "provider_type",
    "caseworker",
    "target_group",
]
ADULT_GROUPS = ("intellectual", "mental_illness", "physical", "social")
PLACEMENTS = ("familiepleje", "opholdssted", "doegninstitution")


@dataclass(frozen=True)
class Municipality:
    """One sample municipality: its name, neighbours for provider names and its export conventions."""

    code: str
    slug: str
    town: str
    region: str
    neighbours: tuple[str, ...]
    encoding: str
    bom: bool
    crlf: bool
    like: str = ""  # the sample municipality whose case volumes it has (a generated national scenario); "": its own


MUNICIPALITIES = (
    Municipality(
        "813",
        "frederikshavn",
        "Frederikshavn",
        "Region Nordjylland",
        ("Hjørring", "Brønderslev", "Aalborg"),
        "latin-1",
        False,
        True,
    ),
    Municipality(
        "479",
        "svendborg",
        "Svendborg",
        "Region Syddanmark",
        ("Faaborg-Midtfyn", "Nyborg", "Odense"),
        "utf-8",
        True,
        False,
    ),
    Municipality(
        "219",
        "hilleroed",
        "Hillerød",
        "Region Hovedstaden",
        ("Allerød", "Fredensborg", "Gribskov"),
        "utf-8",
        False,
        False,
    ),
)


@dataclass(frozen=True)
class MeasureSpec:
    """How cases of one measure look: rate unit and level, duration, ages at start, groups, provider setting."""

    unit: str
    rate_median: float
    rate_range: tuple[float, float]
    duration_years: float
    ages: tuple[int, int]
    setting: str
    groups: tuple[float, float, float, float] = (0, 0, 0, 0)  # weights of ADULT_GROUPS; children have none
    partners: tuple[str, ...] = ()  # earlier measures whose citizens often also get this one
    partner_share: float = 0.0


MEASURES: dict[str, MeasureSpec] = {
    "familiepleje": MeasureSpec("month", 36_000, (25_000, 60_000), 5.0, (0, 15), "foster"),
    "opholdssted": MeasureSpec("day", 3_800, (2_500, 6_000), 2.0, (10, 17), "children_home"),
    "doegninstitution": MeasureSpec("day", 4_200, (2_500, 6_000), 1.5, (6, 17), "children_home"),
    "sikret_institution": MeasureSpec("day", 8_500, (7_000, 11_000), 0.3, (14, 17), "secure"),
    "familiebehandling": MeasureSpec("month", 12_000, (5_000, 30_000), 1.0, (0, 16), "family"),
    "aflastning": MeasureSpec("month", 8_000, (4_000, 20_000), 2.0, (3, 16), "family", (), ("familiebehandling",), 0.3),
    "kontaktperson": MeasureSpec(
        "month", 6_000, (3_000, 15_000), 1.5, (10, 17), "family", (), ("familiebehandling",), 0.2
    ),
    "eftervaern": MeasureSpec("month", 12_000, (5_000, 40_000), 2.0, (18, 20), "family"),
    "sel_85_botilbudslignende": MeasureSpec(
        "month", 14_000, (6_000, 25_000), 4.0, (18, 60), "sheltered", (0.45, 0.40, 0.10, 0.05)
    ),
    "sel_85_bostoette": MeasureSpec("month", 8_000, (3_000, 25_000), 2.5, (18, 65), "home", (0.25, 0.50, 0.10, 0.15)),
    "sel_95": MeasureSpec("month", 120_000, (50_000, 300_000), 6.0, (18, 60), "helper", (0.10, 0, 0.90, 0)),
    "sel_96": MeasureSpec("month", 150_000, (60_000, 350_000), 6.0, (18, 60), "helper", (0.10, 0, 0.90, 0)),
    "sel_103": MeasureSpec(
        "month",
        7_000,
        (3_000, 12_000),
        6.0,
        (18, 60),
        "day",
        (0.60, 0.30, 0.10, 0),
        ("sel_85_botilbudslignende", "sel_85_bostoette"),
        0.3,
    ),
    "sel_104": MeasureSpec(
        "month",
        10_000,
        (4_000, 20_000),
        5.0,
        (18, 65),
        "day",
        (0.50, 0.35, 0.15, 0),
        ("sel_85_botilbudslignende", "sel_85_bostoette"),
        0.4,
    ),
    "sel_107": MeasureSpec("day", 2_300, (1_500, 4_500), 1.5, (18, 60), "residential", (0.15, 0.50, 0.10, 0.25)),
    "sel_108": MeasureSpec("day", 2_800, (1_500, 4_500), 12.0, (18, 60), "residential", (0.55, 0.25, 0.20, 0)),
    "sel_110": MeasureSpec("day", 900, (600, 1_500), 0.3, (18, 65), "shelter", (0, 0.20, 0, 0.80)),
}

# Cases running at any one time, by measure and municipality (813, 479, 219), sized to the published 2017 users.
STOCK: dict[str, tuple[int, int, int]] = {
    "familiepleje": (62, 58, 55),
    "opholdssted": (25, 22, 22),
    "doegninstitution": (18, 15, 14),
    "sikret_institution": (2, 1, 1),
    "familiebehandling": (150, 140, 110),
    "aflastning": (60, 55, 45),
    "kontaktperson": (90, 80, 70),
    "eftervaern": (35, 30, 25),
    "sel_85_botilbudslignende": (270, 180, 75),
    "sel_85_bostoette": (520, 450, 540),
    "sel_95": (3, 2, 2),
    "sel_96": (6, 5, 4),
    "sel_103": (130, 120, 100),
    "sel_104": (220, 200, 180),
    "sel_107": (90, 60, 95),
    "sel_108": (30, 72, 48),
    "sel_110": (25, 18, 12),
}

# Provider settings: weight of each provider type and invented names ({town}, {nb} neighbour, {region}).
PROVIDERS: dict[str, dict[str, tuple[float, tuple[str, ...]]]] = {
    "foster": {
        "own_municipality": (0.8, ("Familieplejen {town} Kommune",)),
        "private": (0.2, ("Familieplejeforeningen Kærholm", "Plejefamiliecentret Lyngbakken ApS")),
    },
    "children_home": {
        "own_municipality": (0.2, ("Børnehjemmet Solsikken",)),
        "other_municipality": (0.2, ("{nb} Kommune, Ungehuset Skovly",)),
        "region": (0.15, ("{region}, Behandlingshjemmet Bøgely",)),
        "private": (0.45, ("Opholdsstedet Bakkegården ApS", "Opholdsstedet Kragereden", "Opholdsstedet Havørnen ApS")),
    },
    "secure": {"region": (1.0, ("{region}, Sikret Institution Egeskoven",))},
    "family": {
        "own_municipality": (0.65, ("Familiehuset {town}", "Ungeenheden {town}", "Aflastningen Mælkebøtten")),
        "other_municipality": (0.1, ("{nb} Kommune, Aflastningshuset Spiren",)),
        "private": (0.25, ("Familiebehandling Nordlys ApS", "Ungekontakten Trinbræt ApS")),
    },
    "sheltered": {
        "own_municipality": (0.6, ("Bofællesskabet Lærkevej", "Bostedet Egely", "Botilbuddet Skovbrynet")),
        "other_municipality": (0.1, ("{nb} Kommune, Bofællesskabet Kløvermarken",)),
        "region": (0.05, ("{region}, Bocenter Solhøj",)),
        "private": (0.25, ("Bostedet Havblik ApS", "Fonden Lindehuset")),
    },
    "home": {
        "own_municipality": (0.8, ("Bostøtten {town}", "Støttecenter {town}", "Team Socialpsykiatri {town}")),
        "other_municipality": (0.05, ("{nb} Kommune, Bostøtteteamet",)),
        "private": (0.15, ("Social Støtte Danmark ApS", "Kompasset Bostøtte ApS")),
    },
    "helper": {
        "own_municipality": (0.4, ("Hjælperordningen {town} Kommune",)),
        "private": (0.6, ("Hjælperformidlingen Danmark ApS", "BPA-Huset ApS")),
    },
    "day": {
        "own_municipality": (0.6, ("Værkstedet Nørremark", "Aktivitetscentret Kastanjen")),
        "other_municipality": (0.15, ("{nb} Kommune, Dagcentret Lyngen",)),
        "region": (0.1, ("{region}, Dagtilbuddet Vesterled",)),
        "private": (0.15, ("Café Grøn Socialøkonomisk Virksomhed ApS",)),
    },
    "residential": {
        "own_municipality": (0.35, ("Botilbuddet Egebakken", "Bostedet Møllehuset")),
        "other_municipality": (0.25, ("{nb} Kommune, Bocenter Nordlyset", "{nb} Kommune, Botilbuddet Åbo")),
        "region": (0.2, ("{region}, Specialbostedet Fjordbo", "{region}, Bo- og Behandlingstilbuddet Kildebakken")),
        "private": (0.2, ("Opholdsstedet Rønnebo ApS", "Fonden Bostedet Åbrinken")),
    },
    "shelter": {
        "own_municipality": (0.3, ("Forsorgshjemmet {town}",)),
        "other_municipality": (0.4, ("{nb} Kommune, Herberget Fyrlyset",)),
        "private": (0.3, ("Herberget Ly og Læ",)),
    },
}


@dataclass
class Citizen:
    """A person in the case system; the CPR number carries birth date and sex."""

    cpr: str
    born: dt.date
    target_group: str


@dataclass
class Period:
    """A rate valid from `start` until the next period; `registered` is when it entered the case system."""

    start: dt.date
    rate: float
    registered: dt.date


@dataclass
class Case:
    """One citizen's measure with its true history and when each fact reached the case system."""

    citizen: Citizen
    measure: str
    area: str
    start: dt.date
    end: dt.date  # true last day (may lie far in the future)
    registered: dt.date
    provider: str
    provider_type: str
    caseworker: str
    probability: float  # shown while the case is expected (registered before its start)
    dropped_on: dt.date | None  # expected case that never started
    blank_open: bool  # this case's open end is exported empty rather than 01.01.9999
    bill_lag: int  # months of bills not yet booked at AS_OF (other municipalities)
    periods: list[Period] = field(default_factory=list)
    end_events: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # (registered on, end date)


def generate_cases(
    out_dir: Path, seed: int = 2024, municipalities: Sequence[Municipality] = MUNICIPALITIES
) -> dict[str, int]:
    """Write case snapshots, actuals, budget and transitions per municipality (the sample's three, or others that are
    `like` one of them); return data rows per file.

    Planted errors, all in the last snapshot of 479 Svendborg (cases_2024-09-30.csv), one row each:
    a negative rate; an end date a year before the start date; an impossible start date `31.02.2024`;
    the rate unit `pr. gang` (per occasion: it cannot become money). Everything else is valid.
    """
    counts: dict[str, int] = {}
    for muni in municipalities:
        rng = np.random.default_rng(seed + int(muni.code))
        cases = _municipality_cases(muni, rng)
        folder = out_dir / f"{muni.code}_{muni.slug}"
        frames = {f"cases_{s.isoformat()}.csv": _snapshot(muni, cases, s) for s in _month_ends()}
        _plant_errors(frames[f"cases_{AS_OF.isoformat()}.csv"], muni, rng)
        costs = [_month_costs(c) for c in cases]
        frames["actuals.csv"] = _actuals(cases, costs, rng)
        frames["budget.csv"] = _budget(muni, cases, costs, rng)
        frames["transitions.csv"] = _transitions(muni, cases, rng)
        for name, frame in frames.items():
            write_extract(frame, folder / name, sep=";", encoding=muni.encoding, bom=muni.bom, crlf=muni.crlf)
            counts[f"{folder.name}/{name}"] = len(frame)
    return counts


def _month_ends() -> list[dt.date]:
    """Month-ends from January 2023 to the as-of date: one case-system snapshot each."""
    return [_month_last(y, m) for y, m in MONTHS if _month_last(y, m) <= AS_OF]


def _month_last(year: int, month: int) -> dt.date:
    """Last day of a month."""
    return dt.date(year + month // 12, month % 12 + 1, 1) - DAY


def _birthday(born: dt.date, age: int) -> dt.date:
    """The day a person turns `age` (births on 29 February are never generated)."""
    return born.replace(year=born.year + age)


def _days(rng: np.random.Generator, lo: int, hi: int) -> dt.timedelta:
    """A random whole number of days in [lo, hi]."""
    return dt.timedelta(days=int(rng.integers(lo, hi + 1)))


def _pick(rng: np.random.Generator, items: Sequence[str], weights: Sequence[float] | None = None) -> str:
    """One item, with optional (unnormalised) weights."""
    p = None if weights is None else np.asarray(weights, dtype=float) / sum(weights)
    return items[int(rng.choice(len(items), p=p))]


def _age_limit(measure: str, area: str) -> int:
    """Age at which a case must have ended: 18 for children, 23 for aftercare, 80 for adults."""
    return 23 if measure == "eftervaern" else 18 if area == "children" else 80


# --- the underlying history -------------------------------------------------------------------------------------


def _municipality_cases(muni: Municipality, rng: np.random.Generator) -> list[Case]:
    """All cases of a municipality that run in 2023 or later, measure by measure, plus aftercare follow-ups."""
    index = [m.code for m in MUNICIPALITIES].index(muni.like or muni.code)
    measures = reference.measures()
    areas = dict(zip(measures["measure"], measures["area"]))
    workers = _caseworkers(rng)
    people: dict[str, Citizen] = {}
    taken: set[tuple[str, str]] = set()
    cases: list[Case] = []
    for measure, area in areas.items():
        spec = MEASURES[measure]
        for start, length, age_days in _draw_spells(spec, STOCK[measure][index], _age_limit(measure, area), rng):
            citizen = _partner(cases, spec, measure, area, start, taken, rng) or _new_citizen(
                spec, area, start, age_days, people, rng
            )
            end = min(start + dt.timedelta(days=length), _birthday(citizen.born, _age_limit(measure, area)) - DAY)
            if end < max(start, FIRST_DAY):
                continue
            taken.add((citizen.cpr, measure))
            cases.append(_make_case(muni, citizen, measure, area, start, end, workers[area], rng))
    cases += _aftercare_followups(muni, cases, workers["children"], rng)
    return cases


def _caseworkers(rng: np.random.Generator) -> dict[str, list[str]]:
    """12-18 caseworker ids like `AB12`, split between the children's and the adult area."""
    letters = "ABCDEFGHIJKLMNOPRSTUV"
    n_workers = int(rng.integers(12, 19))
    ids: list[str] = []
    while len(ids) < n_workers:
        wid = f"{_pick(rng, letters)}{_pick(rng, letters)}{int(rng.integers(10, 100))}"
        if wid not in ids:
            ids.append(wid)
    split = len(ids) * 2 // 5
    return {"children": ids[:split], "adults": ids[split:]}


def _draw_spells(
    spec: MeasureSpec, stock: int, age_limit: int, rng: np.random.Generator
) -> list[tuple[dt.date, int, float]]:
    """(start, length in days, age at start in days) of cases with a steady inflow and `stock` running on STOCK_DATE."""
    # Twice the inflow the stock needs is drawn, lengths cut at the age limit, then thinned: exactly
    # `stock` of the cases running on STOCK_DATE are kept, and the others at the same rate.
    window = (HORIZON - HISTORY_START).days
    n = int(rng.poisson(2 * stock / spec.duration_years * window / 365.25))
    starts = rng.integers(0, window + 1, n)
    sigma = 0.8
    lengths = np.exp(rng.normal(np.log(spec.duration_years * 365.25) - sigma**2 / 2, sigma, n)).astype(int)
    ages = rng.uniform(spec.ages[0], spec.ages[1] + 1, n) * 365.25
    lengths = np.minimum(lengths, (age_limit * 365.25 - ages).astype(int) - 1)
    on_date = (STOCK_DATE - HISTORY_START).days
    running = (starts <= on_date) & (starts + lengths >= on_date)
    keep = ~running & (rng.random(n) < stock / max(int(running.sum()), 1))
    keep[rng.choice(np.flatnonzero(running), min(stock, int(running.sum())), replace=False)] = True
    keep &= starts + lengths >= (FIRST_DAY - HISTORY_START).days
    return [
        (HISTORY_START + dt.timedelta(days=int(starts[i])), int(lengths[i]), float(ages[i]))
        for i in np.flatnonzero(keep)
    ]


def _new_citizen(
    spec: MeasureSpec, area: str, start: dt.date, age_days: float, people: dict[str, Citizen], rng: np.random.Generator
) -> Citizen:
    """A new person of the right age at the case start, with a unique synthetic CPR number."""
    born = start - dt.timedelta(days=int(age_days))
    if (born.month, born.day) == (2, 29):
        born -= DAY
    if _birthday(born, spec.ages[0]) > start:
        born = _birthday(born, -1)
    group = "children" if area == "children" else _pick(rng, ADULT_GROUPS, spec.groups)
    sex = "M" if rng.random() < 0.55 else "K"
    cpr = synthetic_cpr(born, sex, rng)
    while cpr in people:
        cpr = synthetic_cpr(born, sex, rng)
    people[cpr] = Citizen(cpr, born, group)
    return people[cpr]


def _partner(
    cases: list[Case],
    spec: MeasureSpec,
    measure: str,
    area: str,
    start: dt.date,
    taken: set[tuple[str, str]],
    rng: np.random.Generator,
) -> Citizen | None:
    """Sometimes a citizen who already has a partner measure running at `start` (e.g. § 85 and § 104)."""
    if not spec.partners or rng.random() >= spec.partner_share:
        return None
    pool = [c for c in cases if c.measure in spec.partners and c.dropped_on is None and c.start <= start <= c.end]
    for _ in range(min(8, len(pool))):
        c = pool[int(rng.integers(len(pool)))].citizen
        fits = _birthday(c.born, spec.ages[0]) <= start < _birthday(c.born, _age_limit(measure, area)) - DAY
        if fits and (c.cpr, measure) not in taken:
            return c
    return None


def _make_case(
    muni: Municipality,
    citizen: Citizen,
    measure: str,
    area: str,
    start: dt.date,
    end: dt.date,
    workers: list[str],
    rng: np.random.Generator,
    planned: bool = False,
) -> Case:
    """Draw a case's provider, caseworker, registration, rate history and end-date history."""
    spec = MEASURES[measure]
    setting = PROVIDERS[spec.setting]
    ptype = _pick(rng, list(setting), tuple(w for w, _ in setting.values()))
    provider = _pick(rng, setting[ptype][1]).format(town=muni.town, nb=_pick(rng, muni.neighbours), region=muni.region)
    registered, probability, dropped = _registration(citizen, start, planned, rng)
    case = Case(
        citizen,
        measure,
        area,
        start,
        end,
        registered,
        provider,
        ptype,
        _pick(rng, workers),
        probability,
        dropped,
        bool(rng.random() < 0.12),
        int(rng.integers(2, 4)) if ptype == "other_municipality" else 0,
    )
    case.periods = _periods(spec, start, end, registered, rng)
    capped = end == _birthday(citizen.born, _age_limit(measure, area)) - DAY
    case.end_events = _end_events(start, end, registered, capped, rng)
    return case


def _registration(
    citizen: Citizen, start: dt.date, planned: bool, rng: np.random.Generator
) -> tuple[dt.date, float, dt.date | None]:
    """(registered, probability, dropped on): a third are expected ahead of start, a fifth of those dropped."""
    probability = float(rng.choice([0.5, 0.75, 0.9]))
    if planned:  # aftercare from the 18th birthday is entered ahead and always starts
        return start - _days(rng, 30, 90), probability, None
    if rng.random() < 0.35:
        registered = max(start - _days(rng, 15, 120), citizen.born)
        gap = (start - registered).days
        dropped = registered + _days(rng, 1, gap - 1) if gap > 1 and rng.random() < 0.2 else None
        return registered, probability, dropped
    return start + _days(rng, 0, 30), probability, None


def _periods(
    spec: MeasureSpec, start: dt.date, end: dt.date, registered: dt.date, rng: np.random.Generator
) -> list[Period]:
    """Rate history: a start rate, price regulation on 1 January for half the cases, sometimes a changed need."""
    lo, hi = spec.rate_range
    rate = float(np.clip(spec.rate_median * np.exp(rng.normal(0, 0.3)), lo, hi))
    changes: list[tuple[dt.date, float, dt.date]] = []
    for year, growth in ((2023, (0.03, 0.05)), (2024, (0.02, 0.04))):
        new_year = dt.date(year, 1, 1)
        if start < new_year <= end and rng.random() < 0.5:
            changes.append((new_year, 1 + rng.uniform(*growth), new_year + _days(rng, 5, 55)))
    first, last = max(start + dt.timedelta(days=30), FIRST_DAY), min(end, AS_OF + dt.timedelta(days=60))
    if rng.random() < 0.2 and first < last:
        when = first + _days(rng, 0, (last - first).days)
        if all(when != c[0] for c in changes):
            factor = float(np.clip(np.exp(rng.normal(0.05, 0.2)), 0.7, 1.6))
            changes.append((when, factor, max(when + _days(rng, -30, 30), registered)))
    periods = [Period(start, round(rate, 2), registered)]
    for when, factor, reg in sorted(changes):
        rate = float(np.clip(rate * factor, lo, hi))
        if round(rate, 2) != periods[-1].rate:
            periods.append(Period(when, round(rate, 2), reg))
    return periods


def _end_events(
    start: dt.date, end: dt.date, registered: dt.date, capped: bool, rng: np.random.Generator
) -> list[tuple[dt.date, dt.date]]:
    """(registered on, end date) as the end reached the system, sometimes moving an earlier planned end."""
    # Ends at the age limit are known from the start. Others are entered up to 90 days ahead or up to
    # 40 days late, but never after the year-end snapshot, so no case leaves a snapshot without an end.
    if capped:
        return [(registered, end)]
    if end > END_KNOWN_LIMIT:
        return []
    if rng.random() < 0.6:
        reg = end - _days(rng, 0, 90)
    else:
        reg = min(end + _days(rng, 1, 40), dt.date(end.year, 12, 31))
    reg = max(reg, registered)
    if rng.random() < 0.15:
        extended = rng.random() < 0.6
        planned = end + (-1 if extended else 1) * _days(rng, 30, 180)
        final_reg = min(reg, planned - _days(rng, 1, 20)) if extended else reg
        first_reg = final_reg - _days(rng, 20, 120)
        if planned > start and registered <= first_reg:
            return [(first_reg, planned), (final_reg, end)]
    return [(reg, end)]


def _aftercare_followups(
    muni: Municipality, cases: list[Case], workers: list[str], rng: np.random.Generator
) -> list[Case]:
    """Half the placements ending at 18 continue as aftercare from the 18th birthday (same CPR)."""
    out = []
    for c in cases:
        turns_18 = _birthday(c.citizen.born, 18)
        if c.measure in PLACEMENTS and c.dropped_on is None and c.end == turns_18 - DAY and rng.random() < 0.5:
            end = min(turns_18 + dt.timedelta(days=int(rng.uniform(180, 1500))), _birthday(c.citizen.born, 23) - DAY)
            out.append(_make_case(muni, c.citizen, "eftervaern", "children", turns_18, end, workers, rng, planned=True))
    return out


# --- the case-system snapshots ----------------------------------------------------------------------------------


def _snapshot(muni: Municipality, cases: list[Case], when: dt.date) -> pd.DataFrame:
    """The case system as exported on `when`: every case running in that year or expected, one row per period."""
    rows = [row for c in cases for row in _case_rows(muni, c, when)]
    rows.sort(key=lambda r: (r[2], r[3], r[0], r[6][6:] + r[6][3:5] + r[6][:2]))
    return pd.DataFrame(rows, columns=CASE_COLUMNS, dtype=str)


def _visible_end(case: Case, when: dt.date) -> dt.date | None:
    """The end date the system shows on `when` (None: open-ended)."""
    shown = [end for reg, end in case.end_events if reg <= when]
    return shown[-1] if shown else None


@functools.cache
def _date_text(day: dt.date | None) -> str:
    """`format_date`, once per date: a case's dates are written again in each of the 21 snapshots."""
    return format_date(day)


@functools.cache
def _rate_text(rate: float) -> str:
    """`format_number` with 2 decimals, once per rate."""
    return format_number(rate, 2)


def _case_rows(muni: Municipality, case: Case, when: dt.date) -> list[list[str]]:
    """The rows of one case in the snapshot of `when`, or none if unknown, dropped or ended before this year."""
    if case.registered > when or (case.dropped_on is not None and case.dropped_on <= when):
        return []
    end = _visible_end(case, when)
    if end is not None and end < dt.date(when.year, 1, 1):
        return []
    periods = [p for p in case.periods if p.registered <= when and (end is None or p.start <= end)]
    expected = when < case.start
    open_text = "" if case.blank_open else _date_text(None)
    rows = []
    for i, p in enumerate(periods):
        stop = periods[i + 1].start - DAY if i + 1 < len(periods) else end
        rows.append(
            [
                case.citizen.cpr,
                muni.code,
                case.area,
                case.measure,
                _rate_text(p.rate),
                MEASURES[case.measure].unit,
                _date_text(p.start),
                open_text if stop is None else _date_text(stop),
                "expected" if expected else "current",
                _format_share(case.probability) if expected else "",
                case.provider,
                case.provider_type,
                case.caseworker,
                case.citizen.target_group,
            ]
        )
    return rows


def _format_share(value: float) -> str:
    """A probability as Danish systems show it: 1, 0,5, 0,75, 0,33."""
    return format_number(value, 2).rstrip("0").rstrip(",")


def _plant_errors(frame: pd.DataFrame, muni: Municipality, rng: np.random.Generator) -> None:
    """Plant four typical registration errors in four single-row current cases (only in ERROR_MUNICIPALITY)."""
    if muni.code != ERROR_MUNICIPALITY:
        return
    single = ~frame.duplicated(["cpr", "measure"], keep=False) & (frame["status"] == "current")
    open_rows = frame.index[
        single & frame["end_date"].isin(["", "01.01.9999"]) & ~frame["start_date"].str.startswith("29.02")
    ]
    feb = frame.index[single & frame["start_date"].str.endswith(".02.2024")]
    impossible = int(feb[int(rng.integers(len(feb)))])
    negative, reversed_, weekly = (int(i) for i in rng.choice(open_rows.difference([impossible]), 3, replace=False))
    frame.loc[negative, "rate"] = "-" + frame.loc[negative, "rate"]
    start = frame.loc[reversed_, "start_date"]
    frame.loc[reversed_, "end_date"] = f"{start[:6]}{int(start[6:]) - 1}"
    frame.loc[impossible, "start_date"] = "31.02.2024"
    frame.loc[weekly, "rate_unit"] = "pr. gang"  # per occasion: no unit that can become money


# --- actuals, budget and transitions ----------------------------------------------------------------------------


def _month_costs(case: Case) -> list[tuple[float, int]]:
    """(cost, active days) per month of MONTHS from the true rate history: day rates per day, month rates pro rata."""
    out = []
    bounds = [
        (p.start, (case.periods[i + 1].start - DAY) if i + 1 < len(case.periods) else case.end, p.rate)
        for i, p in enumerate(case.periods)
    ]
    for y, m in MONTHS:
        first, last = dt.date(y, m, 1), _month_last(y, m)
        cost, active = 0.0, 0
        for lo, hi, rate in bounds:
            days = (min(hi, last) - max(lo, first)).days + 1
            if days > 0:
                active += days
                cost += rate * days if MEASURES[case.measure].unit == "day" else rate * days / last.day
        out.append((cost, active))
    return out


def _billed(case: Case) -> bool:
    """Whether the finance system books the case: it started, was in the case system by AS_OF and was not dropped."""
    return case.dropped_on is None and case.registered <= AS_OF and case.start <= AS_OF


def _actuals(cases: list[Case], costs: list[list[tuple[float, int]]], rng: np.random.Generator) -> pd.DataFrame:
    """Booked amounts per case and month to AS_OF; bills from other municipalities lag 2-3 months."""
    rows = []
    for case, month_costs in zip(cases, costs):
        if not _billed(case):
            continue
        last_month = (AS_OF.year * 12 + AS_OF.month - 1) - case.bill_lag
        for (y, m), (cost, _) in zip(MONTHS, month_costs):
            if cost <= 0 or y * 12 + m - 1 > last_month:
                continue
            amount = cost if rng.random() < 0.7 else cost * (1 + rng.normal(0, 0.01))
            rows.append((case.citizen.cpr, case.measure, f"{y}-{m:02d}", amount))
            if rng.random() < 0.02:
                rows.append((case.citizen.cpr, case.measure, f"{y}-{m:02d}", cost * rng.uniform(-0.25, 0.1)))
    rows.sort(key=lambda r: (r[2], r[1], r[0]))
    return pd.DataFrame(
        {
            "cpr": [r[0] for r in rows],
            "measure": [r[1] for r in rows],
            "month": [r[2] for r in rows],
            "amount": [format_number(round(r[3], 2), 2) for r in rows],
        },
        dtype=str,
    )


def _budget(
    muni: Municipality, cases: list[Case], costs: list[list[tuple[float, int]]], rng: np.random.Generator
) -> pd.DataFrame:
    """Cases and average price per measure and year from the history; 2024 too tight in quantity or price for four."""
    measures = reference.measures()
    tight = [
        str(m)
        for m in rng.choice(
            [
                "sel_85_bostoette",
                "sel_107",
                "sel_108",
                "familiepleje",
                "opholdssted",
                "sel_85_botilbudslignende",
                "sel_104",
                "doegninstitution",
            ],
            4,
            replace=False,
        )
    ]
    rows = []
    for measure, area in zip(measures["measure"], measures["area"]):
        realised = [mc for c, mc in zip(cases, costs) if c.measure == measure and c.dropped_on is None]
        for year in BUDGET_YEARS:
            base = min(year, 2024)  # 2025 is budgeted from 2024
            idx = [i for i, (y, _) in enumerate(MONTHS) if y == base]
            fye = sum(mc[i][1] for mc in realised for i in idx) / (366 if base == 2024 else 365)
            spend = sum(mc[i][0] for mc in realised for i in idx)
            price = spend / fye if fye > 0 else _annual_cost(measure)
            n_cases = max(1, round(fye * rng.uniform(0.98, 1.04) * (1.02 if year == 2025 else 1)))
            price *= rng.uniform(0.99, 1.03) * (1.03 if year == 2025 else 1)
            if year == 2024 and measure in tight[:2]:
                n_cases = max(1, round(n_cases * rng.uniform(0.82, 0.9)))
            if year == 2024 and measure in tight[2:]:
                price *= rng.uniform(0.88, 0.93)
            price = round(price, 2)
            rows.append(
                [
                    muni.code,
                    str(year),
                    area,
                    measure,
                    format_number(n_cases * price, 2),
                    str(n_cases),
                    format_number(price, 2),
                ]
            )
    return pd.DataFrame(
        rows, columns=["municipality_code", "year", "area", "measure", "amount", "cases", "average_price"], dtype=str
    )


def _transitions(muni: Municipality, cases: list[Case], rng: np.random.Generator) -> pd.DataFrame:
    """Young people 16+ the children's area expects to move to the adult area; 60 % have cases in the snapshots."""
    aftercare = {c.citizen.cpr for c in cases if c.measure == "eftervaern" and c.dropped_on is None and c.end >= AS_OF}
    running = {
        c.citizen.cpr: c.citizen.born
        for c in cases
        if c.area == "children" and _billed(c) and c.end >= AS_OF and _birthday(c.citizen.born, 16) <= AS_OF
    }
    n_rows = int(rng.integers(18, 36))
    picked = [str(cpr) for cpr in rng.permutation(sorted(running))[: int(n_rows * 0.6)]]
    youths = [(cpr, running[cpr], cpr in aftercare or bool(rng.random() < 0.3)) for cpr in picked]
    used = {c.citizen.cpr for c in cases}
    while len(youths) < n_rows:
        born = AS_OF - dt.timedelta(days=int(rng.uniform(16, 18) * 365.25))
        born -= DAY if (born.month, born.day) == (2, 29) else dt.timedelta(0)
        cpr = synthetic_cpr(born, _pick(rng, ("M", "K")), rng)
        if cpr not in used:
            used.add(cpr)
            youths.append((cpr, born, bool(rng.random() < 0.15)))
    rows = [
        _transition_row(muni, cpr, born, after, rng) for cpr, born, after in sorted(youths, key=lambda y: (y[1], y[0]))
    ]
    return pd.DataFrame(
        rows,
        columns=[
            "cpr",
            "municipality_code",
            "birth_date",
            "expected_transition_date",
            "aftercare",
            "probability",
            "colour",
            "expected_measure",
            "annual_cost",
        ],
        dtype=str,
    )


def _transition_row(
    muni: Municipality, cpr: str, born: dt.date, aftercare: bool, rng: np.random.Generator
) -> list[str]:
    """One listed youth: red means lifelong support (probability 1), yellow unclear, green no adult support."""
    colour = _pick(rng, ("rød", "gul", "grøn"), (0.3, 0.4, 0.3))
    probability = {"rød": 1.0, "gul": float(rng.choice([0.5, 0.33])), "grøn": 0.0}[colour]
    measure = {
        "rød": _pick(rng, ("sel_108", "sel_85_botilbudslignende", "sel_104", "sel_103")),
        "gul": _pick(rng, ("sel_85_bostoette", "sel_107", "sel_104")),
        "grøn": "",
    }[colour]
    cost = round(_annual_cost(measure) * rng.uniform(0.8, 1.25), -3) if measure else 0.0
    return [
        cpr,
        muni.code,
        format_date(born),
        format_date(_birthday(born, 23 if aftercare else 18)),
        "ja" if aftercare else "nej",
        _format_share(probability),
        colour,
        measure,
        format_number(cost, 2),
    ]


def _annual_cost(measure: str) -> float:
    """A year of a measure at its median rate."""
    spec = MEASURES[measure]
    return spec.rate_median * (365 if spec.unit == "day" else 12)
