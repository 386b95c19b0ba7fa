"""Ingestion: validate a raw extract row by row; accept it, or quarantine it with a reason. Nothing is lost.

Each kind declares its columns (with the names Danish systems use as aliases), how to parse each cell,
cross-field and cross-row rules and a key for duplicates. CPR numbers are replaced by keyed pseudonyms
here, after birth date and sex are derived from them; no later step ever sees a CPR number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from helpers import labels
from helpers.intake import privacy
from helpers.intake import reference
from helpers.intake.parsing import parse_date, parse_number
from helpers.intake.readers import ExtractError, RawTable, normalise_header, read_table

Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Column:
    """One column of a kind: canonical name, parser, and whether it must be present / may be empty."""

    name: str
    parse: Parser
    required: bool = True
    nullable: bool = False
    aliases: tuple[str, ...] = ()
    default: Any = None


@dataclass(frozen=True)
class Kind:
    """An extract kind: its columns, duplicate key and extra rules."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    row_rule: Callable[[dict[str, Any]], tuple[str, Any, str] | None] | None = None
    sequence_rule: Callable[[list[tuple[int, dict[str, Any]]]], dict[int, tuple[str, Any, str]]] | None = None
    person_id: bool = False  # has `cpr` or `case_id`


@dataclass
class IngestResult:
    """What ingestion made of one file: accepted rows (canonical columns) and quarantined rows with reasons."""

    kind: str
    path: Path
    rows_read: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    errors: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The JSON the CLI prints: counts and every error with file line, column and value."""
        return {"file": str(self.path), "kind": self.kind, "rows_read": self.rows_read, "accepted": len(self.accepted),
                "rejected": len(self.rejected), "errors": self.errors}


# ---------------------------------------------------------------- cell parsers


def _text(value: str) -> str:
    return value.strip()


def _int(value: str) -> int:
    number = parse_number(value)
    if not number.is_integer():
        raise ValueError(f"not a whole number: {value!r}")
    return int(number)


def _nonneg_int(value: str) -> int:
    number = _int(value)
    if number < 0:
        raise ValueError(f"negative count: {value!r}")
    return number


def _nonneg_number(value: str) -> float:
    number = parse_number(value)
    if number < 0:
        raise ValueError(f"negative amount: {value!r}")
    return number


def _share(value: str) -> float:
    number = parse_number(value.rstrip("%")) / (100 if value.strip().endswith("%") else 1)
    if not 0 <= number <= 1:
        raise ValueError(f"probability outside 0-1: {value!r}")
    return number


def _int_between(lo: int, hi: int, what: str) -> Parser:
    """Parser for a whole number within [lo, hi]; the error names what it should have been."""

    def parse(value: str) -> int:
        number = _int(value)
        if not lo <= number <= hi:
            raise ValueError(f"{what} outside {lo}-{hi}: {value!r}")
        return number

    return parse


_year = _int_between(1990, 2100, "year")


def _date(value: str) -> dt.date | None:
    try:
        return parse_date(value)
    except ValueError as exc:
        raise ValueError(f"impossible or unreadable date: {value!r} ({exc})") from None


def _required_date(value: str) -> dt.date:
    parsed = _date(value)
    if parsed is None:
        raise ValueError(f"open-ended sentinel where a date is required: {value!r}")
    return parsed


def _month(value: str) -> str:
    """A booking month as 'YYYY-MM' from '2024-03', '2024M03', '03-2024' or '03.2024'."""
    s = value.strip()
    m = re.fullmatch(r"(\d{4})[-M/](\d{1,2})", s) or re.fullmatch(r"(\d{1,2})[-./](\d{4})", s)
    if not m:
        raise ValueError(f"not a month (YYYY-MM): {value!r}")
    year, month = (int(m[1]), int(m[2])) if len(m[1]) == 4 else (int(m[2]), int(m[1]))
    if not 1 <= month <= 12:
        raise ValueError(f"no such month: {value!r}")
    return f"{year:04d}-{month:02d}"


def _enum(allowed: dict[str, str]) -> Parser:
    """Parser accepting the canonical values and their synonyms (case-insensitive)."""
    lookup = {k.lower(): v for k, v in allowed.items()}

    def parse(value: str) -> str:
        key = value.strip().lower()
        if key not in lookup:
            raise ValueError(f"not one of {sorted(set(allowed.values()))}: {value!r}")
        return lookup[key]

    return parse


def _same(*values: str) -> dict[str, str]:
    return {v: v for v in values}


YES_NO = _enum({"yes": "yes", "ja": "yes", "j": "yes", "1": "yes", "true": "yes", "no": "no", "nej": "no", "n": "no", "0": "no", "false": "no"})
RATE_UNIT = _enum({"month": "month", "måned": "month", "maaned": "month", "md": "month", "mdr": "month",
                   "day": "day", "dag": "day", "døgn": "day", "doegn": "day"})
STATUS = _enum({"current": "current", "aktuel": "current", "igangværende": "current", "expected": "expected", "forventet": "expected"})
COLOUR = _enum({"red": "red", "rød": "red", "roed": "red", "yellow": "yellow", "gul": "yellow", "green": "green", "grøn": "green", "groen": "green"})
AREA = _enum({"children": "children", "børn": "children", "boern": "children", "børn og unge": "children",
              "adults": "adults", "voksne": "adults"})
PROVIDER_TYPE = _enum(_same("own_municipality", "other_municipality", "region", "private"))
SEX = _enum({"m": "M", "mand": "M", "k": "K", "kvinde": "K", "f": "K"})
VUM_SCORES = (0.0, 1.0, 2.0, 3.0, 3.5, 4.0)


def _vum(value: str) -> float:
    score = parse_number(value)
    if score not in VUM_SCORES:
        raise ValueError(f"VUM score not in 0, 1, 2, 3, 3.5, 4: {value!r}")
    return score


@cache
def _municipality_names() -> dict[str, str]:
    return dict(zip(reference.municipalities()["municipality_code"], reference.municipalities()["municipality_name"]))


def _municipality(value: str) -> str:
    """A municipality's 3-digit DST code ('101'); 4-digit DAWA codes ('0101') are accepted."""
    s = value.strip()
    if not s.isdigit():
        raise ValueError(f"not a municipality code: {value!r}")
    code = s.zfill(3)[-3:] if len(s) <= 4 else s
    if code not in _municipality_names():
        raise ValueError(f"unknown municipality code: {value!r}")
    return code


@cache
def _area_lookup() -> dict[str, str]:
    """Area names and codes for population extracts: country, regions, municipalities, Christiansø."""
    munis = reference.municipalities()
    regs = reference.regions()
    lookup = {labels.COUNTRY_NAME.lower(): labels.COUNTRY_CODE, "christiansø": labels.CHRISTIANSOE_CODE}
    lookup |= {n.lower(): c for n, c in zip(regs["region_name"], regs["region_code"])}
    lookup |= {n.lower(): c for n, c in zip(munis["municipality_name"], munis["municipality_code"])}
    lookup |= {c: c for c in lookup.values()}
    return lookup


def _population_area(value: str) -> str:
    s = value.strip()
    code = _area_lookup().get(s.lower()) or _area_lookup().get(s.zfill(3) if s.isdigit() else s)
    if code is None:
        raise ValueError(f"unknown area (code or name): {value!r}")
    return code


def _population_sex(value: str) -> str:
    return _enum({"1": "1", "mænd": "1", "maend": "1", "m": "1", "2": "2", "kvinder": "2", "k": "2",
                  "tot": "T", "i alt": "T", "køn i alt": "T"})(value)


def _population_age(value: str) -> int | None:
    s = value.strip().lower().removesuffix(" år")
    if s in ("ialt", "i alt", "alder i alt", "tot"):
        return None
    age = _nonneg_int(s)
    if age > 125:
        raise ValueError(f"impossible age: {value!r}")
    return age


def _period(value: str) -> str:
    """StatBank time: '2017K1' (quarter), '2022M01' (month) or '2017' (year)."""
    s = value.strip().upper()
    if not re.fullmatch(r"\d{4}(K[1-4]|M(0[1-9]|1[0-2]))?", s):
        raise ValueError(f"not a StatBank period (2017K1, 2022M01, 2017): {value!r}")
    return s


def _function(value: str) -> str:
    s = value.strip()
    m = re.fullmatch(r"(\d)\.?(\d{2})\.?(\d{2})", s)
    if not m:
        raise ValueError(f"not an account function (d.dd.dd): {value!r}")
    return f"{m[1]}.{m[2]}.{m[3]}"


def _account_group(value: str) -> str:
    s = value.strip()
    if not s.isdigit() or len(s) > 3:
        raise ValueError(f"not an account group (3 digits): {value!r}")
    return s.zfill(3)


@cache
def _measure_group_ids() -> frozenset[tuple[str, str]]:
    groups = reference.measure_groups()
    return frozenset(zip(groups["area"], groups["measure_group"]))


@cache
def _measure_ids() -> frozenset[str]:
    return frozenset(reference.measures()["measure"])


def _measure(value: str) -> str:
    s = value.strip()
    if s not in _measure_ids():
        raise ValueError(f"unknown measure (see data/reference/measures.csv): {value!r}")
    return s


def _budget_measure(value: str) -> str:
    s = value.strip()
    if s not in _measure_ids() and s not in {g for _, g in _measure_group_ids()}:
        raise ValueError(f"unknown measure or measure group: {value!r}")
    return s


# ---------------------------------------------------------------- row and sequence rules


def _dates_in_order(row: dict[str, Any]) -> tuple[str, Any, str] | None:
    if row["end_date"] is not None and row["end_date"] < row["start_date"]:
        return ("end_date", row["end_date"].isoformat(), f"stop date {row['end_date']:%d.%m.%Y} before start date {row['start_date']:%d.%m.%Y}")
    return None


def _users_group_known(row: dict[str, Any]) -> tuple[str, Any, str] | None:
    if (row["area"], row["measure_group"]) not in _measure_group_ids():
        return ("measure_group", row["measure_group"], f"unknown measure group for area {row['area']}")
    return None


def _registration_sequence(rows: list[tuple[int, dict[str, Any]]]) -> dict[int, tuple[str, Any, str]]:
    """Registration numbers must run 1, 2, 3 ... per case and dates must increase; offending rows by line."""
    bad: dict[int, tuple[str, Any, str]] = {}
    last: dict[str, tuple[int, dt.date]] = {}
    for line, row in rows:
        case, number, date = row["case_id"], row["registration_no"], row["registration_date"]
        prev = last.get(case)
        expected = 1 if prev is None else prev[0] + 1
        if number != expected:
            bad[line] = ("registration_no", number, f"registration number out of sequence: {number} where {expected} was expected")
            continue
        if prev is not None and date <= prev[1]:
            bad[line] = ("registration_date", date.isoformat(), f"registration date {date:%d.%m.%Y} not after registration {prev[0]} ({prev[1]:%d.%m.%Y})")
            continue
        last[case] = (number, date)
    return bad


# ---------------------------------------------------------------- the kinds

MUNICIPALITY = Column("municipality_code", _municipality, aliases=("kommunekode", "kommune_kode", "kommunenr", "komkode"))
PERSON = (
    Column("cpr", _text, required=False, aliases=("cpr_nr", "cprnr", "cpr_nummer")),
    Column("case_id", _text, required=False, aliases=("sags_id", "sagsid", "borger_id", "pseudonym")),
)

KINDS: dict[str, Kind] = {
    "population": Kind("population", (
        Column("area_code", _population_area, aliases=("område", "omraade", "area", "kommune")),
        Column("sex", _population_sex, required=False, aliases=("køn", "koen", "kon"), default="T"),
        Column("age", _population_age, required=False, nullable=True, aliases=("alder",)),
        Column("period", _period, aliases=("tid", "time", "kvartal", "måned")),
        Column("count", _nonneg_int, aliases=("indhold", "antal", "value", "personer")),
    ), key=("area_code", "sex", "age", "period")),
    "expenditure": Kind("expenditure", (
        MUNICIPALITY,
        Column("municipality_name", _text, required=False, nullable=True, aliases=("kommune", "kommunenavn")),
        Column("function", _function, aliases=("funktion", "funktionskode")),
        Column("account_group", _account_group, required=False, nullable=True, aliases=("gruppering", "dranst_gruppering"), default=""),
        Column("year", _year, aliases=("aar", "år", "regnskabsaar", "tid")),
        Column("amount_1000_kr", parse_number, aliases=("nettodrift_1000_kr", "nettodriftsudgifter_1000_kr", "beloeb_1000_kr", "beløb_1000_kr", "amount")),
    ), key=("municipality_code", "function", "account_group", "year")),
    "users": Kind("users", (
        MUNICIPALITY,
        Column("area", AREA, aliases=("omraade", "område")),
        Column("measure_group", _text, aliases=("foranstaltning", "maalgruppe", "measure")),
        Column("year", _year, aliases=("aar", "år")),
        Column("users", _nonneg_int, aliases=("brugere", "antal_brugere")),
    ), key=("municipality_code", "area", "measure_group", "year"), row_rule=_users_group_known),
    "price_index": Kind("price_index", (
        Column("year", _year, aliases=("aar", "år")),
        Column("index", _nonneg_number, aliases=("pl_indeks", "indeks")),
    ), key=("year",)),
    "municipal_facts": Kind("municipal_facts", (
        MUNICIPALITY,
        Column("year", _year, aliases=("aar", "år")),
        Column("expected_expenditure_need_index", parse_number, nullable=True, aliases=("udgiftsbehov_indeks",)),
        Column("purchase_share_pct", parse_number, required=False, nullable=True),
        Column("sales_income_kr_per_18_64", parse_number, required=False, nullable=True),
        Column("appeals_changed_pct", parse_number, required=False, nullable=True),
    ), key=("municipality_code", "year")),
    "budget": Kind("budget", (
        MUNICIPALITY,
        Column("year", _year, aliases=("aar", "år", "budgetaar")),
        Column("area", AREA, aliases=("omraade", "område")),
        Column("measure", _budget_measure, aliases=("foranstaltning", "ydelse")),
        Column("amount", parse_number, aliases=("beloeb", "beløb", "budget")),
        Column("cases", _nonneg_number, required=False, nullable=True, aliases=("antal_sager", "helaarspersoner")),
        Column("average_price", _nonneg_number, required=False, nullable=True, aliases=("gennemsnitspris",)),
    ), key=("municipality_code", "year", "area", "measure")),
    "cases": Kind("cases", (
        *PERSON,
        Column("municipality_code", _municipality, required=False, nullable=True, aliases=("kommunekode",)),
        Column("area", AREA, required=False, nullable=True, aliases=("omraade", "område")),
        Column("measure", _measure, aliases=("foranstaltning", "ydelse", "delomraade")),
        Column("rate", _nonneg_number, aliases=("takst", "sats")),
        Column("rate_unit", RATE_UNIT, aliases=("takst_enhed", "enhed")),
        Column("start_date", _required_date, aliases=("startdato", "start")),
        Column("end_date", _date, nullable=True, aliases=("slutdato", "stopdato", "stop_date", "slut")),
        Column("status", STATUS),
        Column("probability", _share, required=False, nullable=True, aliases=("sandsynlighed",), default=1.0),
        Column("provider", _text, required=False, nullable=True, aliases=("leverandoer", "leverandør")),
        Column("provider_type", PROVIDER_TYPE, required=False, nullable=True, aliases=("leverandoertype", "leverandørtype")),
        Column("caseworker", _text, required=False, nullable=True, aliases=("sagsbehandler",)),
        Column("target_group", _text, required=False, nullable=True, aliases=("maalgruppe", "målgruppe")),
    ), key=("case_id", "measure", "start_date"), row_rule=_dates_in_order, person_id=True),
    "actuals": Kind("actuals", (
        *PERSON,
        Column("measure", _measure, required=False, nullable=True, aliases=("foranstaltning", "ydelse")),
        Column("month", _month, aliases=("maaned", "måned", "periode")),
        Column("amount", parse_number, aliases=("beloeb", "beløb", "bogfoert", "bogført")),
    ), person_id=True),
    "transitions": Kind("transitions", (
        *PERSON,
        Column("municipality_code", _municipality, required=False, nullable=True),
        Column("birth_date", _date, required=False, nullable=True, aliases=("foedselsdato", "fødselsdato")),
        Column("expected_transition_date", _required_date, aliases=("forventet_overgang", "overgangsdato")),
        Column("aftercare", YES_NO, required=False, nullable=True, aliases=("efterværn", "eftervaern")),
        Column("probability", _share, aliases=("sandsynlighed",)),
        Column("colour", COLOUR, aliases=("farve", "color", "farvekode")),
        Column("expected_measure", _measure, nullable=True, aliases=("forventet_indsats", "forventet_ydelse")),
        Column("annual_cost", _nonneg_number, nullable=True, aliases=("aarlig_udgift", "årlig_udgift")),
    ), key=("case_id",), person_id=True),
    "registrations": Kind("registrations", (
        *PERSON,
        MUNICIPALITY,
        Column("registration_no", _int_between(1, 9, "registration number"), aliases=("registrering_nr", "registreringsnummer")),
        Column("registration_date", _required_date, aliases=("registreringsdato", "dato")),
        Column("service", _enum(_same("sel_85", "sel_107")), aliases=("ydelse",)),
        Column("vum_score", _vum, nullable=True, aliases=("vum",)),
        Column("goals_set", YES_NO, aliases=("maal_opsat", "mål_opsat")),
        Column("goal_type", _enum(_same("improvement", "status_quo", "limited_deterioration")), required=False, nullable=True),
        Column("previous_goal_met", _enum(_same("fully", "partially", "not")), required=False, nullable=True),
        Column("target_vum", _vum, required=False, nullable=True),
        Column("hours_per_month", _nonneg_number, required=False, nullable=True),
        Column("daily_rate", _nonneg_number, required=False, nullable=True),
        Column("initiator", _text, required=False, nullable=True),
        Column("provider_type", PROVIDER_TYPE, required=False, nullable=True),
        Column("target_group", _enum(_same("intellectual", "mental_illness", "physical", "social")), required=False, nullable=True),
        Column("age", _nonneg_int, required=False, nullable=True, aliases=("alder",)),
        Column("sex", SEX, required=False, nullable=True, aliases=("køn", "koen")),
        Column("means_of_support", _text, required=False, nullable=True),
        Column("employment_measure", _text, required=False, nullable=True),
        Column("concurrent_services", _text, required=False, nullable=True),
        Column("concurrent_services_price", _nonneg_number, required=False, nullable=True),
        Column("closed", YES_NO, required=False, nullable=True),
        Column("closing_date", _date, required=False, nullable=True),
        Column("closing_reason", _text, required=False, nullable=True),
    ), key=("case_id", "registration_no"), sequence_rule=_registration_sequence, person_id=True),
    "parameter_scores": Kind("parameter_scores", (
        *PERSON,
        MUNICIPALITY,
        Column("assessment_date", _required_date, aliases=("dato", "vurderingsdato")),
        Column("theme", _text, aliases=("tema", "parameter")),
        Column("score", _int_between(0, 4, "score"), aliases=("score_0_4", "vurdering")),
    ), key=("case_id", "assessment_date", "theme"), person_id=True),
}


# ---------------------------------------------------------------- the engine


def _locate_columns(kind: Kind, table: RawTable) -> dict[str, int | None]:
    """Map each canonical column to its position in the file, by name or alias; raise on missing ones."""
    positions = {normalise_header(h): i for i, h in enumerate(table.header)}
    found: dict[str, int | None] = {}
    for col in kind.columns:
        names = (col.name, *col.aliases)
        found[col.name] = next((positions[n] for n in names if n in positions), None)
    missing = [c.name for c in kind.columns if c.required and found[c.name] is None]
    if kind.person_id and found["cpr"] is None and found["case_id"] is None:
        missing.append("cpr or case_id")
    if missing:
        raise ExtractError(f"{table.path}: missing required column(s) for kind {kind.name}: {', '.join(missing)}"
                           f" (found: {', '.join(table.header) or 'none'})")
    return found


def _mask(value: str) -> str:
    """A CPR-like value as it may appear in an error report: birth date part only."""
    return re.sub(r"\b(\d{6})-?\d{4}\b", r"\1-****", value)


def _person(raw_cpr: str, raw_case: str, key: bytes) -> tuple[dict[str, Any], tuple[str, str, str] | None]:
    """Pseudonymise the person id; derive birth date and sex from a CPR number."""
    if raw_cpr.strip():
        try:
            born, sex = privacy.parse_cpr(raw_cpr)
        except privacy.CprError as exc:
            return {}, ("cpr", _mask(raw_cpr), str(exc).replace(raw_cpr.strip(), _mask(raw_cpr.strip())))
        return {"case_id": privacy.pseudonymise(raw_cpr, key), "birth_date": born, "cpr_sex": sex}, None
    if raw_case.strip():
        if privacy.CPR_PATTERN.match(raw_case.strip()):
            return {}, ("case_id", _mask(raw_case), "case_id holds a CPR number; put it in a cpr column to pseudonymise it")
        return {"case_id": raw_case.strip(), "birth_date": None, "cpr_sex": None}, None
    return {}, ("cpr", "", "missing person id: neither cpr nor case_id is filled")


def ingest(kind_name: str, path: Path, key: bytes | None = None) -> IngestResult:
    """Read and validate one extract; raise ExtractError when the file as a whole cannot be used."""
    if kind_name not in KINDS:
        raise ExtractError(f"unknown kind {kind_name!r}; known kinds: {', '.join(KINDS)}")
    kind = KINDS[kind_name]
    table = read_table(Path(path))
    positions = _locate_columns(kind, table)
    if kind.person_id:
        key = key if key is not None else privacy.load_key()
    header_names = {c.name: (table.header[positions[c.name]] if positions[c.name] is not None else c.name) for c in kind.columns}

    parsed: list[tuple[int, dict[str, Any]]] = []
    rejected: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []

    def reject(line: int, raw: list[str], problems: list[tuple[str, Any, str]]) -> None:
        for column, value, reason in problems:
            errors.append({"line": line, "column": column, "value": value, "reason": reason})
        masked = [_mask(c) for c in raw] if kind.person_id else raw
        rejected.append({"line": line, "reason": "; ".join(p[2] for p in problems), "raw": table.delimiter.join(masked) or "|".join(masked)})

    for raw, line in zip(table.rows, table.lines):
        problems: list[tuple[str, Any, str]] = []
        row: dict[str, Any] = {}
        if len(raw) > len(table.header) and any(c.strip() for c in raw[len(table.header):]):
            problems.append(("(row)", len(raw), f"{len(raw)} fields where the header has {len(table.header)}"))
        for col in kind.columns:
            if col.name in ("cpr", "case_id"):
                continue
            i = positions[col.name]
            cell = raw[i] if i is not None and i < len(raw) else ""
            if not cell.strip():
                if i is not None and col.required and not col.nullable:
                    problems.append((header_names[col.name], cell, "missing value"))
                row[col.name] = col.default
                continue
            try:
                row[col.name] = col.parse(cell)
            except ValueError as exc:
                problems.append((header_names[col.name], cell, str(exc)))
        if kind.person_id:
            cell = lambda name: raw[positions[name]] if positions[name] is not None and positions[name] < len(raw) else ""  # noqa: E731
            person, problem = _person(cell("cpr"), cell("case_id"), key)
            if problem:
                problems.append(problem)
            row |= person
        if not problems and kind.row_rule:
            problem = kind.row_rule(row)
            if problem:
                problems.append(problem)
        if problems:
            reject(line, raw, problems)
        else:
            parsed.append((line, row))

    raw_by_line = dict(zip(table.lines, table.rows))
    if kind.sequence_rule:
        bad = kind.sequence_rule(parsed)
        for line, problem in bad.items():
            reject(line, raw_by_line[line], [problem])
        parsed = [(line, row) for line, row in parsed if line not in bad]
    if kind.key:
        seen: dict[tuple, int] = {}
        kept = []
        for line, row in parsed:
            k = tuple(row[c] for c in kind.key)
            if k in seen:
                reject(line, raw_by_line[line], [("(row)", ", ".join(map(str, k)), f"duplicate of line {seen[k]} (same {', '.join(kind.key)})")])
            else:
                seen[k] = line
                kept.append((line, row))
        parsed = kept

    accepted = finish_frame(kind, [row | {"source_line": line} for line, row in parsed])
    errors.sort(key=lambda e: e["line"])
    rejected_frame = pd.DataFrame(rejected, columns=["line", "reason", "raw"]).sort_values("line", ignore_index=True)
    return IngestResult(kind.name, Path(path), len(table.rows), accepted, rejected_frame, errors)


def finish_frame(kind: Kind, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Accepted rows as a frame in canonical columns; person ids pseudonymised, CPR dropped."""
    names = [c.name for c in kind.columns if c.name not in ("cpr", "case_id")]
    if kind.person_id:
        names = ["case_id", "birth_date", "cpr_sex", *names]
    frame = pd.DataFrame(rows, columns=[*names, "source_line"])
    if kind.name == "population":
        frame["year"] = frame["period"].str[:4].astype(int)
    if kind.name == "registrations":
        # Sex and age follow from the CPR where one was given.
        frame["sex"] = frame["cpr_sex"].where(frame["cpr_sex"].notna(), frame["sex"])
    return frame
