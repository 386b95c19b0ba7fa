"""Persons in an extract: the CPR number (or a case id that is or holds one) becomes a keyed pseudonym after birth date
and sex are derived from it; CPR numbers in any other text column become [CPR]; caseworkers become keyed pseudonyms.
Every piece of work runs once per distinct cell."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.intake import privacy, values
from helpers.intake.messages import msg
from helpers.intake.values import Distinct

CPR_REASONS = {
    "not a CPR number (DDMMYY-SSSS)": msg("not_a_cpr"),
    "impossible birth date in CPR number": msg("impossible_cpr_date"),
}


def scrub(series: pd.Series) -> tuple[pd.Series, int]:
    """Text with every CPR-like number replaced by [CPR], and how many cells held one (worked out per distinct value)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    found = [privacy.holds_cpr(u) for u in uniques]
    if not any(found):
        return series, 0
    cleaned = np.array([privacy.scrub(u) if f else u for u, f in zip(uniques, found)], dtype=object)
    out = values.nones(series.index)
    out[codes >= 0] = cleaned[codes[codes >= 0]]
    return out, int(np.asarray(found)[codes[codes >= 0]].sum())


def pseudonymise_caseworkers(caseworkers: pd.Series, key: bytes) -> pd.Series:
    """Each distinct caseworker id as its keyed pseudonym (SB-...)."""
    codes, uniques = pd.factorize(caseworkers, use_na_sentinel=True)
    pseudonyms = np.array([privacy.pseudonymise_caseworker(u, key) for u in uniques], dtype=object)
    out = values.nones(caseworkers.index)
    out[codes >= 0] = pseudonyms[codes[codes >= 0]]
    return out


def persons(
    cpr: Distinct | None, case_id: Distinct | None, key: bytes, index: pd.Index
) -> tuple[dict[str, pd.Series], pd.Series, str, int]:
    """Pseudonymise the person id (a CPR number in any spelling, or a case id; a case id that is or holds a CPR number
    as that CPR number) and derive birth date and sex from CPR numbers. Returns the columns, the Message for rows
    without a usable id, the column, and how many case ids held a CPR number."""

    def person(distinct: Distinct, from_case: bool) -> pd.DataFrame:
        """Per distinct cell: the normalised CPR number (None if it is none), birth date, sex, pseudonym, reason."""
        if from_case:  # pseudonymised only when it is or holds a CPR number ('SAG ' + one, or 9 digits without the 0)
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
        why = by_cpr["reason"].fillna("not a CPR number (DDMMYY-SSSS)").map(CPR_REASONS)
        reasons[bad_cpr] = cpr.spread(why, index)[bad_cpr]
    missing = ~use_cpr & (case_text == "")
    reasons[missing] = [msg("missing_person_id")] * int(missing.sum())
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
