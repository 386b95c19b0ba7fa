"""Codes, Danish names and thresholds in one place: every module, report and SQL view reads them from here.

The warehouse gets them as the one-row table `ref_constants` (see `constants_frame`), so SQL never types a
country code, a country name or a threshold itself. The thresholds are documented in docs/assumptions.md.
"""

from __future__ import annotations

import pandas as pd

# -- areas of the country -----------------------------------------------------------------------------------------------
COUNTRY_CODE = "000"  # Statistics Denmark's code for the whole country; also "all municipalities" in parameters
COUNTRY_NAME = "Hele landet"
ALL_MUNICIPALITIES_NAME = "Alle kommuner med registreringer"  # the progression report of every reporting one
CHRISTIANSOE_CODE = "411"  # outside the municipal division, but in the population tables
REGION_CODES = ("081", "082", "083", "084", "085")

# -- the two areas of the specialised social services -------------------------------------------------------------------
AREAS = ("children", "adults")
AREA_LABELS = {"children": "Børn og unge", "adults": "Voksne"}
AREA_NAMES_LOWER = {"children": "børn og unge", "adults": "voksne"}
AREA_TEXT = {
    "children": {
        "per": "pr. 0-22-årig",
        "inhabitants": "0-22-årige",
        "user_population": "0-17-årige",
        "users": "Brugere pr. 10.000 0-17-årige",
        "topic": "udsatte børn og unge",
        "title": "Benchmark, udsatte børn og unge",
    },
    "adults": {
        "per": "pr. 18-64-årig",
        "inhabitants": "18-64-årige",
        "user_population": "18-64-årige",
        "users": "Brugere pr. 10.000 18-64-årige",
        "topic": "voksne med handicap og sociale problemer",
        "title": "Benchmark, voksenområdet",
    },
}
AGE_GROUPS = {
    "children": ("0_17", "0-17-årige"),
    "adults": ("18_64", "18-64-årige"),
}  # whom flows are counted per 10,000 of
TOTAL_GROUP = "i_alt"  # the measure group holding an area's total

# -- key figures ----------------------------------------------------------------------------------------------------------
FIGURES = ("expenditure_per_inhabitant", "users_per_10000", "unit_cost")
FIGURE_LABELS = {
    "expenditure_per_inhabitant": "Udgift",
    "users_per_10000": "Brugere pr. 10.000",
    "unit_cost": "Enhedsudgift",
}
FIGURE_LABELS_LONG = {
    "expenditure_per_inhabitant": "Udgift pr. indbygger",
    "users_per_10000": "Brugere pr. 10.000",
    "unit_cost": "Enhedsudgift",
}

# Column headers of the CSV downloads under the figures; the key figures' headers name the area's age groups and the
# period's years, so the benchmark report gives them (reports.benchmark.data.BenchmarkData.headers);
# columns in CSV_DROPPED are keys for the chart, not for the reader.
COLUMN_LABELS = {
    "code": "Kode",
    "name": "Navn",
    "label_da": "Indsatsgruppe",
    "year": "År",
    "value": "Værdi",
    "index": "Indeks (hele landet = 100)",
    "change_pct": "Ændring i alt, pct.",
    "user_share_pct": "Bidrag fra brugerandel, pct.",
    "unit_cost_pct": "Bidrag fra enhedsudgift, pct.",
    "population_mix_pct": "Bidrag fra befolkningssammensætning, pct.",
    "user_population": "Indbyggere i målgruppen",
    "outside": "I forhold til 99,8 %-grænserne",
    "where": "Kommunegruppe",
    "label": "Delområde",
    "budget_cases": "Budgetterede helårssager",
    "full_year_cases": "Forventede helårssager",
    "budget_price": "Budgetteret pris pr. helårssag, kr.",
    "forecast_price": "Forventet pris pr. helårssag, kr.",
    "budget": "Budget, kr.",
    "expected_result": "Forventet regnskab, kr.",
    "deviation": "Afvigelse (+ = merforbrug), kr.",
    "quantity_effect": "Mængde (antal helårssager), kr.",
    "price_effect": "Pris (pris pr. helårssag), kr.",
    "pool": "Pulje (skøn), kr.",
    "snapshot_date": "Prognose lavet ved udgangen af",
    "forecast": "Prognose uden pulje, kr.",
    "booked": "Endeligt bogført, kr.",
    "deviation_pct": "Prognose over (+) eller under (-) regnskabet, pct.",
}
CSV_DROPPED = ("sort_order", "measure_group")

# -- data quality -----------------------------------------------------------------------------------------------------
FINDING_LABELS = {
    "break": "Brud i serie",
    "impossible": "Umuligt nøgletal",
    "missing_users": "Manglende brugertal",
    "extreme": "Ekstrem værdi (alle kommuner)",
    "peer_extreme": "Ekstrem værdi (sammenlignelige kommuner)",
    "manual": "Udeladt af analytikeren",
    "unmapped_account": "Konto uden for nøgletallene",
    "quarantined_row": "Afvist række ved indlæsning",
    "unplaced_booking": "Bogføring uden indsats",
    "population": "Befolkning summerer ikke",
    "unmapped_value": "Ukendt værdi (rækken beholdt)",
    "failed_extract": "Udtræk kunne ikke indlæses",
    "ingest_note": "Bemærkning ved indlæsning",
}
KIND_LABELS = {
    "population": "Befolkning",
    "expenditure": "Regnskab (nettodrift)",
    "users": "Brugere",
    "price_index": "Pris- og lønindeks",
    "municipal_facts": "Kommunefakta",
    "budget": "Budget",
    "cases": "Sager (øjebliksbilleder)",
    "actuals": "Bogførte udgifter",
    "transitions": "Overgang til voksenområdet",
    "registrations": "Progressionsregistreringer",
    "parameter_scores": "Parameterscorer",
}

# Thresholds of the data-quality checks (sql/intermediate/int_check_*.sql read them from ref_constants).
EXTREME_ROBUST_Z = 3.5  # robust z-score (median/MAD of the log) beyond which expenditure per inhabitant is extreme
BREAK_RISE = 1.6  # a year-on-year ratio above this (+60 %) is a break in the series ...
BREAK_FALL = 0.6  # ... and below this (-40 %)
BREAK_MIN_PREVIOUS_KR = 100  # ... when the year before was at least this many kr. per inhabitant
IMPOSSIBLE_UNIT_COST_KR = 4_000_000  # a unit cost above this a year is impossible ...
IMPOSSIBLE_UNIT_COST_FACTOR = 5  # ... and so is one above this many times the whole country's
PEER_EXTREME_FACTOR = 2.0  # over this many times (or under 1/this) the peers' average is extreme against peers

# -- small numbers --------------------------------------------------------------------------------------------------------
SMALL = 5  # counts 1..SMALL-1 could point at a person: shown as "<5", never computed back
FEW = 10  # shares and means on fewer cases than this are marked "*" (uncertain)
HIDDEN = ".."  # a larger cell hidden so that a small one cannot be derived back (Statistics Denmark's sign)
SMALL_TEXT = f"<{SMALL}"


def is_small(values: pd.Series | pd.DataFrame, threshold: int = SMALL) -> pd.Series | pd.DataFrame:
    """Counts in 1..threshold-1: few enough to point at a person (0 and missing are not)."""
    return values.notna() & (values > 0) & (values < threshold)


# -- reports --------------------------------------------------------------------------------------------------------------
AUDIENCE_LABELS = {"politicians": "Politikere", "finance": "Økonomi", "department": "Fagchef og afdeling"}
AUDIENCE_NAMES_LOWER = {"politicians": "politikere", "finance": "økonomi", "department": "fagchef og afdeling"}
SERVICE_LABELS = {"sel_85": "§ 85", "sel_107": "§ 107"}
MATERIALITY_PCT = 1.0  # a deviation from budget within this percent of the budget ...
MATERIALITY_KR = 100_000  # ... or within this many kroner, whichever is larger, is "på budget" in the key-figure packs


def constants_frame() -> pd.DataFrame:
    """The codes, names and thresholds SQL needs, as the one-row table `ref_constants`."""
    return pd.DataFrame(
        [
            {
                "country_code": COUNTRY_CODE,
                "country_name": COUNTRY_NAME,
                "christiansoe_code": CHRISTIANSOE_CODE,
                "small_count": SMALL,
                "extreme_robust_z": EXTREME_ROBUST_Z,
                "break_rise": BREAK_RISE,
                "break_fall": BREAK_FALL,
                "break_min_previous_kr": BREAK_MIN_PREVIOUS_KR,
                "impossible_unit_cost_kr": IMPOSSIBLE_UNIT_COST_KR,
                "impossible_unit_cost_factor": IMPOSSIBLE_UNIT_COST_FACTOR,
                "per_children": AREA_TEXT["children"]["per"],  # what an area's expenditure is per, in the findings
                "per_adults": AREA_TEXT["adults"]["per"],
            }
        ]
    )
