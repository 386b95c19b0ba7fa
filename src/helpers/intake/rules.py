"""Rules across the cells of a row and across rows: what a case line means (measure, rate, unit, status, dates), a
budget's or a user count's area and measure group, a citizen's registrations in order, and duplicates.

Each rule reports the rows it refuses as (column, Series of Message); only what makes a row unusable is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd

from helpers.intake import mappings, reference
from helpers.intake.kinds import IMPLIED_UNITS, Kind
from helpers.intake.messages import Message, msg
from helpers.intake.readers import RawTable, normalise_header

Report = Callable[[str, pd.Series], None]


@cache
def measure_by_function() -> dict[str, str]:
    """Account functions that belong to exactly one measure (5.28.22 -> familiepleje)."""
    measures = reference.measures()
    counts = measures["function"].value_counts()
    return {f: m for f, m in zip(measures["function"], measures["measure"]) if counts[f] == 1}


@cache
def area_by_measure() -> dict[str, str]:
    measures, groups = reference.measures(), reference.measure_groups()
    return dict(zip(measures["measure"], measures["area"])) | dict(zip(groups["measure_group"], groups["area"]))


def as_datetime(dates: pd.Series) -> pd.Series:
    """Python dates (None for none) as datetime64, converting each distinct date once."""
    codes, uniques = pd.factorize(dates, use_na_sentinel=True)
    converted = pd.to_datetime(pd.Series(uniques, dtype=object)).to_numpy()
    out = np.full(len(dates), np.datetime64("NaT"), dtype="datetime64[ns]")
    out[codes >= 0] = converted[codes[codes >= 0]]
    return pd.Series(out, index=dates.index)


def _where(condition: pd.Series, message: Message) -> pd.Series:
    """`message` on the rows where `condition` holds, None elsewhere."""
    return pd.Series([message] * len(condition), index=condition.index, dtype=object).where(condition)


def place_measure(out: dict[str, pd.Series]) -> None:
    """The measure through its name, else its account function (where the function is one measure's: 5.28.22 is
    foster care) or its legal basis; a measure's own unmapped name is kept where neither says more."""
    measure = out["measure"]
    raw_measure = out["measure_raw"]
    fallback = out["function"].map(measure_by_function())
    if "legal_basis" in out:
        fallback = fallback.fillna(mappings.apply(out["legal_basis"], "legal_basis").replace(mappings.UNMAPPED, None))
    measure = measure.where(measure != mappings.UNMAPPED, fallback.fillna(mappings.UNMAPPED))
    out["measure"] = measure.where(raw_measure.notna() | fallback.isna(), fallback)


def place_area(out: dict[str, pd.Series]) -> None:
    """The area as written, else its measure's, else its account function's (5.28: children, 5.3x: adults)."""
    area = out["area"]
    out["area"] = area.where(area.notna() & (area != mappings.UNMAPPED), out["measure"].map(area_by_measure()))
    functions = {
        f: "children" if f.startswith("5.28") else "adults" if f.startswith("5.3") else None
        for f in out["function"].dropna().unique()
    }
    out["area"] = out["area"].where(out["area"].notna(), out["function"].map(functions))


def case_lines(
    out: dict[str, pd.Series],
    rate_empty: pd.Series,
    table: RawTable,
    rate_at: int | None,
    report: Report,
    header: dict[str, str],
) -> None:
    """Case lines: the measure through its name, else its account function or legal basis; the rate as written or
    Antal x Pris pr stk, kept with its unit as given (the forecast costs a week, a year or a one-off amount; a rate
    column named per day, month or year says its unit; a unit that cannot become money is quarantined); status; dates
    in order."""
    index = rate_empty.index
    place_measure(out)
    place_area(out)
    # a basis in Barnets lov is a child's measure, whatever its name (a placement under BL § 46 or § 47)
    bases = [b for b in out["legal_basis"].dropna().unique() if re.match(r"(bl|barnetslov)p", mappings.normalise(b))]
    children = out["legal_basis"].isin(bases)  # worked out once per distinct basis
    out["area"] = out["area"].where(out["area"].notna() | ~children, "children")

    rate = out["rate"].astype("float64")
    product = out["count"].astype("float64") * out["unit_price"].astype("float64")
    rate = rate.where(rate.notna(), product)
    report(header.get("rate", "rate"), _where(rate.isna() & rate_empty, msg("missing_value")))
    unit = out["rate_unit"]
    rate_header = normalise_header(table.header[rate_at]) if rate_at is not None else ""
    unit = unit.where(unit.notna(), IMPLIED_UNITS.get(rate_header))
    money_less = unit == mappings.UNMAPPED  # a message only for the rows it concerns (there may be 300.000 rows)
    report(
        header["rate_unit"],
        pd.Series(
            [msg("unit_not_money", value=v) for v in out["rate_unit_raw"][money_less]],
            index=index[money_less],
            dtype=object,
        ),
    )
    report(header["rate_unit"], _where(unit.isna(), msg("missing_value")))
    start = as_datetime(out["start_date"])
    end = as_datetime(out["end_date"])
    report(header["rate_unit"], _where((unit == "one_off") & end.isna(), msg("one_off_without_end")))
    out["rate"], out["rate_unit"] = rate, unit
    status = out["status"]
    out["status"] = status.where(status.notna(), "current")
    backwards = end.notna() & start.notna() & (end < start)
    report(
        header["end_date"],
        pd.Series(
            {
                i: msg("end_before_start", end=f"{end[i]:%d.%m.%Y}", start=f"{start[i]:%d.%m.%Y}")
                for i in index[backwards]
            },
            dtype=object,
        ),
    )
    out["probability"] = out["probability"].where(out["probability"].notna(), 1.0)


def account_lines(out: dict[str, pd.Series], empty: pd.Series, report: Report, column: str) -> None:
    """Accounts in 1.000 kr. as written, or in kroner (Opus' Bogført beløb) divided by 1.000; a row with neither
    (`empty`) lacks its amount. `column` is the amount's name in the file."""
    amount = out["amount_1000_kr"].astype("float64")
    out["amount_1000_kr"] = amount.where(amount.notna(), out["amount_kr"].astype("float64") / 1000)
    report(column, _where(empty, msg("missing_value")))


def budget_lines(out: dict[str, pd.Series]) -> None:
    """A budget line without an area takes its measure's."""
    out["area"] = out["area"].where(
        out["area"].notna() & (out["area"] != mappings.UNMAPPED), out["measure"].map(area_by_measure())
    )


def user_counts(out: dict[str, pd.Series], report: Report, header: dict[str, str]) -> None:
    """A user count names a measure group of its area."""
    known = set(zip(reference.measure_groups()["area"], reference.measure_groups()["measure_group"]))
    index = out["area"].index
    bad = (
        pd.Series([(a, g) not in known for a, g in zip(out["area"], out["measure_group"])], index=index)
        & out["measure_group"].notna()
    )
    report(
        header["measure_group"],
        pd.Series([msg("unknown_measure_group", area=a) for a in out["area"][bad]], index=index[bad], dtype=object),
    )


def registration_sequence(kept: pd.DataFrame, where: Callable[[int], str]) -> tuple[pd.DataFrame, dict, list[Message]]:
    """On the registrations that remain: a date not after the citizen's previous registration is quarantined; a
    number missing between two (its row quarantined or never delivered) is noted as a gap, not held against the rest."""
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
                        msg(
                            "registration_date_order",
                            date=f"{date:%d.%m.%Y}",
                            previous=last_no,
                            previous_date=f"{last_date:%d.%m.%Y}",
                        ),
                    )
                ]
                continue
            if no > last_no + 1:
                missing = ", ".join(str(n) for n in range(last_no + 1, no))
                notes.append(msg("registration_gap", case=case, missing=missing, number=no, line=where(i)))
            last_no, last_date = no, date
            keep.append(i)
    return kept.loc[sorted(keep, key=list(kept.index).index)], rejects, notes


def duplicates(
    kind: Kind,
    kept: pd.DataFrame,
    raw: pd.DataFrame,
    key_codes: dict[str, np.ndarray],
    where: Callable[[int], str],
    absent: set[str] = frozenset(),
) -> tuple[pd.DataFrame, dict]:
    """Rows with the kind's key seen before (for case lines: rows identical in every column) are duplicates; the
    message names the key's columns the file has (`absent`: those it lacks)."""
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
    keys = kept[list(kind.key)] if kind.key else raw
    dup = keys.duplicated(keep="first")
    if not dup.any():
        return kept, {}
    hashed = pd.util.hash_pandas_object(keys.astype(str), index=False)
    first = pd.Series(kept.index, index=kept.index).groupby(hashed.to_numpy()).transform("first")
    columns = [c for c in kind.key if not c.endswith("_raw") and c not in absent]

    def message(i: int) -> Message:
        line = where(first[i])
        return msg("duplicate_key", line=line, columns=columns) if kind.key else msg("duplicate_row", line=line)

    return kept[~dup], {i: [("(row)", message(i))] for i in kept.index[dup]}
