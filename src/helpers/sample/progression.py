"""Synthetic progression registrations (SEL § 85 / § 107, a 2017-2018 data collection) and parameter scores."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.intake.privacy import synthetic_cpr
from helpers.render.formats import format_date, format_number
from helpers.sample.io import write_extract

COLUMNS = [
    "cpr",
    "municipality_code",
    "registration_no",
    "registration_date",
    "service",
    "vum_score",
    "goals_set",
    "goal_type",
    "previous_goal_met",
    "target_vum",
    "hours_per_month",
    "daily_rate",
    "initiator",
    "provider_type",
    "target_group",
    "age",
    "sex",
    "means_of_support",
    "employment_measure",
    "concurrent_services",
    "concurrent_services_price",
    "closed",
    "closing_date",
    "closing_reason",
]
SCORE_COLUMNS = ["cpr", "municipality_code", "assessment_date", "theme", "score"]
SHEET = "Registreringer"
XLSX_TIMESTAMP = dt.datetime(2019, 1, 15, 12, 0, 0)  # fixed workbook properties and zip entry times: byte-stable
ERROR_MUNICIPALITY = "101"
LAST_DATE = dt.date(2024, 12, 31)  # the long series end by 2024
DAYS_PER_MONTH = 30.44

VUM_LEVELS = (0.0, 1.0, 2.0, 3.0, 3.5, 4.0)
# Registration-1 VUM distributions whose mixture gives each municipality its average (low ~2.1, high ~2.8).
VUM_LOW = (0.02, 0.18, 0.50, 0.25, 0.03, 0.02)
VUM_HIGH = (0.00, 0.04, 0.26, 0.50, 0.10, 0.10)

# Registrations per case: 401 cases, 382 with at least 2, 169 with at least 3, one with 9.
REGISTRATION_COUNTS = {1: 19, 2: 213, 3: 90, 4: 40, 5: 20, 6: 10, 7: 5, 8: 3, 9: 1}
TARGET_GROUPS = {"intellectual": 184, "mental_illness": 183, "social": 28, "physical": 6}
# Provider at registration 1; 28 cases have no provider type registered.
PROVIDERS = {"region": 4, "other_municipality": 10, "private": 93, "": 28}  # the rest: own_municipality (266)
# Means of support at registration 1 (287 cases); the rest have none registered.
SUPPORT = {
    "foertidspension": 99,
    "kontanthjaelp_ikke_jobparat": 84,
    "kontanthjaelp_jobparat": 32,
    "ressourceforloeb": 26,
    "fleksjob": 20,
    "sygedagpenge": 10,
    "andet": 16,
}
SUPPORT_CHANGES = (
    ("kontanthjaelp_ikke_jobparat", "ressourceforloeb"),
    ("kontanthjaelp_ikke_jobparat", "ressourceforloeb"),
    ("ressourceforloeb", "fleksjob"),
    ("kontanthjaelp_ikke_jobparat", "foertidspension"),
)
GOALS_NOT_SET_AT_FIRST = 28  # 373 of 401 = 93 %
# Exact VUM transitions (improve, worsen) per starting score from registration 1 to 2 and from 2 to 3.
TRANSITIONS = {1: {2.0: (14, 8), 3.0: (16, 9)}, 2: {2.0: (8, 5), 3.0: (9, 5)}}
GOAL_TYPES = ("improvement", "status_quo", "limited_deterioration")
GOAL_TYPE_P = {
    0.0: (0.10, 0.85, 0.05),
    1.0: (0.55, 0.42, 0.03),
    2.0: (0.72, 0.25, 0.03),
    3.0: (0.68, 0.26, 0.06),
    3.5: (0.55, 0.33, 0.12),
    4.0: (0.35, 0.45, 0.20),
}
HOURS_BASE = {0.0: 5, 1.0: 9, 2.0: 16, 3.0: 26, 3.5: 33, 4.0: 42}  # § 85 hours per month
RATE_BASE = {0.0: 1100, 1.0: 1300, 2.0: 1650, 3.0: 2200, 3.5: 2600, 4.0: 3100}  # § 107 kr. per day
CLOSING_REASONS = ("mål_opfyldt", "flyttet", "ønsker_ikke_mere_støtte", "overgået_til_andet_tilbud", "død")
EMPLOYMENT_MEASURES = ("virksomhedspraktik", "mentor", "loentilskud", "vejledning_og_opkvalificering")
CONCURRENT = ("sel_104", "sel_103", "sel_97", "sel_102", "sel_104, sel_97", "sel_103, sel_104")

COMMON_THEMES = ("udvikling_og_adfaerd", "familie", "skole_beskaeftigelse", "sundhed", "fritid_og_venskaber", "andet")
GROUP_THEMES = {
    "intellectual": ("boligkompetencer", "kommunikation"),
    "mental_illness": ("misbrug", "psykisk_stabilitet"),
    "physical": ("mobilitet", "hjaelpemidler"),
    "social": ("misbrug", "oekonomi"),
}
THEME_LEVEL = {
    "udvikling_og_adfaerd": 0.1,
    "familie": -0.3,
    "skole_beskaeftigelse": 0.4,
    "sundhed": 0.0,
    "fritid_og_venskaber": 0.2,
    "andet": -0.5,
    "boligkompetencer": 0.3,
    "kommunikation": 0.2,
    "misbrug": 0.0,
    "psykisk_stabilitet": 0.4,
    "mobilitet": 0.5,
    "hjaelpemidler": 0.1,
    "oekonomi": 0.3,
}
THEME_DRIFT = {
    "udvikling_og_adfaerd": 0.10,
    "familie": 0.03,
    "skole_beskaeftigelse": 0.05,
    "sundhed": 0.07,
    "fritid_og_venskaber": 0.13,
    "andet": 0.02,
    "boligkompetencer": 0.16,
    "kommunikation": 0.06,
    "misbrug": 0.08,
    "psykisk_stabilitet": 0.09,
    "mobilitet": 0.02,
    "hjaelpemidler": 0.04,
    "oekonomi": 0.10,
}
SEX_DRIFT = {"K": 1.4, "M": 0.6}  # women improve more than men in the parameter scores
PARAMETER_MUNICIPALITIES = ("461", "851")


@dataclass(frozen=True)
class Municipality:
    """One participating municipality and how its registrations differ from the others."""

    code: str
    name: str
    cases: int
    share_85: float
    vum_mean: float  # intended average VUM at registration 1
    target_vum: str | None  # "lower": targets below the start; "not_lower": targets hold or rise; None: not filled
    goal_met: float  # share of evaluated goals fully or partially met
    price_factor: float
    xlsx: bool = False


MUNICIPALITIES = (
    Municipality("101", "København", 60, 0.62, 2.52, "lower", 0.48, 1.12),
    Municipality("157", "Gentofte", 25, 0.76, 2.40, None, 0.62, 1.08),
    Municipality("265", "Roskilde", 35, 0.70, 2.42, "lower", 0.55, 1.00, xlsx=True),
    Municipality("330", "Slagelse", 41, 0.60, 2.64, "not_lower", 0.24, 0.92),
    Municipality("461", "Odense", 52, 0.68, 2.50, None, 0.50, 0.98),
    Municipality("479", "Svendborg", 15, 0.60, 2.34, "lower", 0.74, 0.95),
    Municipality("615", "Horsens", 44, 0.72, 2.44, "lower", 0.40, 0.97),
    Municipality("657", "Herning", 39, 0.66, 2.60, "lower", 0.58, 0.94, xlsx=True),
    Municipality("813", "Frederikshavn", 30, 0.56, 2.60, "lower", 0.35, 0.90),
    Municipality("851", "Aalborg", 60, 0.70, 2.45, None, 0.52, 1.02),
)


@dataclass
class Case:
    """One citizen's series of registrations; lists are indexed by registration (0 = registration 1)."""

    muni: Municipality
    service: str
    group: str
    sex: str
    born: dt.date
    n: int
    cpr: str = ""
    provider: str = "own_municipality"
    dates: list[dt.date] = field(default_factory=list)
    vum: list[float] = field(default_factory=list)
    blank: list[bool] = field(default_factory=list)
    goals: list[bool] = field(default_factory=list)
    goal_type: list[str] = field(default_factory=list)
    target: list[float | None] = field(default_factory=list)
    met: list[str] = field(default_factory=list)
    amount: list[float] = field(default_factory=list)  # hours per month (§ 85) or daily rate (§ 107)
    initiator: list[str] = field(default_factory=list)
    support: list[str] = field(default_factory=list)
    employment: list[str] = field(default_factory=list)
    concurrent: str = ""
    concurrent_price: float | None = None
    closed: bool = False
    closing_date: dt.date | None = None
    closing_reason: str = ""


def generate_progression(out_dir: Path, seed: int = 2018) -> dict[str, int]:
    """Write the progression registrations and parameter scores under `out_dir`; return data rows per file.

    Files: `registrations_<code>.csv` (UTF-8, `;`, Danish decimals and dates) for eight municipalities,
    `registrations_265.xlsx` and `registrations_657.xlsx` (sheet `Registreringer`, real dates and numbers),
    and `parameter_scores_461.csv`, `parameter_scores_851.csv` (8 themes scored 0-4 every half year for the
    § 85 citizens of Odense and Aalborg).

    The 401 cases and every published shape (382 with at least 2 registrations, 169 with at least 3, one
    with 9, transitions, goal fulfilment ...) are those of the valid rows. Three invalid rows are planted
    in `registrations_101.csv` as extra rows, each directly after the last registration of an open case
    with two registrations (so rejecting them leaves exactly the valid data; the row counts returned
    include them):

    - registration number 2 delivered twice (a duplicate of the case's registration 2): line 24 with the default seed;
    - registration 3 with `vum_score` `5` (outside 0-4): line 45;
    - registration 3 dated two years too early, i.e. before registration 2: line 61.

    Line numbers are those of `registrations_101.csv` with the default seed (header = line 1); with seed
    2017 (the whole sample's default) they are lines 46, 13 and 128.
    """
    rng = np.random.default_rng(seed)
    cases = _build_cases(rng)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for muni in MUNICIPALITIES:
        own = sorted((c for c in cases if c.muni.code == muni.code), key=lambda c: (c.dates[0], c.cpr))
        rows = [row for c in own for row in _case_rows(c)]
        if muni.code == ERROR_MUNICIPALITY:
            rows = _plant_errors(own, rows, rng)
        if muni.xlsx:
            name = f"registrations_{muni.code}.xlsx"
            _write_xlsx(rows, out_dir / name)
        else:
            name = f"registrations_{muni.code}.csv"
            write_extract(_csv_frame(rows), out_dir / name)
        counts[name] = len(rows)
    for code in PARAMETER_MUNICIPALITIES:
        scores = _parameter_scores(
            [c for c in cases if c.muni.code == code and c.service == "sel_85"],
            np.random.default_rng([seed, int(code)]),
        )
        name = f"parameter_scores_{code}.csv"
        write_extract(scores, out_dir / name)
        counts[name] = len(scores)
    return counts


# ---------------------------------------------------------------- the cases


def _build_cases(rng: np.random.Generator) -> list[Case]:
    """All 401 cases with their full series; exact allocations where the published facts give counts."""
    groups = _shuffled([g for g, k in TARGET_GROUPS.items() for _ in range(k)], rng)
    ns = _shuffled([n for n, k in REGISTRATION_COUNTS.items() for _ in range(k)], rng)
    cases: list[Case] = []
    for muni in MUNICIPALITIES:
        n85 = round(muni.cases * muni.share_85)
        services = _shuffled(["sel_85"] * n85 + ["sel_107"] * (muni.cases - n85), rng)
        own = []
        for service in services:
            i = len(cases) + len(own)
            own.append(Case(muni, service, groups[i], "M" if rng.random() < 0.56 else "K", dt.date(2000, 1, 1), ns[i]))
        _assign_first_vum(own, _vum_allocation(muni), rng)
        cases += own
    used: set[str] = set()
    for case in cases:
        _dates_and_person(case, rng, used)
    _allocate(cases, "provider", PROVIDERS, _provider_weight, rng)
    _allocate(cases, "support0", SUPPORT, _support_weight, rng)
    _vum_paths(cases, rng)
    _goal_fulfilment(cases, rng)
    for case in cases:
        _amounts(case, rng)
        _details(case, rng)
    _support_changes(cases, rng)
    return cases


def _shuffled(items: list, rng: np.random.Generator) -> list:
    return [items[i] for i in rng.permutation(len(items))]


def _vum_allocation(muni: Municipality) -> list[float]:
    """Registration-1 scores for a municipality: the mixture with its mean, in exact counts (largest remainder)."""
    w = (muni.vum_mean - _mean(VUM_LOW)) / (_mean(VUM_HIGH) - _mean(VUM_LOW))
    p = [(1 - w) * lo + w * hi for lo, hi in zip(VUM_LOW, VUM_HIGH)]
    raw = [muni.cases * q for q in p]
    counts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))[: muni.cases - sum(counts)]:
        counts[i] += 1
    return [v for v, k in zip(VUM_LEVELS, counts) for _ in range(k)]


def _assign_first_vum(cases: list[Case], scores: list[float], rng: np.random.Generator) -> None:
    """Hand out the registration-1 scores so that the long series, which weigh most in a municipality's
    average over all registrations, keep that average near the one at registration 1."""
    target = sum(scores) / len(scores)
    left = sorted(scores)
    weight, total = 0, 0.0
    for i in sorted(range(len(cases)), key=lambda i: (-cases[i].n, float(rng.random()))):
        n = cases[i].n
        best = min(set(left), key=lambda v: (abs((total + n * v) / (weight + n) - target), v))
        left.remove(best)
        cases[i].vum = [best]
        weight, total = weight + n, total + n * best


def _mean(p: tuple[float, ...]) -> float:
    return sum(v * q for v, q in zip(VUM_LEVELS, p))


def _weekday(day: dt.date) -> dt.date:
    """Registrations are made on working days: a weekend date moves to Monday."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _dates_and_person(case: Case, rng: np.random.Generator, used: set[str]) -> None:
    """Registration dates (first in 2016-2017, follow-ups more often as they accumulate), birth date and CPR."""
    # the longest series start in 2017 and run into 2023-2024; the others start any time in 2016-2017
    start, span = (dt.date(2017, 1, 2), 360) if case.n >= 7 else (dt.date(2016, 1, 4), 715)
    dates = [_weekday(start + dt.timedelta(days=int(rng.integers(0, span))))]
    gaps = [float(np.clip(rng.normal(11.8 - 0.6 * k, 2.0), 3.0, 20.0)) for k in range(case.n - 1)]
    room = (LAST_DATE - dates[0]).days / DAYS_PER_MONTH - 1
    if sum(gaps) > room:  # squeeze the long series into the years up to 2024
        gaps = [g * room / sum(gaps) for g in gaps]
    for g in gaps:
        dates.append(_weekday(dates[-1] + dt.timedelta(days=max(60, round(g * DAYS_PER_MONTH)))))
    case.dates = dates
    mean_age = {"intellectual": 16, "mental_illness": 20, "physical": 27, "social": 22}[case.group]
    age = min(18 + rng.gamma(2.0, mean_age / 2.0), 74.0)
    born = dates[0] - dt.timedelta(days=int(age * 365.25))
    if born.month == 2 and born.day == 29:
        born = born.replace(day=28)
    case.born = born
    while True:
        cpr = synthetic_cpr(born, case.sex, rng)
        if cpr not in used:
            break
    used.add(cpr)
    case.cpr = cpr


def _allocate(cases: list[Case], attr: str, counts: dict[str, int], weight, rng: np.random.Generator) -> None:
    """Give each value to exactly `counts[value]` cases, drawn with weights; the rest keep the default."""
    free = list(range(len(cases)))
    for value, k in counts.items():
        w = np.array([weight(cases[i], value) for i in free], dtype=float)
        chosen = set(rng.choice(len(free), size=k, replace=False, p=w / w.sum()).tolist())
        for j in sorted(chosen):
            case = cases[free[j]]
            if attr == "support0":
                case.support = [value] * case.n
            else:
                setattr(case, attr, value)
        free = [i for j, i in enumerate(free) if j not in chosen]
    if attr == "support0":
        for i in free:
            cases[i].support = [""] * cases[i].n


def _provider_weight(case: Case, value: str) -> float:
    residential = case.service == "sel_107"
    return {
        "region": 3.0 if residential else 0.5,
        "other_municipality": 2.0 if residential else 1.0,
        "private": 1.8 if residential else 1.0,
    }.get(value, 1.0)


def _support_weight(case: Case, value: str) -> float:
    age = _age(case.born, case.dates[0])
    if value == "foertidspension":
        return (3.0 if age >= 35 else 1.5 if age >= 25 else 0.3) * (1.5 if case.group == "intellectual" else 1.0)
    if value == "kontanthjaelp_ikke_jobparat":
        return (2.0 if case.group in ("mental_illness", "social") else 1.0) * (1.5 if age < 40 else 1.0)
    if value == "kontanthjaelp_jobparat":
        return 2.0 if age < 35 else 0.7
    if value == "ressourceforloeb":
        return 1.5 if age < 45 else 0.5
    if value == "fleksjob":
        return (1.0 if 25 <= age < 60 else 0.2) * (2.0 if case.group == "physical" else 1.0)
    return 1.0


def _goal_type(case: Case, vum: float, rng: np.random.Generator) -> str:
    p = np.array(GOAL_TYPE_P[vum])
    if case.muni.target_vum == "not_lower":  # this municipality mostly aims at holding the level
        p = p * np.array([0.6, 1.0, 2.0])
    return GOAL_TYPES[int(rng.choice(3, p=p / p.sum()))]


def _target(case: Case, vum: float, goal_type: str) -> float:
    """The target VUM score a municipality would record for a goal."""
    if goal_type == "limited_deterioration":
        return 3.5 if vum == 3.0 else min(vum + 1.0, 4.0)
    if goal_type == "status_quo" or case.muni.target_vum == "not_lower":
        return vum
    return {4.0: 3.0, 3.5: 3.0}.get(vum, max(vum - 1.0, 0.0))


def _improve(vum: float, rng: np.random.Generator) -> float:
    if vum == 4.0:
        return 3.5 if rng.random() < 0.3 else 3.0
    return {3.5: 3.0, 0.0: 0.0}.get(vum, vum - 1.0)


def _worsen(vum: float, rng: np.random.Generator) -> float:
    if vum == 3.0:
        return 3.5 if rng.random() < 0.4 else 4.0
    return {3.5: 4.0, 4.0: 4.0}.get(vum, vum + 1.0)


def _vum_paths(cases: list[Case], rng: np.random.Generator) -> None:
    """Scores, goals and targets registration by registration, with exact transition counts from 1 to 2 and 2 to 3."""
    no_goals = set(
        rng.choice(
            len(cases),
            size=GOALS_NOT_SET_AT_FIRST,
            replace=False,
            p=_normalised([2.0 if c.vum[0] in (0.0, 4.0) else 1.0 for c in cases]),
        ).tolist()
    )
    for i, case in enumerate(cases):
        case.goals = [i not in no_goals]
    singles = [c for c in cases if c.n == 1]
    blank_single = set(rng.choice(len(singles), size=3, replace=False).tolist())
    late = [(c, k) for c in cases for k in range(3, c.n)]
    blank_late = set(rng.choice(len(late), size=4, replace=False).tolist())
    for case in cases:
        case.blank = [False] * case.n
    for i in sorted(blank_single):
        singles[i].blank[0] = True
    for j in sorted(blank_late):
        late[j][0].blank[late[j][1]] = True

    for k in range(9):
        active = [c for c in cases if c.n > k]
        for case in active:
            if k > 0:
                case.goals.append(rng.random() < 0.94)
            vum = case.vum[k]
            gt = _goal_type(case, vum, rng) if case.goals[k] else ""
            case.goal_type.append(gt)
            fill = case.muni.target_vum is not None and gt and not case.blank[k] and rng.random() < 0.9
            case.target.append(_target(case, vum, gt) if fill else None)
            case.initiator.append(
                str(
                    rng.choice(
                        ["myndighed", "borger", "leverandoer"], p=[0.85, 0.10, 0.05] if k == 0 else [0.75, 0.10, 0.15]
                    )
                )
            )
        moving = [c for c in active if c.n > k + 1]
        moves = {id(c): 0 for c in moving}
        exact = TRANSITIONS.get(k + 1, {})
        for level, (n_up, n_down) in exact.items():
            pool = [c for c in moving if c.vum[k] == level]
            up_w = [
                {"improvement": 3.0, "status_quo": 1.0, "limited_deterioration": 0.5}.get(c.goal_type[k], 1.0)
                for c in pool
            ]
            up = rng.choice(len(pool), size=min(n_up, len(pool)), replace=False, p=_normalised(up_w)).tolist()
            rest = [i for i in range(len(pool)) if i not in set(up)]
            down_w = [{"limited_deterioration": 3.0, "status_quo": 1.5}.get(pool[i].goal_type[k], 1.0) for i in rest]
            down = rng.choice(len(rest), size=min(n_down, len(rest)), replace=False, p=_normalised(down_w)).tolist()
            for i in up:
                moves[id(pool[i])] = -1
            for j in down:
                moves[id(pool[rest[j]])] = 1
        for case in moving:
            vum = case.vum[k]
            if vum not in exact:
                p_up, p_down = (
                    (0.06, 0.06)
                    if k >= 2
                    else {0.0: (0.0, 0.10), 1.0: (0.05, 0.08), 3.5: (0.12, 0.06), 4.0: (0.10, 0.0)}.get(vum, (0.0, 0.0))
                )
                u = rng.random()
                moves[id(case)] = -1 if u < p_up else 1 if u < p_up + p_down else 0
            step = moves[id(case)]
            case.vum.append(_improve(vum, rng) if step < 0 else _worsen(vum, rng) if step > 0 else vum)


def _normalised(weights: list[float]) -> np.ndarray:
    w = np.array(weights, dtype=float)
    return w / w.sum()


def _goal_fulfilment(cases: list[Case], rng: np.random.Generator) -> None:
    """Previous goal met at registration k+1, in exact shares per municipality, more often where the score moved as aimed."""
    for case in cases:
        case.met = [""] * case.n
    for muni in MUNICIPALITIES:
        evals = [(c, k) for c in cases if c.muni.code == muni.code for k in range(1, c.n) if c.goals[k - 1]]
        weights, fully_p = [], []
        for c, k in evals:
            d, gt = c.vum[k] - c.vum[k - 1], c.goal_type[k - 1]
            if gt == "improvement":
                w, f = (8.0, 0.65) if d < 0 else (1.5, 0.25) if d == 0 else (0.3, 0.2)
            elif gt == "status_quo":
                w, f = (4.0, 0.5) if d < 0 else (3.0, 0.5) if d == 0 else (0.3, 0.2)
            else:
                w, f = (4.0, 0.5) if d <= 0 else (3.0, 0.35)
            weights.append(w)
            fully_p.append(f)
        n_met = round(len(evals) * muni.goal_met)
        met = set(rng.choice(len(evals), size=n_met, replace=False, p=_normalised(weights)).tolist())
        for i, (c, k) in enumerate(evals):
            c.met[k] = ("fully" if rng.random() < fully_p[i] else "partially") if i in met else "not"


def _amounts(case: Case, rng: np.random.Generator) -> None:
    """§ 85 hours or § 107 daily rate: set by score, age and group, mostly unchanged between registrations."""
    young = _age(case.born, case.dates[0]) < 40
    personal = float(rng.lognormal(0.0, 0.22))
    if case.service == "sel_85":
        factor = (1.25 if young else 1.0) * {"intellectual": 1.35, "physical": 0.9}.get(case.group, 1.0)

        def level(v: float) -> float:
            return max(2.0, round(HOURS_BASE[v] * factor * personal * case.muni.price_factor * 2) / 2)

        p_follow, p_adjust = 0.8, 0.18
    else:
        factor = (1.2 if young else 1.0) * (1.12 if case.provider == "private" else 1.0)

        def level(v: float) -> float:
            return round(RATE_BASE[v] * factor * personal * case.muni.price_factor, 2)

        p_follow, p_adjust = 0.5, 0.05
    case.amount = [level(case.vum[0])]
    for k in range(1, case.n):
        prev = case.amount[-1]
        if case.vum[k] != case.vum[k - 1] and rng.random() < p_follow:
            new = level(case.vum[k])
        elif rng.random() < p_adjust:
            change = float(rng.choice([0.8, 0.9, 1.1, 1.2]))
            new = max(2.0, round(prev * change * 2) / 2) if case.service == "sel_85" else round(prev * change, 2)
        else:
            new = prev
        case.amount.append(new)


def _details(case: Case, rng: np.random.Generator) -> None:
    """Employment measure, concurrent services, and closing at the last registration."""
    measure = ""
    if (
        case.support[0] in ("kontanthjaelp_ikke_jobparat", "kontanthjaelp_jobparat", "ressourceforloeb", "sygedagpenge")
        and rng.random() < 0.35
    ):
        measure = str(rng.choice(EMPLOYMENT_MEASURES))
    start = int(rng.integers(0, case.n))
    case.employment = ["" if k < start else measure for k in range(case.n)]
    if rng.random() < 0.18:
        case.concurrent = str(rng.choice(CONCURRENT))
        if rng.random() < 0.5:
            case.concurrent_price = float(round(rng.uniform(3000, 12000) / 100) * 100)
    case.closed = rng.random() < (0.6 if case.n == 1 else 0.33)
    if case.closed:
        case.closing_date = case.dates[-1] + dt.timedelta(days=int(rng.integers(14, 200)))
        old = _age(case.born, case.closing_date) >= 60
        goal_met = case.met[-1] in ("fully", "partially")
        w = np.array([3.0 if goal_met else 1.0, 1.0, 1.4, 2.0, 0.8 if old else 0.15])
        case.closing_reason = CLOSING_REASONS[int(rng.choice(5, p=w / w.sum()))]


def _support_changes(cases: list[Case], rng: np.random.Generator) -> None:
    """The very few cases whose means of support changes during the series."""
    taken: set[int] = set()
    for before, after in SUPPORT_CHANGES:
        pool = [i for i, c in enumerate(cases) if c.n >= 3 and c.support[0] == before and i not in taken]
        i = pool[int(rng.integers(0, len(pool)))]
        taken.add(i)
        at = int(rng.integers(1, cases[i].n))
        cases[i].support = cases[i].support[:at] + [after] * (cases[i].n - at)


# ---------------------------------------------------------------- rows and files


def _case_rows(case: Case) -> list[dict]:
    """The registrations of a case as typed rows (numbers and dates; None = empty)."""
    rows = []
    for k in range(case.n):
        last = k == case.n - 1
        rows.append(
            {
                "cpr": case.cpr,
                "municipality_code": case.muni.code,
                "registration_no": k + 1,
                "registration_date": case.dates[k],
                "service": case.service,
                "vum_score": None if case.blank[k] else case.vum[k],
                "goals_set": "yes" if case.goals[k] else "no",
                "goal_type": case.goal_type[k] or None,
                "previous_goal_met": case.met[k] or None,
                "target_vum": case.target[k],
                "hours_per_month": case.amount[k] if case.service == "sel_85" else None,
                "daily_rate": case.amount[k] if case.service == "sel_107" else None,
                "initiator": case.initiator[k],
                "provider_type": case.provider or None,
                "target_group": case.group,
                "age": _age(case.born, case.dates[k]),
                "sex": case.sex,
                "means_of_support": case.support[k] or None,
                "employment_measure": case.employment[k] or None,
                "concurrent_services": case.concurrent or None,
                "concurrent_services_price": case.concurrent_price if case.concurrent else None,
                "closed": ("yes" if case.closed else "no") if last else None,
                "closing_date": case.closing_date if last else None,
                "closing_reason": (case.closing_reason or None) if last else None,
            }
        )
    return rows


def _plant_errors(own: list[Case], rows: list[dict], rng: np.random.Generator) -> list[dict]:
    """Append three invalid follow-ups, each after the last row of a different open case with two registrations."""
    eligible = [c for c in own if c.n == 2 and not c.closed and c.goals[1] and not c.blank[1]]
    picked = sorted(rng.choice(len(eligible), size=3, replace=False).tolist())
    extra: dict[str, dict] = {}
    for kind, i in zip(("sequence", "date", "vum"), [eligible[j] for j in _shuffled(picked, rng)]):
        last = _case_rows(i)[-1]
        date = _weekday(i.dates[1] + dt.timedelta(days=int(rng.integers(300, 380))))
        row = last | {
            "registration_no": 3,
            "registration_date": date,
            "previous_goal_met": "partially",
            "initiator": "myndighed",
            "age": _age(i.born, date),
            "goal_type": i.goal_type[1],
            "target_vum": i.target[1],
        }
        if kind == "sequence":  # the number typed again: a duplicate of registration 2
            row["registration_no"] = 2
        elif kind == "date":  # the year typed two years too early
            row["registration_date"] = date.replace(year=date.year - 2)
            row["age"] = _age(i.born, row["registration_date"])
            assert row["registration_date"] < i.dates[1]
        else:
            row["vum_score"] = 5.0
        extra[i.cpr] = row
    out = []
    for row in rows:
        out.append(row)
        if row["cpr"] in extra and row["registration_no"] == 2:
            out.append(extra[row["cpr"]])
    return out


def _text(column: str, value) -> str:
    """A typed cell as the Danish CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return format_date(value)
    if column in ("vum_score", "target_vum"):
        return format_number(value, 1 if value % 1 else 0)
    if column == "hours_per_month":
        return format_number(value, 1)
    if column == "daily_rate":
        return format_number(value, 2)
    if column == "concurrent_services_price":
        return format_number(value, 0)
    return str(value)


def _csv_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({col: [_text(col, r[col]) for r in rows] for col in COLUMNS}, columns=COLUMNS)


def _excel_value(column: str, value):
    if column == "municipality_code":
        return int(value)
    if isinstance(value, float) and value.is_integer() and column in ("vum_score", "target_vum"):
        return int(value)
    return value


def _write_xlsx(rows: list[dict], path: Path) -> None:
    """The Excel template: one sheet, header in row 1, real dates and numbers; byte-stable across runs."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(COLUMNS)
    date_columns = [COLUMNS.index(c) + 1 for c in ("registration_date", "closing_date")]
    for r in rows:
        ws.append([_excel_value(c, r[c]) for c in COLUMNS])
    for row in ws.iter_rows(min_row=2):
        for j in date_columns:
            row[j - 1].number_format = "DD.MM.YYYY"
    wb.properties.creator = "fagsystem"
    wb.properties.created = XLSX_TIMESTAMP
    wb.properties.modified = XLSX_TIMESTAMP
    buffer = io.BytesIO()
    # ExcelWriter directly: save_workbook would stamp the modified property with the wall clock.
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():  # zip entries carry the time of writing: fix it
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            zout.writestr(entry, zin.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


# ---------------------------------------------------------------- parameter scores


def _parameter_scores(cases: list[Case], rng: np.random.Generator) -> pd.DataFrame:
    """Eight themes scored 0-4 (4 = most problems) every half year; mild improvement by theme and sex."""
    records = []
    for case in sorted(cases, key=lambda c: (c.dates[0], c.cpr)):
        dates = [case.dates[0]]
        end = max(case.dates[-1], case.dates[0] + dt.timedelta(days=182))
        while True:
            nxt = _weekday(dates[-1] + dt.timedelta(days=182 + int(rng.integers(-10, 11))))
            if nxt > end + dt.timedelta(days=60):
                break
            dates.append(nxt)
        base = {0.0: 0.6, 1.0: 1.2, 2.0: 2.0, 3.0: 2.8, 3.5: 3.2, 4.0: 3.5}[case.vum[0]]
        themes = (*COMMON_THEMES, *GROUP_THEMES[case.group])
        paths = []
        for theme in themes:
            start = base + THEME_LEVEL[theme] + rng.normal(0.0, 0.6)
            slope = THEME_DRIFT[theme] * SEX_DRIFT[case.sex] * max(0.0, 1.0 + rng.normal(0.0, 0.5))
            paths.append(
                [int(np.clip(round(start - slope * j + rng.normal(0.0, 0.3)), 0, 4)) for j in range(len(dates))]
            )
        for j, day in enumerate(dates):
            records += [(case.cpr, case.muni.code, day, theme, path[j]) for theme, path in zip(themes, paths)]
    return pd.DataFrame(
        {
            "cpr": [r[0] for r in records],
            "municipality_code": [r[1] for r in records],
            "assessment_date": [format_date(r[2]) for r in records],
            "theme": [r[3] for r in records],
            "score": [str(r[4]) for r in records],
        },
        columns=SCORE_COLUMNS,
    )
