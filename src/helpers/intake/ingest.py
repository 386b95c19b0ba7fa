"""Ingestion: validate a raw extract column by column; accept each row, or quarantine it with a reason. Nothing is lost.

Each kind declares its columns (names as real systems write them: data/reference/column_aliases.csv), how each is
parsed, which mapping table classifies it (data/reference/mappings/), cross-field rules and a key for duplicates.
Only what makes a row unusable quarantines it; an unfamiliar word in a classification column is kept with the mapped
value `unmapped` and listed. CPR numbers are replaced by keyed pseudonyms here, after birth date and sex are derived
from them; no later step ever sees a CPR number. Validation is vectorised over the distinct values of each column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers import labels, paths
from helpers.intake import mappings, privacy, reference, values
from helpers.intake.readers import ExtractError, RawTable, normalise_header, read_table

ALIASES = paths.REFERENCE / "column_aliases.csv"
IMPLIED_UNITS = {
    "prisprdag": "day",
    "doegntakst": "day",
    "prisprdoegn": "day",
    "prisprmaaned": "month",
    "maanedstakst": "month",
}


@dataclass(frozen=True)
class Column:
    """One column of a kind: canonical name, how it is parsed, whether it must be present / may be empty."""

    name: str
    parse: str  # a key of PARSERS, or "map:<table>" for a classification column
    required: bool = True
    nullable: bool = False
    default: Any = None


@dataclass(frozen=True)
class Kind:
    """An extract kind: its columns, duplicate key (empty: rows identical in every column) and row rules."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
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
    unmapped: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cpr_replaced: dict[str, int] = field(
        default_factory=dict
    )  # per column: CPR numbers replaced by [CPR] or a pseudonym

    def summary(self) -> dict[str, Any]:
        """The JSON the CLI prints: counts, every error with file line, column and value, unmapped values, notes; for
        booked actuals the lines placed on no measure (by name or account function), per function with their amount."""
        unmapped_rows = int(self.accepted["unmapped"].sum()) if "unmapped" in self.accepted else 0
        extra = {"without_measure": without_measure(self.accepted)} if self.kind == "actuals" else {}
        return {
            "file": privacy.mask(self.path),
            "kind": self.kind,
            "rows_read": self.rows_read,
            "accepted": len(self.accepted),
            "rejected": len(self.rejected),
            "unmapped_rows": unmapped_rows,
            "errors": self.errors,
            "unmapped": self.unmapped,
            "notes": self.notes,
            "cpr_replaced": self.cpr_replaced,
        } | extra


def without_measure(actuals: pd.DataFrame) -> list[dict[str, Any]]:
    """Booking lines that neither their measure nor their account function place on one measure, per function (None:
    none given): rows and amount. The forecast shares them over the citizen's measures of the function in that month,
    and lists what no measure takes as unplaced."""
    rows = actuals[actuals["measure"].isna()]
    grouped = rows.groupby(rows["function"].fillna(""), sort=True)["amount"].agg(["size", "sum"])
    return [
        {"function": f or None, "rows": int(n), "amount": round(float(total), 2)}
        for f, (n, total) in zip(grouped.index, grouped.to_numpy())
    ]


# ---------------------------------------------------------------- column parsers (vectorised: values, errors)

Parsed = tuple[pd.Series, pd.Series]


def _text(raw: pd.Series) -> Parsed:
    return values._text(raw).astype(object), values.nones(raw.index)


def _checked(raw: pd.Series, decimal: str | None, check: Callable[[pd.Series], pd.Series], reason: str) -> Parsed:
    """Numbers, with cells failing `check` reported as `reason` (formatted with the cell)."""
    number, errors = values.parse_numbers(raw, decimal)
    bad = number.notna() & ~check(number)
    errors[bad] = [reason.format(v) for v in values._text(raw[bad])]
    return number.where(~bad), errors


def _as_int(parsed: Parsed) -> Parsed:
    number, errors = parsed
    fraction = number.notna() & (number != number.round())
    errors[fraction] = [f"not a whole number: {v:g}" for v in number[fraction]]
    return number.where(~fraction).round().astype("Int64"), errors  # whole numbers, <NA> where empty or refused


def _between(lo: float, hi: float, what: str) -> Callable[[pd.Series, str | None], Parsed]:
    return lambda raw, decimal: _as_int(
        _checked(raw, decimal, lambda n: n.between(lo, hi), f"{what} outside {lo:g}-{hi:g}: {{!r}}")
    )


def _dates(raw: pd.Series, decimal: str | None) -> Parsed:
    return values.parse_dates(raw)


def _required_date(raw: pd.Series, decimal: str | None) -> Parsed:
    parsed, errors = values.parse_dates(raw)
    sentinel = parsed.isna() & errors.isna() & (values._text(raw) != "")
    errors[sentinel] = [f"open-ended sentinel where a date is required: {v!r}" for v in values._text(raw[sentinel])]
    return parsed, errors


def _municipality(raw: pd.Series, decimal: str | None) -> Parsed:
    """A municipality's 3-digit DST code ('101'); 4-digit DAWA codes ('0101') and names are accepted."""
    text = values._text(raw).str.replace(r"\.0$", "", regex=True)
    code = text.where(~text.str.fullmatch(r"\d{1,4}"), text.str.zfill(3).str[-3:])
    code = code.where(code.isin(_municipality_names()), text.map(lambda t: _municipality_by_name().get(t.lower())))
    errors = values.nones(raw.index)
    bad = code.isna()
    errors[bad] = [f"unknown municipality code: {v!r}" for v in text[bad]]
    return code.astype(object).where(~bad, None), errors


def _population_area(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw)
    lookup = _area_lookup()
    code = (
        text.str.lower().map(lookup).fillna(text.where(~text.str.fullmatch(r"\d{1,3}"), text.str.zfill(3)).map(lookup))
    )
    errors = values.nones(raw.index)
    errors[code.isna()] = [f"unknown area (code or name): {v!r}" for v in text[code.isna()]]
    return code.astype(object).where(code.notna(), None), errors


def _population_sex(raw: pd.Series, decimal: str | None) -> Parsed:
    lookup = {
        "1": "1",
        "maend": "1",
        "m": "1",
        "2": "2",
        "kvinder": "2",
        "k": "2",
        "tot": "T",
        "ialt": "T",
        "koenialt": "T",
    }
    code = values._text(raw).map(lambda v: lookup.get(normalise_header(v)))
    errors = values.nones(raw.index)
    errors[code.isna()] = [f"not a sex (1, 2, Mænd, Kvinder, I alt): {v!r}" for v in values._text(raw[code.isna()])]
    return code.astype(object), errors


def _population_age(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw).str.lower().str.removesuffix(" år")
    total = text.isin(["ialt", "i alt", "alder i alt", "tot"])
    number, errors = _as_int(
        _checked(text.where(~total, ""), None, lambda n: n.between(0, 125), "impossible age: {!r}")
    )
    return number.where(~total, None), errors


def _statbank_period(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw).str.upper()
    ok = text.str.fullmatch(r"\d{4}(K[1-4]|M(0[1-9]|1[0-2]))?")
    errors = values.nones(raw.index)
    errors[~ok] = [f"not a StatBank period (2017K1, 2022M01, 2017): {v!r}" for v in text[~ok]]
    return text.astype(object).where(ok, None), errors


def _function(raw: pd.Series, decimal: str | None) -> Parsed:
    parts = values._text(raw).str.extract(r"^(\d)\.?(\d{2})\.?(\d{2})$")
    ok = parts[0].notna()
    errors = values.nones(raw.index)
    errors[~ok] = [f"not an account function (d.dd.dd): {v!r}" for v in values._text(raw[~ok])]
    return (parts[0] + "." + parts[1] + "." + parts[2]).astype(object).where(ok, None), errors


def _account_group(raw: pd.Series, decimal: str | None) -> Parsed:
    text = values._text(raw).str.replace(r"\.0$", "", regex=True)
    ok = text.str.fullmatch(r"\d{1,3}")
    errors = values.nones(raw.index)
    errors[~ok] = [f"not an account group (3 digits): {v!r}" for v in text[~ok]]
    return text.str.zfill(3).astype(object).where(ok, None), errors


def _share(raw: pd.Series, decimal: str | None) -> Parsed:
    """A probability as a share (0,6) or a percentage: with `%` (60 %), or a whole number from 2 to 100 (60); another
    number over 1 (1,5) is no probability."""
    text = values._text(raw)
    number, errors = values.parse_numbers(text.str.rstrip("% ").where(values._is_text(raw), raw), decimal)
    percent = text.str.endswith("%") | (number.between(2, 100) & (number == number.round()))
    number = number.where(~percent, number / 100)
    bad = number.notna() & ~number.between(0, 1)
    errors[bad] = [f"probability outside 0-1: {v!r}" for v in text[bad]]
    return number.where(~bad), errors


def _vum(raw: pd.Series, decimal: str | None) -> Parsed:
    return _checked(
        raw, decimal, lambda n: n.isin([0.0, 1.0, 2.0, 3.0, 3.5, 4.0]), "VUM score not in 0, 1, 2, 3, 3.5, 4: {!r}"
    )


PARSERS: dict[str, Callable[[pd.Series, str | None], Parsed]] = {
    "text": lambda raw, decimal: _text(raw),
    "number": lambda raw, decimal: values.parse_numbers(raw, decimal),
    "amount": lambda raw, decimal: _checked(raw, decimal, lambda n: n >= 0, "negative amount: {!r}"),
    "count": lambda raw, decimal: _as_int(_checked(raw, decimal, lambda n: n >= 0, "negative count: {!r}")),
    "int": lambda raw, decimal: _as_int(values.parse_numbers(raw, decimal)),
    "year": _between(1990, 2100, "year"),
    "registration_no": _between(1, 9, "registration number"),
    "score": _between(0, 4, "score"),
    "share": _share,
    "vum": _vum,
    "date": _dates,
    "required_date": _required_date,
    "month": lambda raw, decimal: values.parse_months(raw),
    "municipality": _municipality,
    "population_area": _population_area,
    "population_sex": _population_sex,
    "population_age": _population_age,
    "statbank_period": _statbank_period,
    "function": _function,
    "account_group": _account_group,
}
NUMERIC = {"number", "amount", "count", "int", "share", "vum"}


@cache
def _municipality_names() -> frozenset[str]:
    return frozenset(reference.municipalities()["municipality_code"])


@cache
def _municipality_by_name() -> dict[str, str]:
    munis = reference.municipalities()
    return {n.lower(): c for n, c in zip(munis["municipality_name"], munis["municipality_code"])}


@cache
def _area_lookup() -> dict[str, str]:
    """Area names and codes for population extracts: country, regions, municipalities, Christiansø."""
    munis, regs = reference.municipalities(), reference.regions()
    lookup = {labels.COUNTRY_NAME.lower(): labels.COUNTRY_CODE, "christiansø": labels.CHRISTIANSOE_CODE}
    lookup |= {n.lower(): c for n, c in zip(regs["region_name"], regs["region_code"])}
    lookup |= {n.lower(): c for n, c in zip(munis["municipality_name"], munis["municipality_code"])}
    return lookup | {c: c for c in lookup.values()}


@cache
def _measure_by_function() -> dict[str, str]:
    """Account functions that belong to exactly one measure (5.28.22 -> familiepleje)."""
    measures = reference.measures()
    counts = measures["function"].value_counts()
    return {f: m for f, m in zip(measures["function"], measures["measure"]) if counts[f] == 1}


@cache
def _area_by_measure() -> dict[str, str]:
    measures, groups = reference.measures(), reference.measure_groups()
    return dict(zip(measures["measure"], measures["area"])) | dict(zip(groups["measure_group"], groups["area"]))


# ---------------------------------------------------------------- the kinds

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
            Column("year", "year"),
            Column("amount_1000_kr", "number"),
        ),
        key=("municipality_code", "function", "account_group", "year"),
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
            Column("vum_score", "vum", nullable=True),
            Column("goals_set", "map:yes_no"),
            Column("goal_type", "map:goal_type", required=False, nullable=True),
            Column("previous_goal_met", "map:goal_met", required=False, nullable=True),
            Column("target_vum", "vum", required=False, nullable=True),
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
# what a case extract needs besides its required columns: a rate (or Antal x Pris pr stk) and a unit (or a header implying one)
CASE_RATE_COLUMNS = ("rate", "count", "unit_price")


@cache
def aliases() -> dict[str, dict[str, tuple[str, ...]]]:
    """{kind: {column: (the column's name and its aliases, as written in the alias table)}}."""
    table = pd.read_csv(ALIASES, dtype=str, comment="#")
    out: dict[str, dict[str, tuple[str, ...]]] = {
        k: {c.name: (c.name,) for c in kind.columns} for k, kind in KINDS.items()
    }
    for row in table.itertuples():
        if row.kind in out and row.column in out[row.kind]:
            out[row.kind][row.column] += (row.alias,)
    return out


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


# ---------------------------------------------------------------- the engine


def _locate_columns(kind: Kind, table: RawTable) -> dict[str, int | None]:
    """Map each canonical column to its position in the file, by name or alias; raise on missing ones."""
    positions: dict[str, int] = {}
    for i, h in enumerate(table.header):
        positions.setdefault(normalise_header(h), i)
    found = {
        c.name: next(
            (positions[n] for n in map(normalise_header, aliases()[kind.name][c.name]) if n in positions), None
        )
        for c in kind.columns
    }
    missing = [c.name for c in kind.columns if c.required and found[c.name] is None]
    if kind.person_id and found["cpr"] is None and found["case_id"] is None:
        missing.append("cpr or case_id")
    if kind.name == "cases" and found["rate"] is None and (found["count"] is None or found["unit_price"] is None):
        missing.append("rate (or Antal and Pris pr stk)")
    if (
        kind.name == "cases"
        and found["rate_unit"] is None
        and (found["rate"] is None or normalise_header(table.header[found["rate"]]) not in IMPLIED_UNITS)
    ):
        missing.append("rate_unit (or a rate named per day or per month)")
    if missing:
        raise ExtractError(
            f"{table.path}: missing required column(s) for kind {kind.name}: {', '.join(missing)} ({_found(table)})"
        )
    return found


def _found(table: RawTable) -> str:
    """What a file's header row holds, for the message on missing columns: its cells, CPR numbers masked. When no cell
    names a column of any kind, the row is data (a file without a header): only its width and its CPR numbers, masked."""
    if any(normalise_header(h) in _all_column_names() for h in table.header):
        return "found: " + ", ".join(privacy.mask(h) for h in table.header)
    cprs = [found for cell in table.header for found in privacy.masked_cprs(cell)]
    return f"no header row: no cell of the first rows names a column; the first row has {len(table.header)} cells" + (
        f", CPR numbers among them: {', '.join(cprs)}" if cprs else ""
    )


@cache
def _all_column_names() -> frozenset[str]:
    """Every column name and alias of every kind, normalised."""
    return frozenset(normalise_header(n) for columns in aliases().values() for names in columns.values() for n in names)


@dataclass
class Distinct:
    """A column's distinct cells (typed cells told apart by type: the number 1 is not the text '1') and, per row,
    the position of its cell among them: all Python-level work runs on the distinct cells only."""

    codes: np.ndarray
    cells: pd.Series
    text: pd.Series

    @classmethod
    def of(cls, raw: pd.Series, typed: bool) -> Distinct:
        if typed and pd.api.types.infer_dtype(raw, skipna=True) not in (
            "string",
            "empty",
            "floating",
            "integer",
            "datetime",
            "date",
        ):
            codes, uniques = pd.factorize(
                raw.map(lambda v: (type(v).__name__, v)), use_na_sentinel=False
            )  # mixed types
            cells = pd.Series([u[1] for u in uniques], dtype=object)
        else:
            # first occurrences, in order; missing cells (a short row) get their own number after the others
            # (use_na_sentinel=False would scan the whole column for missing values first: a third of the time)
            codes, uniques = pd.factorize(raw.to_numpy(), use_na_sentinel=True)
            cells = pd.Series(uniques, dtype=object)
            if (codes < 0).any():
                codes = np.where(codes < 0, len(cells), codes)
                cells = pd.concat([cells, pd.Series([None], dtype=object)], ignore_index=True)
        return cls(codes, cells, values._text(cells))

    def spread(self, series: pd.Series, index: pd.Index) -> pd.Series:
        """Per-distinct results back to one per row."""
        return pd.Series(series.to_numpy()[self.codes], index=index, dtype=series.dtype)


def _report_distinct(
    report: Callable[[str, pd.Series], None], column: str, distinct: Distinct, reasons: pd.Series, index: pd.Index
) -> None:
    """Report the rows whose distinct cell has a reason (worked out once per distinct cell)."""
    bad = np.flatnonzero(reasons.notna().to_numpy())
    if len(bad):
        rows = np.flatnonzero(np.isin(distinct.codes, bad))
        report(column, pd.Series(reasons.to_numpy()[distinct.codes[rows]], index=index[rows], dtype=object))


def _decimal_evidence(kind: Kind, cells: dict[str, Distinct]) -> dict[str, tuple[pd.Series, tuple[bool, bool, bool]]]:
    """Per numeric text column: the texts that tell the decimal separator and what they say (comma, point, open)."""
    out = {}
    for col in kind.columns:
        if col.parse in NUMERIC and col.name in cells:
            text = values.evidence_text(cells[col.name].text[values._is_text(cells[col.name].cells)])
            out[col.name] = (text, values.decimal_evidence(text))
    return out


def _decimal_hint(evidence: dict[str, tuple[pd.Series, tuple[bool, bool, bool]]], override: str | None) -> str | None:
    """The file's decimal convention: the override, else what its unambiguous numeric columns say; never a guess."""
    if override:
        return override
    comma = any(e[0] for _, e in evidence.values())
    dot = any(e[1] for _, e in evidence.values())
    if comma != dot:
        return "," if comma else "."
    return None


def ingest(
    kind_name: str, path: Path, key: bytes | None = None, decimal: str | None = None, keep: tuple[str, ...] = ()
) -> IngestResult:
    """Read and validate one extract; raise ExtractError when the file as a whole cannot be used.

    `decimal` (',' or '.') overrides the decimal convention of text files, which is otherwise decided per column.
    Columns the kind does not know (names, phone numbers, addresses, free-text notes) are never read; `keep` names
    such a column to carry along anyway, as `kept_<name>`, with CPR numbers in it replaced by [CPR]."""
    if kind_name not in KINDS:
        raise ExtractError(f"unknown kind {kind_name!r}; known kinds: {', '.join(KINDS)}")
    kind = KINDS[kind_name]
    known = {normalise_header(a) for names in aliases()[kind_name].values() for a in names}
    table = read_table(Path(path), known)
    positions = _locate_columns(kind, table)
    if kind.person_id:
        key = key if key is not None else privacy.load_key()
    header = {
        c.name: table.header[positions[c.name]] if positions[c.name] is not None else c.name for c in kind.columns
    }
    width = len(table.header)
    frame = table.frame
    index = frame.index
    cells = {name: Distinct.of(frame[i], table.typed) for name, i in positions.items() if i is not None}
    evidence = _decimal_evidence(kind, cells)
    hint = _decimal_hint(evidence, decimal)
    problems: list[
        tuple[str, pd.Series]
    ] = []  # per check: the column and the reasons of the rows that fail it (sparse)
    key_codes: dict[str, np.ndarray] = {}
    out: dict[str, pd.Series] = {}
    unmapped: list[dict[str, Any]] = []
    notes = list(table.notes)

    def report(column: str, reasons: pd.Series) -> None:
        failing = reasons.dropna()
        if len(failing):
            problems.append((column, failing))

    for col in kind.columns:
        if col.name in ("cpr", "case_id"):
            continue
        distinct = cells.get(col.name)
        if distinct is None:
            out[col.name] = pd.Series([col.default] * len(index), index=index, dtype=object)
            if col.parse.startswith("map:"):
                out[f"{col.name}_raw"] = values.nones(index)
            continue
        empty_u = (distinct.text == "").to_numpy()
        if col.parse.startswith("map:"):
            mapped = mappings.apply(distinct.cells, col.parse.removeprefix("map:"))
            out[col.name] = distinct.spread(mapped, index)
            out[f"{col.name}_raw"] = distinct.spread(
                distinct.text.where(distinct.text != "", None).astype(object), index
            )
        else:
            parser = PARSERS[col.parse]
            try:
                decided = (
                    (
                        values.NO_SEPARATORS
                        if evidence[col.name][0].empty
                        else values.decide_decimal(*evidence[col.name][:1], hint, evidence[col.name][1])
                    )
                    if col.parse in NUMERIC
                    else None
                )
                parsed_u, errors_u = parser(distinct.cells, decided)
            except values.Ambiguous as exc:
                parsed_u = values.nones(distinct.cells.index)
                errors_u = pd.Series(str(exc), index=distinct.cells.index, dtype=object)
            if col.default is not None:
                parsed_u = parsed_u.where(~empty_u, col.default)
            elif parsed_u.dtype == object:
                parsed_u[empty_u] = None
            out[col.name] = distinct.spread(
                parsed_u, index
            )  # numbers stay numbers (NaN/<NA> where empty), the rest objects
            if kind.name == "population" and col.name == "period":  # the year of each StatBank period, once per period
                out["year"] = distinct.spread(
                    parsed_u.map(lambda p: int(p[:4]) if isinstance(p, str) else None).astype("Int64"), index
                )
            if col.name in kind.key:  # the parsed value's number per row, for finding duplicates fast
                key_codes[col.name] = pd.factorize(parsed_u.astype(object), use_na_sentinel=False)[0][distinct.codes]
            _report_distinct(report, header[col.name], distinct, errors_u.where(~empty_u), index)
        if col.required and not col.nullable and empty_u.any():
            _report_distinct(
                report,
                header[col.name],
                distinct,
                pd.Series("missing value", index=distinct.cells.index).where(empty_u),
                index,
            )
    if table.extra:
        long_rows = pd.Series(
            {i: f"{width + len(cells)} fields where the header has {width}" for i, cells in table.extra.items()},
            dtype=object,
        )
        report("(row)", long_rows)

    cpr_replaced: dict[str, int] = {}
    kept_headers: dict[str, str] = {}
    for name in keep:
        at = next((i for i, h in enumerate(table.header) if normalise_header(h) == normalise_header(name)), None)
        if at is None:
            raise ExtractError(f"{table.path}: --keep {privacy.mask(name)}: no such column")
        kept = Distinct.of(frame[at], table.typed)
        column = (
            f"kept_{normalise_header(privacy.scrub(name))}"  # a CPR number in the header is not carried in the name
        )
        out[column] = kept.spread(kept.text.where(kept.text != "", None).astype(object), index)
        kept_headers[column] = table.header[at]
    free_text = [c.name for c in kind.columns if c.parse == "text" and c.name not in ("cpr", "case_id")]
    free_text += [n for n in out if n.endswith("_raw") or n.startswith("kept_")]
    for name in free_text:  # a CPR number in any text column: out before anything is stored
        scrubbed, count = _scrub(out[name])
        if count:
            out[name] = scrubbed
            cpr_replaced[privacy.mask(kept_headers.get(name) or header.get(name.removesuffix("_raw"), name))] = count
    if "caseworker" in out:  # caseworkers are identified by a keyed pseudonym, never by their initials or a number
        key = key if key is not None else privacy.load_key()
        out["caseworker"] = _pseudonymise_caseworkers(out["caseworker"], key)
    if kind.person_id:
        person, reasons, column, in_case = _persons(cells.get("cpr"), cells.get("case_id"), key, index)
        if in_case:
            cpr_replaced[privacy.mask(header["case_id"])] = in_case
        out |= person
        report(header[column] if column in header else column, reasons)
    if kind.name == "cases":
        _cases_rules(out, cells, table, positions, report, header, index)
    elif kind.name == "actuals":
        _place_measure(out, cells)
        _place_area(out)
    elif kind.name == "budget":
        out["area"] = out["area"].where(
            out["area"].notna() & (out["area"] != mappings.UNMAPPED), out["measure"].map(_area_by_measure())
        )
    if kind.name == "users":
        known_groups = set(zip(reference.measure_groups()["area"], reference.measure_groups()["measure_group"]))
        bad = (
            pd.Series([(a, g) not in known_groups for a, g in zip(out["area"], out["measure_group"])], index=index)
            & out["measure_group"].notna()
        )
        report(
            header["measure_group"],
            pd.Series([f"unknown measure group for area {a}" for a in out["area"]], index=index, dtype=object).where(
                bad
            ),
        )

    rejected_rows: dict[Any, list[tuple[str, str]]] = {}
    for column, failing in problems:
        for i, reason in failing.items():
            rejected_rows.setdefault(i, []).append((column, reason))
    bad_rows = index.isin(list(rejected_rows))
    accepted_index = index[~bad_rows] if bad_rows.any() else index
    frame_out = pd.DataFrame(out, index=index, copy=False)
    frame_out["source_line"] = pd.Series(table.lines, index=index, dtype="int64")
    kept = frame_out.loc[accepted_index] if len(accepted_index) < len(index) else frame_out

    if kind.name == "registrations":
        kept, sequence_rejects, gaps = _registration_sequence(kept)
        rejected_rows |= sequence_rejects
        notes += gaps
    kept, duplicates = _duplicates(kind, kept, frame.loc[kept.index], key_codes)
    rejected_rows |= duplicates
    for col in kind.columns:  # unmapped values of the accepted rows are listed: kept, never a reason to drop a row
        if col.parse.startswith("map:") and col.name in cells:
            hit = kept[col.name] == mappings.UNMAPPED
            for value, rows in kept.loc[hit, f"{col.name}_raw"].value_counts().sort_index().items():
                unmapped.append(
                    {"column": privacy.mask(header[col.name]), "value": privacy.mask(value), "rows": int(rows)}
                )

    lines = {i: int(table.lines[index.get_loc(i)]) for i in rejected_rows}
    read = {at for at in positions.values() if at is not None} | {table.header.index(h) for h in kept_headers.values()}
    errors, rejected = [], []
    for i, found in sorted(rejected_rows.items(), key=lambda kv: lines[kv[0]]):
        # the cells of the columns read, CPR numbers masked; names, phone numbers and notes (columns not read) left empty
        cells_read = values._text(pd.Series(table.row_cells(i)[:width], dtype=object))
        raw_cells = [privacy.mask(c) if at in read else "" for at, c in enumerate(cells_read)]
        for column, reason in found:
            column_index = table.header.index(column) if column in table.header else None
            value = raw_cells[column_index] if column_index is not None and column_index < len(raw_cells) else ""
            errors.append(
                {"line": lines[i], "column": privacy.mask(column), "value": value, "reason": privacy.mask(reason)}
            )
        rejected.append(
            {
                "line": lines[i],
                "reason": privacy.mask("; ".join(r for _, r in found)),
                "raw": (table.delimiter or "|").join(raw_cells),
                "measure": _measure_of(out, i),
            }
        )
    accepted = finish_frame(kind, kept)
    rejected_frame = pd.DataFrame(rejected, columns=["line", "reason", "raw", "measure"])
    return IngestResult(
        kind.name, Path(path), len(frame), accepted, rejected_frame, errors, unmapped, notes, cpr_replaced
    )


def _measure_of(out: dict[str, pd.Series], row: Any) -> str | None:
    """A quarantined row's measure as far as it could be read (its own name where no mapping knows it), so reports can
    say in which sub-areas rows were lost; None for kinds without a measure or an empty cell."""
    if "measure" not in out:
        return None
    measure = out["measure"].get(row)
    if measure == mappings.UNMAPPED:
        measure = out["measure_raw"].get(row)
    return measure if isinstance(measure, str) and measure else None


def _scrub(series: pd.Series) -> tuple[pd.Series, int]:
    """Text with every CPR-like number replaced by [CPR], and how many cells held one (worked out per distinct value)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    found = [privacy.holds_cpr(u) for u in uniques]
    if not any(found):
        return series, 0
    cleaned = np.array([privacy.scrub(u) if f else u for u, f in zip(uniques, found)], dtype=object)
    out = values.nones(series.index)
    out[codes >= 0] = cleaned[codes[codes >= 0]]
    return out, int(np.asarray(found)[codes[codes >= 0]].sum())


def _pseudonymise_caseworkers(caseworkers: pd.Series, key: bytes) -> pd.Series:
    """Each distinct caseworker id as its keyed pseudonym (SB-...)."""
    codes, uniques = pd.factorize(caseworkers, use_na_sentinel=True)
    pseudonyms = np.array([privacy.pseudonymise_caseworker(u, key) for u in uniques], dtype=object)
    out = values.nones(caseworkers.index)
    out[codes >= 0] = pseudonyms[codes[codes >= 0]]
    return out


def _persons(
    cpr: Distinct | None, case_id: Distinct | None, key: bytes, index: pd.Index
) -> tuple[dict[str, pd.Series], pd.Series, str, int]:
    """Pseudonymise the person id (a CPR number in any spelling, or a case id; a case id that is or holds a CPR number
    as that CPR number) and derive birth date and sex from CPR numbers. Returns the columns, the reasons for rows without
    a usable id, the column, and how many case ids held a CPR number. The work runs once per distinct number."""

    def person(distinct: Distinct, from_case: bool) -> pd.DataFrame:
        """Per distinct cell: the normalised CPR number (None if it is none), birth date, sex, pseudonym, reason."""
        if (
            from_case
        ):  # pseudonymised only when it is or holds a CPR number ('SAG ' + one, or 9 digits without the leading 0)
            number = privacy.cprs_in_ids(distinct.cells).where(distinct.text != "")
        else:
            number = privacy.normalise_cprs(distinct.cells).where(distinct.text != "")
        parsed = privacy.parse_cprs(number)
        good = parsed["reason"].isna() & number.notna()
        one = privacy.pseudonymiser(key)
        pseudonym = pd.Series([one(n) if g else None for n, g in zip(number, good)], dtype=object)
        return parsed.assign(number=number, pseudonym=pseudonym, text=distinct.text)

    empty = pd.Series([""] * len(index), index=index, dtype=object)
    if cpr is not None:
        by_cpr = person(cpr, False)
        cpr_text = cpr.spread(by_cpr["text"], index)
    else:
        by_cpr, cpr_text = None, empty
    by_case = person(case_id, True) if case_id is not None else None
    case_text = case_id.spread(by_case["text"], index) if by_case is not None else empty
    use_cpr = cpr_text != ""

    def pick(column: str) -> pd.Series:
        from_cpr = cpr.spread(by_cpr[column], index) if by_cpr is not None else values.nones(index)
        in_case = case_id.spread(by_case[column], index) if by_case is not None else values.nones(index)
        return from_cpr.where(use_cpr, in_case)

    pseudonym, born, sex = pick("pseudonym"), pick("birth_date"), pick("sex")
    ok = pseudonym.notna()
    case = pseudonym.where(ok, case_text)
    reasons = values.nones(index)
    bad_cpr = use_cpr & ~ok
    if bad_cpr.any():
        reasons[bad_cpr] = cpr.spread(by_cpr["reason"].fillna("not a CPR number (DDMMYY-SSSS)"), index)[bad_cpr]
    reasons[~use_cpr & (case_text == "")] = "missing person id: neither cpr nor case_id is filled"
    column = "cpr" if cpr is not None else "case_id"
    in_case = int(case_id.spread(by_case["pseudonym"], index).notna().sum()) if by_case is not None else 0
    return (
        {
            "case_id": case.where(case != "", None).astype(object),
            "birth_date": born.where(ok, None).astype(object),
            "cpr_sex": sex.where(ok, None).astype(object),
        },
        reasons,
        column,
        in_case,
    )


def _as_datetime(dates: pd.Series) -> pd.Series:
    """Python dates (None for none) as datetime64, converting each distinct date once."""
    codes, uniques = pd.factorize(dates, use_na_sentinel=True)
    converted = pd.to_datetime(pd.Series(uniques, dtype=object)).to_numpy()
    out = np.full(len(dates), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[codes >= 0] = converted[codes[codes >= 0]]
    return pd.Series(out, index=dates.index)


def _cases_rules(
    out: dict[str, pd.Series],
    cells: dict[str, pd.Series],
    table: RawTable,
    positions: dict[str, int | None],
    report: Callable[[str, pd.Series], None],
    header: dict[str, str],
    index: pd.Index,
) -> None:
    """Case lines: the measure through its name, else its account function or legal basis; the rate as written or
    Antal x Pris pr stk, kept with its unit as given (the forecast costs a week, a year or a one-off amount; a unit that
    cannot become money is quarantined); status; dates in order."""
    _place_measure(out, cells)
    _place_area(out)

    rate = out["rate"].astype("float64")
    product = out["count"].astype("float64") * out["unit_price"].astype("float64")
    rate = rate.where(rate.notna(), product)
    rate_empty = (
        pd.Series((cells["rate"].text == "").to_numpy()[cells["rate"].codes], index=index)
        if "rate" in cells
        else pd.Series(True, index=index)
    )
    report(header.get("rate", "rate"), pd.Series("missing value", index=index).where(rate.isna() & rate_empty))
    unit = out["rate_unit"]
    rate_header = normalise_header(table.header[positions["rate"]]) if positions["rate"] is not None else ""
    unit = unit.where(unit.notna(), IMPLIED_UNITS.get(rate_header))
    report(
        header["rate_unit"],
        pd.Series(
            [f"a unit that cannot become money: {v!r}" for v in out["rate_unit_raw"]], index=index, dtype=object
        ).where(unit == mappings.UNMAPPED),
    )
    report(header["rate_unit"], pd.Series("missing value", index=index).where(unit.isna()))
    start = _as_datetime(out["start_date"])
    end = _as_datetime(out["end_date"])
    one_off = unit == "one_off"
    report(
        header["rate_unit"],
        pd.Series("a one-off amount without a stop date cannot be spread over months", index=index).where(
            one_off & end.isna()
        ),
    )
    out["rate"], out["rate_unit"] = rate, unit
    status = out["status"]
    out["status"] = status.where(status.notna(), "current")
    backwards = end.notna() & start.notna() & (end < start)
    report(
        header["end_date"],
        pd.Series(
            {i: f"stop date {end[i]:%d.%m.%Y} before start date {start[i]:%d.%m.%Y}" for i in index[backwards]},
            dtype=object,
        ),
    )
    out["probability"] = out["probability"].where(out["probability"].notna(), 1.0)


def _place_measure(out: dict[str, pd.Series], cells: dict[str, Distinct]) -> None:
    """The measure through its name, else its account function (where the function is one measure's, 5.28.22 ->
    familiepleje) or legal basis; a measure's own unmapped name is kept where neither says more."""
    measure = out["measure"]
    raw_measure = out["measure_raw"]
    fallback = out["function"].map(_measure_by_function())
    if "legal_basis" in cells:
        fallback = fallback.fillna(mappings.apply(out["legal_basis"], "legal_basis").replace(mappings.UNMAPPED, None))
    measure = measure.where(measure != mappings.UNMAPPED, fallback.fillna(mappings.UNMAPPED))
    out["measure"] = measure.where(raw_measure.notna() | fallback.isna(), fallback)


def _place_area(out: dict[str, pd.Series]) -> None:
    """The area as written, else its measure's, else its account function's (5.28: children, 5.3x: adults)."""
    area = out["area"]
    out["area"] = area.where(area.notna() & (area != mappings.UNMAPPED), out["measure"].map(_area_by_measure()))
    functions = {
        f: "children" if f.startswith("5.28") else "adults" if f.startswith("5.3") else None
        for f in out["function"].dropna().unique()
    }
    out["area"] = out["area"].where(out["area"].notna(), out["function"].map(functions))


def _registration_sequence(kept: pd.DataFrame) -> tuple[pd.DataFrame, dict, list[str]]:
    """On the registrations that remain: a date not after the citizen's previous registration is quarantined; a
    number missing between two (its row quarantined or never delivered) is reported as a gap, not held against the rest."""
    ordered = kept.sort_values(["case_id", "registration_no", "source_line"])
    rejects, notes, keep = {}, [], []
    for case, rows in ordered.groupby("case_id", sort=False):
        last_no, last_date = 0, None
        for i, row in rows.iterrows():
            no, date = int(row["registration_no"]), row["registration_date"]
            if last_date is not None and date <= last_date:
                rejects[i] = [
                    (
                        "registration_date",
                        f"registration date {date:%d.%m.%Y} not after registration {last_no} ({last_date:%d.%m.%Y})",
                    )
                ]
                continue
            if no > last_no + 1:
                missing = ", ".join(str(n) for n in range(last_no + 1, no))
                notes.append(
                    f"case {case}: registration(s) {missing} missing before registration {no} (line {row['source_line']})"
                )
            last_no, last_date = no, date
            keep.append(i)
    return kept.loc[sorted(keep, key=list(kept.index).index)], rejects, notes


def _duplicates(
    kind: Kind, kept: pd.DataFrame, raw: pd.DataFrame, key_codes: dict[str, np.ndarray]
) -> tuple[pd.DataFrame, dict]:
    """Rows with the kind's key seen before (for case lines: rows identical in every column) are duplicates."""
    if kept.empty:
        return kept, {}
    if kind.key and set(kind.key) <= set(
        key_codes
    ):  # one integer per key: no duplicates is the common case, found fast
        sizes = [int(key_codes[c].max(initial=0)) + 1 for c in kind.key]
        if float(np.prod(sizes, dtype=float)) >= 2.0**62:  # too many combinations for one integer: compare the values
            sizes = []
        combined = np.zeros(len(kept), dtype=np.int64)
        for column in kind.key if sizes else ():
            codes = key_codes[column][kept.index.to_numpy()]
            combined = combined * (int(key_codes[column].max(initial=0)) + 1) + codes
        if sizes and not pd.Series(combined).duplicated().any():
            return kept, {}
    if kind.key:
        keys = kept[list(kind.key)]
        what = f"same {', '.join(c for c in kind.key if not c.endswith('_raw'))}"
    else:
        keys = raw
        what = "identical in every column"
    dup = keys.duplicated(keep="first")
    if not dup.any():
        return kept, {}
    hashed = pd.util.hash_pandas_object(keys.astype(str), index=False)
    first_line = kept["source_line"].groupby(hashed.to_numpy()).transform("first")
    rejects = {i: [("(row)", f"duplicate of line {first_line[i]} ({what})")] for i in kept.index[dup]}
    return kept[~dup], rejects


def finish_frame(kind: Kind, rows: pd.DataFrame | list) -> pd.DataFrame:
    """Accepted rows as a frame in canonical columns; person ids pseudonymised, CPR dropped; `<col>_raw` beside each
    classification column; `unmapped` counts the row's unmapped values."""
    names = [c.name for c in kind.columns if c.name not in ("cpr", "case_id")]
    names += [f"{c.name}_raw" for c in kind.columns if c.parse.startswith("map:")]
    if kind.person_id:
        names = ["case_id", "birth_date", "cpr_sex", *names]
    kept = [c for c in (rows.columns if isinstance(rows, pd.DataFrame) else []) if c.startswith("kept_")]
    frame = (
        pd.DataFrame(rows, columns=[*names, "source_line"])
        if isinstance(rows, list)
        else rows.reindex(columns=[*names, *kept, "source_line"])
    )
    mapped = [c.name for c in kind.columns if c.parse.startswith("map:")]
    frame["unmapped"] = (frame[mapped] == mappings.UNMAPPED).sum(axis=1).astype("int64") if mapped else 0
    if kind.name == "population":
        frame["year"] = (
            rows["year"].to_numpy()
            if isinstance(rows, pd.DataFrame) and "year" in rows
            else frame["period"].str[:4].astype(int)
        )
    if kind.name == "registrations":
        # Sex and age follow from the CPR where one was given.
        frame["sex"] = frame["cpr_sex"].where(frame["cpr_sex"].notna(), frame["sex"])
    return frame.reset_index(drop=True)
