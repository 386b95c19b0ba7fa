"""Ingestion: validate a raw extract column by column; accept each row, or quarantine it with a reason. Nothing is lost.

`ingest` runs the steps in order, each a function of its own:
1. read the file (`readers.read_table`: what it is, its encoding, its header, its sheets);
2. find the kind's columns in the header (`locate_columns`: names and aliases, two columns with one name);
3. parse each column once per distinct cell (`parse_columns`, with the parsers of `parsers`);
4. protect persons (`protect_persons`: CPR numbers become keyed pseudonyms, CPR-like numbers in text become [CPR]);
5. apply the kind's row rules (`rules`: a case line's measure, rate and unit; a budget's area; a user count's group);
6. split accepted rows from quarantined ones, then the rules across rows (registrations in order, duplicates);
7. list unmapped values and write the quarantine with file line, column, value and reason (`quarantine`).
Only what makes a row unusable quarantines it; an unfamiliar word in a classification column is kept with the mapped
value `unmapped` and listed. Every reason and note is a `messages.Message` (a code and parameters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from helpers.intake import mappings, persons, privacy, rules, values
from helpers.intake.kinds import (
    IMPLIED_UNITS,
    KINDS,
    Kind,
    aliases,
    all_column_names,
    describe_columns,
    known_names,
    required_names,
)
from helpers.intake.messages import ExtractError, Message, msg, sentence
from helpers.intake.parsers import NUMERIC, PARSERS
from helpers.intake.readers import RawTable, normalise_header, read_table
from helpers.intake.values import Distinct

__all__ = ["KINDS", "ExtractError", "IngestResult", "describe_columns", "finish_frame", "ingest"]


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
    notes: list[Message] = field(default_factory=list)
    cpr_replaced: dict[str, int] = field(
        default_factory=dict
    )  # per column: CPR numbers replaced by [CPR] or a pseudonym

    def summary(self) -> dict[str, Any]:
        """The JSON the CLI prints: counts, every error with file line, column, value, code, parameters and reason,
        unmapped values, and the notes (code, parameters, text); for booked actuals the lines placed on no measure (by
        name or account function), per function with their amount."""
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
            "notes": [n.as_dict() | {"text": privacy.mask(n.english())} for n in self.notes],
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


# ---------------------------------------------------------------- 2. the header


@dataclass
class Located:
    """Where the kind's columns are: per canonical column its position in the file (None: absent) and its name there."""

    positions: dict[str, int | None]
    names: dict[str, str]
    notes: list[Message]


def _same_name(table: RawTable, name: str, at: list[int]) -> tuple[int, Message]:
    """Of several columns with one name, the one to read and a note; raises when they differ (never a silent guess)."""
    text = [values._text(table.frame[i]) for i in at]
    positions = [i + 1 for i in at]
    if all(t.equals(text[0]) for t in text[1:]):
        return at[0], msg("same_name_same_values", name=name, positions=positions)
    filled = [i for i, t in zip(at, text) if (t != "").any()]
    if len(filled) == 1:
        return filled[0], msg("same_name_one_filled", name=name, positions=positions, used=filled[0] + 1)
    differs = ~pd.concat(text, axis=1).eq(text[0], axis=0).all(axis=1)
    row = int(np.flatnonzero(differs.to_numpy())[0])
    shown = " / ".join(f"'{privacy.mask(t.iloc[row])}'" for t in text)
    raise ExtractError(
        table.path,
        msg("same_name_differs", name=privacy.mask(name), positions=positions, line=table.where(row), values=shown),
    )


def locate_columns(kind: Kind, table: RawTable) -> Located:
    """Each canonical column's position in the file, by its name or an alias (the first of the alias table found);
    other aliases present are noted, columns sharing one name are compared; raises on missing required columns."""
    by_name: dict[str, list[int]] = {}
    for i, h in enumerate(table.header):
        by_name.setdefault(normalise_header(h), []).append(i)
    present = {
        c.name: [n for n in dict.fromkeys(map(normalise_header, aliases()[kind.name][c.name])) if n in by_name]
        for c in kind.columns
    }
    read = {names[0] for names in present.values() if names}  # the file's columns read as a column of the kind
    positions: dict[str, int | None] = {}
    notes: list[Message] = []
    for column in kind.columns:
        found = present[column.name]
        if not found:
            positions[column.name] = None
            continue
        at = by_name[found[0]]
        if len(at) > 1:
            chosen, note = _same_name(table, table.header[at[0]], at)
            at, notes = [chosen], notes + [note]
        positions[column.name] = at[0]
        others = [n for n in found[1:] if n not in read]  # another name of it, not read as another column (Kommune)
        if others:
            shown = [f"'{table.header[by_name[n][0]]}'" for n in others]
            notes.append(msg("alias_chosen", column=column.name, used=table.header[at[0]], others=shown))
    missing = [c.name for c in kind.columns if c.required and positions[c.name] is None]
    if kind.person_id and positions["cpr"] is None and positions["case_id"] is None:
        missing.append("person_id")
    if kind.name == "expenditure" and positions["amount_1000_kr"] is None and positions["amount_kr"] is None:
        missing.append("amount")
    if kind.name == "cases":
        if positions["rate"] is None and (positions["count"] is None or positions["unit_price"] is None):
            missing.append("rate_or_count_price")
        named = positions["rate"] is not None and normalise_header(table.header[positions["rate"]]) in IMPLIED_UNITS
        if positions["rate_unit"] is None and not named:
            missing.append("rate_unit_or_named_rate")
    if missing:
        raise ExtractError(table.path, _missing_columns(kind, table, missing))
    names = {c.name: table.header[positions[c.name]] if positions[c.name] is not None else c.name for c in kind.columns}
    return Located(positions, names, notes)


def _missing_columns(kind: Kind, table: RawTable, missing: list[str]) -> Message:
    """The message on missing columns, with what the header row holds (CPR numbers masked); when no cell names a column
    of any kind the row is data (a file without a header): only its width and its CPR numbers, masked."""
    if any(normalise_header(h) in all_column_names() for h in table.header):
        return msg("missing_columns", kind=kind.name, missing=missing, header=[privacy.mask(h) for h in table.header])
    cprs = [found for cell in table.header for found in privacy.masked_cprs(cell)]
    return msg("missing_columns_no_header", kind=kind.name, missing=missing, width=len(table.header), cprs=cprs)


# ---------------------------------------------------------------- the rows being worked on


@dataclass
class Work:
    """One extract on its way through the steps: the table, where its columns are, each read column's distinct cells,
    the parsed columns (`out`), the problems found (per check: the column and a Message per failing row) and notes."""

    kind: Kind
    table: RawTable
    located: Located
    cells: dict[str, Distinct]
    out: dict[str, pd.Series] = field(default_factory=dict)
    problems: list[tuple[str, pd.Series]] = field(default_factory=list)
    notes: list[Message] = field(default_factory=list)
    key_codes: dict[str, np.ndarray] = field(default_factory=dict)
    cpr_replaced: dict[str, int] = field(default_factory=dict)
    kept_headers: dict[str, str] = field(default_factory=dict)

    @property
    def index(self) -> pd.Index:
        return self.table.frame.index

    def report(self, column: str, reasons: pd.Series) -> None:
        """Record the rows of `reasons` that hold a Message as failing on `column`."""
        failing = reasons.dropna()
        if len(failing):
            self.problems.append((column, failing))

    def report_distinct(self, column: str, distinct: Distinct, reasons: pd.Series) -> None:
        """Record the rows whose distinct cell has a reason (worked out once per distinct cell)."""
        bad = np.flatnonzero(reasons.notna().to_numpy())
        if len(bad):
            rows = np.flatnonzero(np.isin(distinct.codes, bad))
            self.report(
                column, pd.Series(reasons.to_numpy()[distinct.codes[rows]], index=self.index[rows], dtype=object)
            )


def _start(kind: Kind, table: RawTable, located: Located) -> Work:
    cells = {name: Distinct.of(table.frame[i], table.typed) for name, i in located.positions.items() if i is not None}
    return Work(kind, table, located, cells, notes=list(table.notes) + located.notes)


# ---------------------------------------------------------------- 3. per-column parsing


def _decimals(work: Work, override: str | None) -> tuple[dict[str, tuple[pd.Series, tuple]], str | None]:
    """Per numeric text column: the texts that tell the decimal separator and what they say (comma, point, open); and
    the file's convention: the override, else what its unambiguous numeric columns say (never a guess)."""
    evidence = {}
    for col in work.kind.columns:
        if col.parse in NUMERIC and col.name in work.cells:
            distinct = work.cells[col.name]
            text = values.evidence_text(distinct.text[values._is_text(distinct.cells)])
            evidence[col.name] = (text, values.decimal_evidence(text))
    if override:
        return evidence, override
    comma = any(e[0] for _, e in evidence.values())
    dot = any(e[1] for _, e in evidence.values())
    return evidence, ("," if comma else ".") if comma != dot else None


def _not_assessed(work: Work, name: str, distinct: Distinct) -> Distinct:
    """Cells saying not assessed ('Ikke vurderet', 'Ikke relevant', data/reference/mappings/not_assessed.csv, or only a
    dash) as empty cells, noted with their count: not assessed is an answer, not an unreadable value."""
    dashes = (distinct.text != "") & (distinct.text.map(mappings.normalise) == "")  # '-', '?', '--'
    words = (mappings.apply(distinct.text, "not_assessed") == "not_assessed") | dashes
    if not words.any():
        return distinct
    rows = int(np.isin(distinct.codes, np.flatnonzero(words.to_numpy())).sum())
    shown = sorted(set(distinct.text[words]))
    work.notes.append(msg("not_assessed", column=work.located.names[name], rows=rows, words=[f"'{w}'" for w in shown]))
    cells = distinct.cells.where(~words, "")
    return Distinct(distinct.codes, cells, distinct.text.where(~words, ""))


def _no_figure(work: Work, name: str, distinct: Distinct) -> Distinct:
    """StatBank's '..' (no figure: missing, confidential or too uncertain) as an empty cell, noted with its count."""
    dots = distinct.text == ".."
    if not dots.any():
        return distinct
    rows = int(np.isin(distinct.codes, np.flatnonzero(dots.to_numpy())).sum())
    work.notes.append(msg("statbank_missing", column=work.located.names[name], rows=rows))
    return Distinct(distinct.codes, distinct.cells.where(~dots, ""), distinct.text.where(~dots, ""))


def parse_columns(work: Work, decimal: str | None) -> None:
    """Each column of the kind parsed once per distinct cell: classification columns through their mapping table,
    the others through their parser in the column's decimal convention; a missing required value is reported."""
    evidence, hint = _decimals(work, decimal)
    index, names = work.index, work.located.names
    for col in work.kind.columns:
        if col.name in ("cpr", "case_id"):
            continue
        distinct = work.cells.get(col.name)
        if distinct is None:
            work.out[col.name] = pd.Series([col.default] * len(index), index=index, dtype=object)
            if col.parse.startswith("map:"):
                work.out[f"{col.name}_raw"] = values.nones(index)
            continue
        if col.not_assessed:
            distinct = _not_assessed(work, col.name, distinct)
        if col.parse in NUMERIC:
            distinct = _no_figure(work, col.name, distinct)
        work.cells[col.name] = distinct  # the rules below see the cells as read (not assessed, no figure: empty)
        empty = (distinct.text == "").to_numpy()
        if col.parse.startswith("map:"):
            work.out[col.name] = distinct.spread(mappings.apply(distinct.cells, col.parse.removeprefix("map:")), index)
            work.out[f"{col.name}_raw"] = distinct.spread(
                distinct.text.where(distinct.text != "", None).astype(object), index
            )
        else:
            try:
                decided = None
                if col.parse in NUMERIC:
                    text, found = evidence[col.name]
                    decided = values.NO_SEPARATORS if text.empty else values.decide_decimal(text, hint, found)
                parsed, errors = PARSERS[col.parse](distinct.cells, decided)
            except values.Ambiguous as exc:
                parsed = values.nones(distinct.cells.index)
                errors = pd.Series([exc.args[0]] * len(distinct.cells), index=distinct.cells.index, dtype=object)
            if col.default is not None:
                parsed = parsed.where(~empty, col.default)
            elif parsed.dtype == object:
                parsed[empty] = None
            work.out[col.name] = distinct.spread(parsed, index)  # numbers stay numbers (NaN/<NA> where empty)
            if work.kind.name == "population" and col.name == "period":  # the year of each StatBank period, once
                work.out["year"] = distinct.spread(
                    parsed.map(lambda p: int(p[:4]) if isinstance(p, str) else None).astype("Int64"), index
                )
            if col.name in work.kind.key:  # the parsed value's number per row, for finding duplicates fast
                work.key_codes[col.name] = pd.factorize(parsed.astype(object), use_na_sentinel=False)[0][distinct.codes]
            work.report_distinct(names[col.name], distinct, errors.where(~empty))
        if col.required and not col.nullable and empty.any():
            missing = pd.Series([msg("missing_value")] * len(empty), index=distinct.cells.index, dtype=object)
            work.report_distinct(names[col.name], distinct, missing.where(empty))
    if work.table.extra:
        width = len(work.table.header)
        work.report(
            "(row)",
            pd.Series(
                {i: msg("too_many_fields", fields=width + len(c), width=width) for i, c in work.table.extra.items()},
                dtype=object,
            ),
        )


def keep_columns(work: Work, keep: tuple[str, ...]) -> None:
    """Columns the kind does not read, carried along on request as `kept_<name>` (CPR numbers scrubbed below)."""
    for name in keep:
        at = next((i for i, h in enumerate(work.table.header) if normalise_header(h) == normalise_header(name)), None)
        if at is None:
            raise ExtractError(work.table.path, msg("no_such_keep_column", column=privacy.mask(name)))
        kept = Distinct.of(work.table.frame[at], work.table.typed)
        column = (
            f"kept_{normalise_header(privacy.scrub(name))}"  # a CPR number in the header is not carried in the name
        )
        work.out[column] = kept.spread(kept.text.where(kept.text != "", None).astype(object), work.index)
        work.kept_headers[column] = work.table.header[at]


# ---------------------------------------------------------------- 4. persons


def protect_persons(work: Work, key: bytes | None) -> None:
    """A CPR number in any text column out before anything is stored; caseworkers and the person id as keyed
    pseudonyms (birth date and sex derived from a CPR number first)."""
    names = work.located.names
    free_text = [c.name for c in work.kind.columns if c.parse == "text" and c.name not in ("cpr", "case_id")]
    free_text += [n for n in work.out if n.endswith("_raw") or n.startswith("kept_")]
    for name in free_text:
        scrubbed, count = persons.scrub(work.out[name])
        if count:
            work.out[name] = scrubbed
            column = work.kept_headers.get(name) or names.get(name.removesuffix("_raw"), name)
            work.cpr_replaced[privacy.mask(column)] = count
    if "caseworker" in work.out:  # caseworkers are identified by a keyed pseudonym, never by their initials
        work.out["caseworker"] = persons.pseudonymise_caseworkers(work.out["caseworker"], key or privacy.load_key())
    if work.kind.person_id:
        found, reasons, column, in_case = persons.persons(
            work.cells.get("cpr"), work.cells.get("case_id"), key, work.index
        )
        if in_case:
            work.cpr_replaced[privacy.mask(names["case_id"])] = in_case
        work.out |= found
        work.report(names[column] if column in names else column, reasons)


# ---------------------------------------------------------------- 5. row rules


def _empty(work: Work, name: str) -> pd.Series:
    """Per row: whether the column's cell is empty (True for every row when the file lacks the column)."""
    distinct = work.cells.get(name)
    if distinct is None:
        return pd.Series(True, index=work.index)
    return pd.Series((distinct.text == "").to_numpy()[distinct.codes], index=work.index)


def apply_row_rules(work: Work) -> None:
    """The kind's rules across the cells of a row (rules.case_lines, budget_lines, user_counts)."""
    if work.kind.name == "cases":
        rate_empty = _empty(work, "rate")
        rules.case_lines(
            work.out, rate_empty, work.table, work.located.positions["rate"], work.report, work.located.names
        )
    elif work.kind.name == "actuals":
        rules.place_measure(work.out)
        rules.place_area(work.out)
    elif work.kind.name == "budget":
        rules.budget_lines(work.out)
    elif work.kind.name == "expenditure":
        amount = "amount_1000_kr" if work.located.positions["amount_1000_kr"] is not None else "amount_kr"
        empty = _empty(work, "amount_1000_kr") & _empty(work, "amount_kr")
        rules.account_lines(work.out, empty, work.report, work.located.names[amount])
    elif work.kind.name == "users":
        rules.user_counts(work.out, work.report, work.located.names)


# ---------------------------------------------------------------- 6. accepted and quarantined rows


def split_rows(work: Work) -> tuple[pd.DataFrame, dict[Any, list[tuple[str, Message]]]]:
    """The rows without a problem, after the rules across rows (registrations in order, duplicates); and per
    quarantined row its problems (column, Message)."""
    rejected: dict[Any, list[tuple[str, Message]]] = {}
    for column, failing in work.problems:
        for i, reason in failing.items():
            rejected.setdefault(i, []).append((column, reason))
    index = work.index
    bad = index.isin(list(rejected))
    frame = pd.DataFrame(work.out, index=index, copy=False)
    frame["source_line"] = pd.Series(work.table.lines, index=index, dtype="int64")
    kept = frame.loc[index[~bad]] if bad.any() else frame
    if work.kind.name == "registrations":
        kept, sequence, gaps = rules.registration_sequence(kept, work.table.where)
        rejected |= sequence
        work.notes += gaps
    absent = {name for name, at in work.located.positions.items() if at is None} - {"case_id"}  # from the CPR too
    kept, duplicates = rules.duplicates(
        work.kind, kept, work.table.frame.loc[kept.index], work.key_codes, work.table.where, absent
    )
    rejected |= duplicates
    return kept, rejected


# ---------------------------------------------------------------- 7. unmapped values and the quarantine


def unmapped_values(work: Work, kept: pd.DataFrame) -> list[dict[str, Any]]:
    """Unmapped values of the accepted rows, per column and value with their rows: kept, never a reason to drop a row."""
    found = []
    for col in work.kind.columns:
        if col.parse.startswith("map:") and col.name in work.cells:
            hit = kept[col.name] == mappings.UNMAPPED
            for value, rows in kept.loc[hit, f"{col.name}_raw"].value_counts().sort_index().items():
                found.append(
                    {
                        "column": privacy.mask(work.located.names[col.name]),
                        "value": privacy.mask(value),
                        "rows": int(rows),
                    }
                )
    return found


def _masked(message: Message) -> Message:
    """The message with every CPR-like number in its parameters masked (DDMMYY-xxxx)."""

    def mask(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [mask(v) for v in value]
        return privacy.mask(value) if isinstance(value, str) else value

    return Message(message.code, {k: mask(v) for k, v in message.params.items()})


def quarantine(work: Work, rejected: dict[Any, list[tuple[str, Message]]]) -> tuple[list[dict], pd.DataFrame]:
    """Per quarantined row and problem: file line (and sheet), column, value, code, parameters and reason; and the
    quarantine itself (line, sheet, codes, reason in English and Danish, the cells read with CPR numbers masked: names,
    phone numbers and notes, the columns not read, are left empty)."""
    table = work.table
    width = len(table.header)
    position = {i: work.index.get_loc(i) for i in rejected}
    read = {at for at in work.located.positions.values() if at is not None}
    read |= {table.header.index(h) for h in work.kept_headers.values()}
    errors, rows = [], []
    for i, found in sorted(rejected.items(), key=lambda kv: position[kv[0]]):
        at = position[i]
        line, sheet = int(table.lines[at]), table.sheets[at] if table.sheets is not None else None
        cells = values._text(pd.Series(table.row_cells(at)[:width], dtype=object))
        raw = [privacy.mask(c) if j in read else "" for j, c in enumerate(cells)]
        messages = [(column, _masked(m)) for column, m in found]
        for column, message in messages:
            column_at = table.header.index(column) if column in table.header else None
            value = raw[column_at] if column_at is not None and column_at < len(raw) else ""
            where = {"line": line} | ({"sheet": sheet} if sheet is not None else {})
            errors.append(
                where
                | {"column": privacy.mask(column), "value": value}
                | message.as_dict()
                | {"reason": privacy.mask(message.english())}
            )
        rows.append(
            {
                "line": line,
                "sheet": sheet,
                "codes": ",".join(m.code for _, m in messages),
                "reason": privacy.mask("; ".join(m.english() for _, m in messages)),
                "reason_da": privacy.mask(sentence([m.danish() for _, m in messages])),
                "raw": (table.delimiter or "|").join(raw),
                "measure": _measure_of(work.out, i),
            }
        )
    return errors, pd.DataFrame(rows, columns=QUARANTINE_COLUMNS)


QUARANTINE_COLUMNS = ["line", "sheet", "codes", "reason", "reason_da", "raw", "measure"]


def _measure_of(out: dict[str, pd.Series], row: Any) -> str | None:
    """A quarantined row's measure as far as it could be read (its own name where no mapping knows it), so reports can
    say in which sub-areas rows were lost; None for kinds without a measure or an empty cell."""
    if "measure" not in out:
        return None
    measure = out["measure"].get(row)
    if measure == mappings.UNMAPPED:
        measure = out["measure_raw"].get(row)
    return privacy.mask(measure) if isinstance(measure, str) and measure else None


# ---------------------------------------------------------------- the steps in order


def ingest(
    kind_name: str, path: Path, key: bytes | None = None, decimal: str | None = None, keep: tuple[str, ...] = ()
) -> IngestResult:
    """Read and validate one extract; raise ExtractError when the file as a whole cannot be used.

    `decimal` (',' or '.') overrides the decimal convention of text files, which is otherwise decided per column.
    Columns the kind does not know (names, phone numbers, addresses, free-text notes) are never read; `keep` names
    such a column to carry along anyway, as `kept_<name>`, with CPR numbers in it replaced by [CPR]."""
    if kind_name not in KINDS:
        raise ExtractError(path, msg("unknown_kind", kind=kind_name, known=list(KINDS)))
    kind = KINDS[kind_name]
    table = read_table(Path(path), known_names(kind.name), required_names(kind.name))
    work = _start(kind, table, locate_columns(kind, table))
    if kind.person_id:
        key = key if key is not None else privacy.load_key()
    parse_columns(work, decimal)
    keep_columns(work, keep)
    protect_persons(work, key)
    apply_row_rules(work)
    kept, rejected = split_rows(work)
    errors, rejected_frame = quarantine(work, rejected)
    return IngestResult(
        kind.name,
        Path(path),
        len(table.frame),
        finish_frame(kind, kept),
        rejected_frame,
        errors,
        unmapped_values(work, kept),
        [_masked(n) for n in work.notes],
        work.cpr_replaced,
    )


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
