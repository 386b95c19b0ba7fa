"""Properties of the synthetic progression extracts: the published shapes, formats, determinism, planted errors."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import column_dates
from helpers.intake.privacy import parse_cpr
from helpers.intake.values import parse_number
from helpers.sample.progression import generate_progression

SEED = 2018
CODES = ("101", "157", "265", "330", "461", "479", "615", "657", "813", "851")
XLSX_CODES = ("265", "657")
HEADER = (
    "cpr;municipality_code;registration_no;registration_date;service;vum_score;goals_set;goal_type;"
    "previous_goal_met;target_vum;hours_per_month;daily_rate;initiator;provider_type;target_group;age;sex;"
    "means_of_support;employment_measure;concurrent_services;concurrent_services_price;closed;closing_date;"
    "closing_reason"
)
COLUMNS = HEADER.split(";")
VUM = {0.0, 1.0, 2.0, 3.0, 3.5, 4.0}
# The rows the generator's docstring lists for the default seed (2018); header = line 1.
PLANTED = {
    ("registrations_101.csv", 24): "registration_no",
    ("registrations_101.csv", 45): "vum_score",
    ("registrations_101.csv", 61): "registration_date",
}
COMMON_THEMES = {"udvikling_og_adfaerd", "familie", "skole_beskaeftigelse", "sundhed", "fritid_og_venskaber", "andet"}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """One generation shared by the tests."""
    root = tmp_path_factory.mktemp("progression")
    return root, generate_progression(root, seed=SEED)


def _number(value) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    return float(value) if isinstance(value, (int, float)) else parse_number(value)


def _days(cells: list) -> pd.Series:
    """The dates of a column's cells (typed or text; None for an empty cell), read as the product reads a column: each
    distinct cell once. Every cell must be a readable date."""
    dates, errors = column_dates(pd.Series(cells, dtype=object), typed=True)
    assert errors.isna().all(), errors.dropna().tolist()
    return dates


def _text(value) -> str:
    return "" if value is None else str(value)


def _raw_rows(root: Path) -> list[tuple[str, int, list]]:
    """(file, line, cells) for every data row of every registrations file; header = line 1."""
    rows = []
    for code in CODES:
        if code in XLSX_CODES:
            name = f"registrations_{code}.xlsx"
            sheet = openpyxl.load_workbook(root / name, data_only=True)["Registreringer"]
            rows += [(name, i, list(r)) for i, r in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2)]
        else:
            name = f"registrations_{code}.csv"
            df = pd.read_csv(root / name, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
            rows += [(name, i, list(r)) for i, r in enumerate(df.itertuples(index=False, name=None), start=2)]
    return rows


@pytest.fixture(scope="module")
def everything(out: tuple[Path, dict[str, int]]) -> pd.DataFrame:
    """All registration rows, typed, with file, line and `problem` (the ingest's rules: '' for a valid row)."""
    root, _ = out
    records = []
    for name, line, cells in _raw_rows(root):
        r = dict(zip(COLUMNS, cells))
        records.append(
            {
                "file": name,
                "line": line,
                "cpr": _text(r["cpr"]),
                "municipality_code": _text(r["municipality_code"]),
                "registration_no": int(r["registration_no"]),
                "registration_date": r["registration_date"],
                "service": _text(r["service"]),
                "vum": _number(r["vum_score"]),
                "goals_set": _text(r["goals_set"]),
                "goal_type": _text(r["goal_type"]),
                "previous_goal_met": _text(r["previous_goal_met"]),
                "target_vum": _number(r["target_vum"]),
                "hours": _number(r["hours_per_month"]),
                "daily_rate": _number(r["daily_rate"]),
                "initiator": _text(r["initiator"]),
                "provider_type": _text(r["provider_type"]),
                "target_group": _text(r["target_group"]),
                "age": int(r["age"]),
                "sex": _text(r["sex"]),
                "means_of_support": _text(r["means_of_support"]),
                "employment_measure": _text(r["employment_measure"]),
                "concurrent_services": _text(r["concurrent_services"]),
                "concurrent_services_price": _number(r["concurrent_services_price"]),
                "closed": _text(r["closed"]),
                "closing_date": r["closing_date"],
                "closing_reason": _text(r["closing_reason"]),
            }
        )
    df = pd.DataFrame(records)
    for column in ("registration_date", "closing_date"):
        df[column] = _days([r[column] for r in records])
    problems = []
    last: dict[str, tuple[int, dt.date]] = {}
    for row in df.itertuples():
        if not (math.isnan(row.vum) or row.vum in VUM):
            problems.append("vum_score")
            continue
        prev = last.get(row.cpr)
        if row.registration_no != (1 if prev is None else prev[0] + 1):
            problems.append("registration_no")
        elif prev is not None and row.registration_date <= prev[1]:
            problems.append("registration_date")
        else:
            problems.append("")
            last[row.cpr] = (row.registration_no, row.registration_date)
    df["problem"] = problems
    return df


@pytest.fixture(scope="module")
def regs(everything: pd.DataFrame) -> pd.DataFrame:
    """The valid registrations, with n (registrations of the case) and the previous registration's values."""
    df = everything[everything["problem"] == ""].copy()
    df["n"] = df.groupby("cpr")["registration_no"].transform("max")
    df = df.sort_values(["cpr", "registration_no"], ignore_index=True)
    for col in ("vum", "goals_set", "goal_type", "hours", "daily_rate", "registration_date"):
        df[f"prev_{col}"] = df.groupby("cpr")[col].shift(1)
    return df


@pytest.fixture(scope="module")
def first(regs: pd.DataFrame) -> pd.DataFrame:
    return regs[regs["registration_no"] == 1]


# ---------------------------------------------------------------- files and formats


def test_files_and_counts(out):
    root, counts = out
    expected = {f"registrations_{c}.{'xlsx' if c in XLSX_CODES else 'csv'}" for c in CODES}
    expected |= {"parameter_scores_461.csv", "parameter_scores_851.csv"}
    assert {p.name for p in root.iterdir()} == expected
    assert set(counts) == expected
    for name, n in counts.items():
        if name.endswith(".csv"):
            lines = (root / name).read_text(encoding="utf-8").splitlines()
            assert len(lines) - 1 == n, name
            if name.startswith("registrations"):
                assert lines[0] == HEADER
            else:
                assert lines[0] == "cpr;municipality_code;assessment_date;theme;score"
        else:
            assert openpyxl.load_workbook(root / name).active.max_row - 1 == n, name


def test_csv_uses_danish_formats(out):
    root, _ = out
    df = pd.read_csv(root / "registrations_330.csv", sep=";", dtype=str, keep_default_na=False)
    assert df["registration_date"].str.fullmatch(r"\d{2}\.\d{2}\.\d{4}").all()
    assert df["vum_score"].isin(["", "0", "1", "2", "3", "3,5", "4"]).all()
    assert (df["vum_score"] == "3,5").any()
    assert df["hours_per_month"].str.fullmatch(r"(\d+,\d)?").all()
    assert df["daily_rate"].str.fullmatch(r"(\d{1,3}(\.\d{3})*,\d{2})?").all()
    assert not any("." in v for v in df["hours_per_month"])


def test_xlsx_template_has_real_dates_and_numbers(out):
    root, _ = out
    for code in XLSX_CODES:
        wb = openpyxl.load_workbook(root / f"registrations_{code}.xlsx")
        assert wb.sheetnames == ["Registreringer"]
        ws = wb["Registreringer"]
        assert [c.value for c in ws[1]] == COLUMNS
        rows = list(ws.iter_rows(min_row=2))
        col = {name: i for i, name in enumerate(COLUMNS)}
        assert all(r[col["registration_date"]].is_date for r in rows)
        assert all(isinstance(r[col["registration_date"]].value, dt.datetime) for r in rows)
        assert all(isinstance(r[col["age"]].value, int) for r in rows)
        assert all(isinstance(r[col["cpr"]].value, str) for r in rows)
        for name in ("vum_score", "hours_per_month", "daily_rate"):
            values = [r[col[name]].value for r in rows if r[col[name]].value is not None]
            assert values and all(isinstance(v, (int, float)) for v in values), name
        closing = [r[col["closing_date"]] for r in rows if r[col["closing_date"]].value is not None]
        assert closing and all(c.is_date for c in closing)
        assert wb.properties.modified == wb.properties.created


def test_deterministic(out, tmp_path):
    root, counts = out
    assert generate_progression(tmp_path, seed=SEED) == counts
    for name in counts:
        assert (tmp_path / name).read_bytes() == (root / name).read_bytes(), name
    other = tmp_path / "other"
    generate_progression(other, seed=SEED + 1)
    assert (other / "registrations_101.csv").read_bytes() != (root / "registrations_101.csv").read_bytes()


# ---------------------------------------------------------------- planted errors


def test_exactly_three_planted_errors(everything):
    bad = everything[everything["problem"] != ""]
    assert {(f, line): p for f, line, p in zip(bad["file"], bad["line"], bad["problem"])} == PLANTED
    # each is an extra row after the last valid registration of a two-registration case
    valid = everything[everything["problem"] == ""]
    for cpr in bad["cpr"]:
        assert valid.loc[valid["cpr"] == cpr, "registration_no"].tolist() == [1, 2]


# ---------------------------------------------------------------- cases and registrations


def test_case_counts(regs):
    n = regs.groupby("cpr")["n"].first()
    assert len(n) == 401
    assert (n >= 2).sum() == 382
    assert (n >= 3).sum() == 169
    assert (n == 9).sum() == 1 and n.max() == 9
    per_muni = regs.groupby("municipality_code")["cpr"].nunique()
    assert sorted(per_muni.index) == sorted(CODES)
    assert per_muni.between(10, 60).all()
    assert (regs.groupby("cpr")["municipality_code"].nunique() == 1).all()
    assert (regs.groupby("cpr")["registration_no"].apply(lambda s: s.tolist() == list(range(1, len(s) + 1)))).all()


def test_registration_dates(regs, first):
    assert first["registration_date"].map(lambda d: d.year).isin([2016, 2017]).all()
    assert regs["registration_date"].max() <= dt.date(2024, 12, 31)
    assert regs["registration_date"].max() >= dt.date(2023, 1, 1)
    follow = regs[regs["registration_no"] > 1]
    months = (follow["registration_date"] - follow["prev_registration_date"]).map(lambda d: d.days / 30.44)
    assert (months > 0).all()
    assert 10 <= months.mean() <= 12
    assert months[follow["registration_no"] >= 4].mean() < months[follow["registration_no"] == 2].mean() - 1
    assert (regs["registration_date"].map(lambda d: d.weekday()) < 5).all()


def test_cpr_age_and_sex_consistent(regs):
    for row in regs.itertuples():
        born, sex = parse_cpr(row.cpr)
        d = row.registration_date
        assert row.age == d.year - born.year - ((d.month, d.day) < (born.month, born.day)), row.cpr
        assert row.sex == sex, row.cpr
    assert regs["age"].min() >= 18
    assert (regs.groupby("cpr")["sex"].nunique() == 1).all()


def test_service_share(first):
    share = (first["service"] == "sel_85").mean()
    assert 0.60 <= share <= 0.72
    by_muni = first.groupby("municipality_code")["service"].apply(lambda s: (s == "sel_85").mean())
    assert by_muni.max() - by_muni.min() > 0.1
    assert set(first["service"]) == {"sel_85", "sel_107"}


def test_target_groups(first):
    counts = first["target_group"].value_counts()
    assert set(counts.index) == {"intellectual", "mental_illness", "physical", "social"}
    assert counts["physical"] == 6
    assert (counts["intellectual"] + counts["mental_illness"]) / len(first) > 0.9
    assert 0.8 < counts["intellectual"] / counts["mental_illness"] < 1.25


def test_providers(first):
    counts = first["provider_type"].value_counts()
    assert counts["own_municipality"] == 266
    assert counts["private"] == 93
    assert 1 <= counts.get("other_municipality", 0) + counts.get("region", 0) <= 20
    assert set(counts.index) <= {"own_municipality", "private", "other_municipality", "region", ""}


def test_means_of_support(regs, first):
    counts = first["means_of_support"].value_counts()
    assert (first["means_of_support"] != "").sum() == 287
    assert counts["foertidspension"] == 99
    assert counts["kontanthjaelp_ikke_jobparat"] + counts["kontanthjaelp_jobparat"] == 116
    assert counts["kontanthjaelp_ikke_jobparat"] > 2 * counts["kontanthjaelp_jobparat"]
    assert set(counts.index) <= {
        "",
        "foertidspension",
        "kontanthjaelp_ikke_jobparat",
        "kontanthjaelp_jobparat",
        "fleksjob",
        "ressourceforloeb",
        "sygedagpenge",
        "andet",
    }
    changed = (regs.groupby("cpr")["means_of_support"].nunique() > 1).sum()
    assert 1 <= changed <= 5


def test_initiator(regs):
    share = regs["initiator"].value_counts(normalize=True)
    assert set(share.index) == {"myndighed", "borger", "leverandoer"}
    assert share["myndighed"] > 0.7


def test_optional_columns_mostly_empty(regs):
    for col in ("employment_measure", "concurrent_services"):
        filled = (regs[col] != "").mean()
        assert 0 < filled < 0.3, col
    priced = regs["concurrent_services_price"].notna()
    assert priced.any()
    assert (regs.loc[priced, "concurrent_services"] != "").all()


def test_closing(regs):
    last = regs["registration_no"] == regs["n"]
    assert regs.loc[last, "closed"].isin(["yes", "no"]).all()
    assert (regs.loc[~last, "closed"] == "").all()
    closed = regs["closed"] == "yes"
    assert 0.2 < closed.sum() / last.sum() < 0.6
    assert regs.loc[closed, "closing_date"].notna().all()
    assert regs.loc[~closed, "closing_date"].isna().all()
    assert (regs.loc[closed, "closing_date"] >= regs.loc[closed, "registration_date"]).all()
    assert set(regs.loc[closed, "closing_reason"]) <= {
        "mål_opfyldt",
        "flyttet",
        "ønsker_ikke_mere_støtte",
        "overgået_til_andet_tilbud",
        "død",
    }
    assert (regs.loc[closed, "closing_reason"] != "").all() and (regs.loc[~closed, "closing_reason"] == "").all()


# ---------------------------------------------------------------- VUM, goals and fulfilment


def test_vum_scores(regs, first):
    assert 1 <= regs["vum"].isna().sum() <= 15
    assert (regs["vum"].dropna().isin(VUM)).all()
    at_first = first["vum"].dropna()
    assert at_first.isin([2.0, 3.0]).mean() > 0.6
    for frame in (regs, first):
        mean = frame.groupby("municipality_code")["vum"].mean()
        assert mean.between(2.1, 2.8).all(), mean.to_dict()
    mean = first.groupby("municipality_code")["vum"].mean()
    assert mean.max() - mean.min() > 0.15


def test_goals(regs, first):
    assert abs((first["goals_set"] == "yes").mean() - 0.93) <= 0.01
    assert set(regs["goals_set"]) == {"yes", "no"}
    with_goals = regs["goals_set"] == "yes"
    assert (regs.loc[~with_goals, "goal_type"] == "").all()
    types = regs.loc[with_goals, "goal_type"].value_counts(normalize=True)
    assert set(types.index) == {"improvement", "status_quo", "limited_deterioration"}
    assert types["improvement"] > 0.5 and types["improvement"] == types.max()
    assert (first["previous_goal_met"] == "").all()
    follow = regs[regs["registration_no"] > 1]
    assert (follow.loc[follow["prev_goals_set"] == "no", "previous_goal_met"] == "").all()
    assert follow.loc[follow["prev_goals_set"] == "yes", "previous_goal_met"].isin(["fully", "partially", "not"]).all()


def test_target_vum(regs):
    filled = regs[regs["target_vum"].notna()]
    assert filled["target_vum"].isin(VUM).all()
    assert (regs.loc[regs["goals_set"] == "no", "target_vum"].isna()).all()
    assert filled["municipality_code"].nunique() == 7
    by_muni = filled.groupby("municipality_code")[["vum", "target_vum"]].mean()
    assert (by_muni["target_vum"] < by_muni["vum"]).sum() == 6


@pytest.mark.parametrize("k", [1, 2])
def test_vum_transitions(regs, k):
    step = regs[(regs["registration_no"] == k + 1) & regs["vum"].notna() & regs["prev_vum"].notna()]
    for level in (2.0, 3.0):
        at = step[step["prev_vum"] == level]
        better, worse = (at["vum"] < level).sum(), (at["vum"] > level).sum()
        same = (at["vum"] == level).sum()
        assert 0 < better < 20, (k, level, better)
        assert 0 < worse < better, (k, level, worse)
        assert same > 2 * (better + worse), (k, level, same)


def test_goal_fulfilment(regs):
    evaluated = regs[(regs["registration_no"] > 1) & (regs["prev_goals_set"] == "yes")]
    met = evaluated["previous_goal_met"].isin(["fully", "partially"])
    assert 0.45 <= met.mean() <= 0.55
    by_muni = met.groupby(evaluated["municipality_code"]).mean()
    assert 0.20 < by_muni.min() <= 0.30
    assert 0.70 <= by_muni.max() <= 0.80
    assert (evaluated["previous_goal_met"] == "fully").any() and (evaluated["previous_goal_met"] == "partially").any()


# ---------------------------------------------------------------- hours and prices


def test_hours_and_rates_by_service(regs):
    s85 = regs["service"] == "sel_85"
    assert regs.loc[s85, "hours"].notna().all() and regs.loc[s85, "daily_rate"].isna().all()
    assert regs.loc[~s85, "daily_rate"].notna().all() and regs.loc[~s85, "hours"].isna().all()
    assert (regs.loc[s85, "hours"] > 0).all() and (regs.loc[~s85, "daily_rate"] > 500).all()


def test_hours_and_rates_rise_with_vum(regs):
    hours = regs.groupby("vum")["hours"].mean()
    assert hours[1.0] < hours[2.0] < hours[3.0] < hours[4.0]
    rate = regs.groupby("vum")["daily_rate"].mean()
    assert rate[2.0] < rate[3.0] < rate[4.0]


def test_hours_by_age_and_group(first):
    s85 = first[first["service"] == "sel_85"]
    assert s85.loc[s85["age"] < 40, "hours"].mean() > s85.loc[s85["age"] >= 40, "hours"].mean()
    intellectual = s85["target_group"] == "intellectual"
    assert s85.loc[intellectual, "hours"].mean() > s85.loc[~intellectual, "hours"].mean()
    by_group = s85.groupby("target_group")["hours"].agg(["mean", "size"])
    larger = by_group[by_group["size"] >= 20]  # the small groups' means rest on too few cases
    assert len(larger) >= 2 and larger["mean"].idxmax() == "intellectual"
    s107 = first[first["service"] == "sel_107"]
    assert s107.loc[s107["age"] < 40, "daily_rate"].mean() > s107.loc[s107["age"] >= 40, "daily_rate"].mean()


def test_hours_and_prices_mostly_unchanged(regs):
    follow = regs[regs["registration_no"] > 1]
    changed_hours = (follow["hours"] != follow["prev_hours"])[follow["service"] == "sel_85"]
    changed_rate = (follow["daily_rate"] != follow["prev_daily_rate"])[follow["service"] == "sel_107"]
    assert 0 < changed_rate.mean() < changed_hours.mean() < 0.5
    met = follow["previous_goal_met"].isin(["fully", "partially"])
    not_met = follow["previous_goal_met"] == "not"
    changed = (follow["hours"] != follow["prev_hours"]) & (follow["service"] == "sel_85") | (
        (follow["daily_rate"] != follow["prev_daily_rate"]) & (follow["service"] == "sel_107")
    )
    assert changed[met].mean() < 0.5 and changed[not_met].mean() < 0.5


# ---------------------------------------------------------------- parameter scores


@pytest.fixture(scope="module")
def scores(out) -> pd.DataFrame:
    root, _ = out
    frames = [
        pd.read_csv(root / f"parameter_scores_{c}.csv", sep=";", dtype=str, keep_default_na=False)
        for c in ("461", "851")
    ]
    df = pd.concat(frames, ignore_index=True)
    df["date"] = _days(df["assessment_date"].tolist())
    df["score_value"] = df["score"].astype(int)
    return df


def test_parameter_scores_cover_the_sel_85_citizens(scores, first):
    assert scores["score"].isin(["0", "1", "2", "3", "4"]).all()
    for code in ("461", "851"):
        expected = set(first.loc[(first["municipality_code"] == code) & (first["service"] == "sel_85"), "cpr"])
        assert set(scores.loc[scores["municipality_code"] == code, "cpr"]) == expected
    group = first.set_index("cpr")["target_group"]
    per_visit = scores.groupby(["cpr", "date"])["theme"].agg(lambda s: frozenset(s))
    assert (per_visit.map(len) == 8).all()
    assert per_visit.map(lambda themes: COMMON_THEMES <= themes).all()
    extra = per_visit.map(lambda themes: themes - COMMON_THEMES).groupby(level="cpr").first()
    assert (extra.groupby(group.reindex(extra.index)).nunique() == 1).all()  # the same two per target group
    assert extra.nunique() >= 2
    dates = scores.drop_duplicates(["cpr", "date"]).sort_values(["cpr", "date"])
    gaps = dates.groupby("cpr")["date"].diff().dropna().map(lambda d: d.days)
    assert gaps.between(150, 215).all()
    assert (dates.groupby("cpr").size() >= 2).all()


def test_parameter_scores_improve_by_theme_and_sex(scores):
    ordered = scores.sort_values(["cpr", "theme", "date"])
    ends = ordered.groupby(["cpr", "theme"])["score_value"].agg(["first", "last"])
    change = ends["last"] - ends["first"]
    assert -1.0 < change.mean() < 0
    by_theme = change.groupby(level="theme").mean()
    assert by_theme.max() - by_theme.min() > 0.2
    sex = change.index.get_level_values("cpr").map(lambda c: parse_cpr(c)[1])
    by_sex = change.groupby(np.asarray(sex)).mean()
    assert by_sex["K"] < by_sex["M"] - 0.05
    assert np.isfinite(by_sex).all()
