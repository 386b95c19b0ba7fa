"""The extract kinds: each kind's columns (names as real systems write them: data/reference/column_aliases.csv), how
each column is parsed, which mapping table classifies it (data/reference/mappings/), and the key whose repeats are
duplicates."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from helpers import paths
from helpers.intake.readers import normalise_header

ALIASES = paths.REFERENCE / "column_aliases.csv"
# a rate column whose name says its unit (no unit column needed): normalised name -> unit
IMPLIED_UNITS = {
    "prisprdag": "day",
    "doegntakst": "day",
    "prisprdoegn": "day",
    "prisprmaaned": "month",
    "maanedstakst": "month",
    "bevilgetbeloebprmaaned": "month",
    "ugetakst": "week",
    "bevilgetbeloebpraar": "year",
    "bevilgetbeloebaarligt": "year",
    "aarligtbeloeb": "year",
    "beloebpraar": "year",
    "aarstakst": "year",
}


@dataclass(frozen=True)
class Column:
    """One column of a kind: canonical name, how it is parsed, whether it must be present / may be empty, and whether
    words such as 'Ikke vurderet' mean not assessed (an empty value, noted) rather than an unreadable one."""

    name: str
    parse: str  # a key of parsers.PARSERS, or "map:<table>" for a classification column
    required: bool = True
    nullable: bool = False
    default: Any = None
    not_assessed: bool = False


@dataclass(frozen=True)
class Kind:
    """An extract kind: its columns, duplicate key (empty: rows identical in every column) and row rules."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    person_id: bool = False  # has `cpr` or `case_id`


MUNICIPALITY = Column("municipality_code", "municipality")
PERSON = (Column("cpr", "text", required=False), Column("case_id", "text", required=False))

KINDS: dict[str, Kind] = {
    "population": Kind(
        "population",
        (
            Column("area_code", "population_area"),
            Column("sex", "population_sex", required=False, default="T"),
            Column("age", "population_age", required=False, nullable=True),
            Column("period", "statbank_period"),
            Column("count", "count"),
        ),
        key=("area_code", "sex", "age", "period"),
    ),
    "expenditure": Kind(
        "expenditure",
        (
            MUNICIPALITY,
            Column("municipality_name", "text", required=False, nullable=True),
            Column("function", "function"),
            Column("account_group", "account_group", required=False, nullable=True, default=""),
            Column("account_kind", "text", required=False, nullable=True, default=""),
            Column("year", "year"),
            Column("amount_1000_kr", "number", required=False, nullable=True),
            Column("amount_kr", "number", required=False, nullable=True),
        ),
        key=("municipality_code", "function", "account_group", "account_kind", "year"),
    ),
    "users": Kind(
        "users",
        (
            MUNICIPALITY,
            Column("area", "map:area"),
            Column("measure_group", "text"),
            Column("year", "year"),
            Column("users", "count"),
        ),
        key=("municipality_code", "area", "measure_group", "year"),
    ),
    "price_index": Kind("price_index", (Column("year", "year"), Column("index", "amount")), key=("year",)),
    "municipal_facts": Kind(
        "municipal_facts",
        (
            MUNICIPALITY,
            Column("year", "year"),
            Column("expected_expenditure_need_index", "number", nullable=True),
            Column("purchase_share_pct", "number", required=False, nullable=True),
            Column("sales_income_kr_per_18_64", "number", required=False, nullable=True),
            Column("appeals_changed_pct", "number", required=False, nullable=True),
        ),
        key=("municipality_code", "year"),
    ),
    "budget": Kind(
        "budget",
        (
            MUNICIPALITY,
            Column("year", "year"),
            Column("area", "map:area"),
            Column("measure", "map:measure"),
            Column("amount", "number"),
            Column("cases", "amount", required=False, nullable=True),
            Column("average_price", "amount", required=False, nullable=True),
        ),
        key=("municipality_code", "year", "area", "measure", "measure_raw"),
    ),
    "cases": Kind(
        "cases",
        (
            *PERSON,
            Column("municipality_code", "municipality", required=False, nullable=True),
            Column("area", "map:area", required=False, nullable=True),
            Column("measure", "map:measure"),
            Column("function", "function", required=False, nullable=True),
            Column("legal_basis", "text", required=False, nullable=True),
            Column("rate", "amount", required=False, nullable=True),
            Column("count", "amount", required=False, nullable=True),
            Column("unit_price", "amount", required=False, nullable=True),
            Column("rate_unit", "map:rate_unit", required=False, nullable=True),
            Column("start_date", "required_date"),
            Column("end_date", "date", nullable=True),
            Column("status", "map:status", required=False, nullable=True),
            Column("probability", "share", required=False, nullable=True, default=1.0),
            Column("provider", "text", required=False, nullable=True),
            Column("provider_type", "map:provider_type", required=False, nullable=True),
            Column("caseworker", "text", required=False, nullable=True),
            Column("target_group", "map:target_group", required=False, nullable=True),
            Column("extract_date", "date", required=False, nullable=True),
        ),
        person_id=True,
    ),
    "actuals": Kind(
        "actuals",
        (
            *PERSON,
            Column("municipality_code", "municipality", required=False, nullable=True),
            Column("area", "map:area", required=False, nullable=True),
            Column("measure", "map:measure", required=False, nullable=True),
            Column("function", "function", required=False, nullable=True),
            Column("month", "month"),
            Column("amount", "number"),
        ),
        person_id=True,
    ),
    "transitions": Kind(
        "transitions",
        (
            *PERSON,
            Column("municipality_code", "municipality", required=False, nullable=True),
            Column("birth_date", "date", required=False, nullable=True),
            Column("expected_transition_date", "required_date"),
            Column("aftercare", "map:yes_no", required=False, nullable=True),
            Column("probability", "share"),
            Column("colour", "map:colour"),
            Column("expected_measure", "map:measure", nullable=True),
            Column("annual_cost", "amount", nullable=True),
        ),
        key=("case_id",),
        person_id=True,
    ),
    "registrations": Kind(
        "registrations",
        (
            *PERSON,
            MUNICIPALITY,
            Column("registration_no", "registration_no"),
            Column("registration_date", "required_date"),
            Column("service", "map:service"),
            Column("vum_score", "vum", nullable=True, not_assessed=True),
            Column("goals_set", "map:yes_no"),
            Column("goal_type", "map:goal_type", required=False, nullable=True),
            Column("previous_goal_met", "map:goal_met", required=False, nullable=True, not_assessed=True),
            Column("target_vum", "vum", required=False, nullable=True, not_assessed=True),
            Column("hours_per_month", "amount", required=False, nullable=True),
            Column("daily_rate", "amount", required=False, nullable=True),
            Column("initiator", "text", required=False, nullable=True),
            Column("provider_type", "map:provider_type", required=False, nullable=True),
            Column("target_group", "map:target_group", required=False, nullable=True),
            Column("age", "count", required=False, nullable=True),
            Column("sex", "map:sex", required=False, nullable=True),
            Column("means_of_support", "text", required=False, nullable=True),
            Column("employment_measure", "text", required=False, nullable=True),
            Column("concurrent_services", "text", required=False, nullable=True),
            Column("concurrent_services_price", "amount", required=False, nullable=True),
            Column("closed", "map:yes_no", required=False, nullable=True),
            Column("closing_date", "date", required=False, nullable=True),
            Column("closing_reason", "text", required=False, nullable=True),
        ),
        key=("case_id", "registration_no"),
        person_id=True,
    ),
    "parameter_scores": Kind(
        "parameter_scores",
        (
            *PERSON,
            MUNICIPALITY,
            Column("assessment_date", "required_date"),
            Column("theme", "text"),
            Column("score", "score"),
        ),
        key=("case_id", "assessment_date", "theme"),
        person_id=True,
    ),
}


# the column whose first and last value say which period an extract covers
PERIOD_COLUMNS = {
    "population": "period",
    "expenditure": "year",
    "users": "year",
    "price_index": "year",
    "municipal_facts": "year",
    "budget": "year",
    "cases": "start_date",
    "actuals": "month",
    "transitions": "expected_transition_date",
    "registrations": "registration_date",
    "parameter_scores": "assessment_date",
}


def period(kind: str, frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """First and last value of the kind's period column, as text (e.g. '2010K1'..'2024K1', '2024-01'..'2024-09')."""
    found = frame[PERIOD_COLUMNS[kind]].dropna() if len(frame) else pd.Series(dtype=object)
    if found.empty:
        return None, None
    return str(found.min()), str(found.max())


@cache
def aliases() -> dict[str, dict[str, tuple[str, ...]]]:
    """{kind: {column: (the column's name and its aliases, in the order of the alias table: the first found is read)}}."""
    table = pd.read_csv(ALIASES, dtype=str, comment="#")
    out: dict[str, dict[str, tuple[str, ...]]] = {
        k: {c.name: (c.name,) for c in kind.columns} for k, kind in KINDS.items()
    }
    for row in table.itertuples():
        if row.kind in out and row.column in out[row.kind]:
            out[row.kind][row.column] += (row.alias,)
    return out


def known_names(kind_name: str) -> set[str]:
    """Every name (normalised) a column of the kind may have in a file."""
    return {normalise_header(a) for names in aliases()[kind_name].values() for a in names}


def required_names(kind_name: str) -> list[set[str]]:
    """Per column a file of the kind must have: its names, normalised (a person id: the CPR's or the case id's)."""
    kind, names = KINDS[kind_name], aliases()[kind_name]
    groups = [{normalise_header(n) for n in names[c.name]} for c in kind.columns if c.required]
    if kind.person_id:
        groups.append({normalise_header(n) for c in ("cpr", "case_id") for n in names[c]})
    return groups


@cache
def all_column_names() -> frozenset[str]:
    """Every column name and alias of every kind, normalised."""
    return frozenset(n for kind in KINDS for n in known_names(kind))


def describe_columns(kind_name: str) -> list[dict[str, Any]]:
    """Each column of a kind with its aliases, whether required, and its mapping table (for `ingest --columns`)."""
    kind = KINDS[kind_name]
    return [
        {
            "column": c.name,
            "required": c.required and not c.nullable,
            "must_be_present": c.required,
            "mapping": c.parse.removeprefix("map:") if c.parse.startswith("map:") else None,
            "aliases": list(aliases()[kind_name][c.name][1:]),
        }
        for c in kind.columns
    ]
