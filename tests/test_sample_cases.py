"""Properties of the synthetic case-system extracts: formats, one consistent history, planted errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import column_dates
from helpers import paths
from helpers.intake import reference
from helpers.intake.privacy import parse_cpr
from helpers.intake.values import parse_number, parse_number_texts
from helpers.sample.cases import generate_cases

pytestmark = pytest.mark.slow  # it reads and checks all 72 case extracts (not in `make check`, the fast loop)

SEED = 2024  # of the national scenario's generation here; the embedded sample's is helpers.sample.generate's
AS_OF = dt.date(2024, 9, 30)
DIRS = {"813_frederikshavn": "latin-1", "479_svendborg": "utf-8-sig", "219_hilleroed": "utf-8"}
HEADER = (
    "cpr;municipality_code;area;measure;rate;rate_unit;start_date;end_date;status;probability;provider;"
    "provider_type;caseworker;target_group"
)
MONTH_ENDS = [
    dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    for y, m in [(2023, m) for m in range(1, 13)] + [(2024, m) for m in range(1, 10)]
]
INVALID = "invalid"


@pytest.fixture(scope="module")
def out(warehouse_path: Path) -> tuple[Path, dict[str, int]]:
    """The embedded sample's case extracts (`make data` generated them; tests/test_self_contained.py checks that a new
    generation gives the same bytes) and their data rows per file."""
    root = paths.sample_dir() / "cases"
    counts = {f"{d}/{p.name}": len(_read(p, enc)) for d, enc in DIRS.items() for p in sorted((root / d).glob("*.csv"))}
    return root, counts


@pytest.fixture(scope="module")
def snapshots(out: tuple[Path, dict[str, int]]) -> dict[str, dict[dt.date, pd.DataFrame]]:
    """Every snapshot per municipality folder, with parsed start/end dates, rate and a problem label; the dates of a
    folder's 21 snapshots read in one go (their cells repeat from month to month), the rates file by file (a file's
    decimal is decided from its own values)."""
    root, _ = out
    found = {}
    for d, enc in DIRS.items():
        frames = [_read(root / d / f"cases_{s.isoformat()}.csv", enc) for s in MONTH_ENDS]
        every = pd.concat(frames, ignore_index=True)
        cuts = np.cumsum([len(f) for f in frames])[:-1]
        starts, ends = (np.split(_dates(every[c]).to_numpy(), cuts) for c in ("start_date", "end_date"))
        found[d] = {s: _with_problems(*parts) for s, *parts in zip(MONTH_ENDS, frames, starts, ends)}
    return found


def _read(path: Path, encoding: str) -> pd.DataFrame:
    """Read an extract as text, empty cells kept as ''."""
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding=encoding)


def _dates(text: pd.Series) -> pd.Series:
    """Danish dates of a column (read as the product reads a column: each distinct cell once), None for open-ended,
    INVALID if impossible."""
    dates, errors = column_dates(text, typed=False)
    return dates.where(errors.isna(), INVALID)


def _numbers(text: pd.Series) -> pd.Series:
    """Danish numbers of a column, read as the product reads a column (the decimal decided from all its values)."""
    values, errors = parse_number_texts(text)
    assert errors.isna().all(), text[errors.notna()]
    return values


def _with_problems(df: pd.DataFrame, start: np.ndarray, end: np.ndarray) -> pd.DataFrame:
    """Add start, end (the dates of its start_date and end_date, `_dates`), rate_value and `problem` (negative_rate,
    end_before_start, impossible_date, unknown_unit or '')."""
    start, end = pd.Series(start, df.index, object), pd.Series(end, df.index, object)
    rate = _numbers(df["rate"])
    problems = []
    for s, e, r, unit in zip(start, end, rate, df["rate_unit"]):
        if INVALID in (s, e) or s is None:
            problems.append("impossible_date")
        elif e is not None and e < s:
            problems.append("end_before_start")
        elif r < 0:
            problems.append("negative_rate")
        elif unit not in ("month", "day"):
            problems.append("unknown_unit")
        else:
            problems.append("")
    return df.assign(start=start, end=end, rate_value=rate, problem=problems)


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    """Rows without a planted problem."""
    return df[df["problem"] == ""]


def _periods(df: pd.DataFrame) -> dict[tuple[str, str], list[tuple[dt.date, dt.date | None, str]]]:
    """(start, end, status) rows of each case (cpr, measure) of a snapshot, in start order; planted rows left out."""
    out: dict[tuple[str, str], list[tuple[dt.date, dt.date | None, str]]] = {}
    clean = _clean(df)
    for cpr, measure, start, end, status in zip(
        clean["cpr"], clean["measure"], clean["start"], clean["end"], clean["status"]
    ):
        out.setdefault((cpr, measure), []).append((start, end, status))
    return {key: sorted(rows, key=lambda r: r[0]) for key, rows in out.items()}


def _age(born: dt.date, on: dt.date) -> int:
    """Whole years of age on a day."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def test_files_headers_and_counts(out: tuple[Path, dict[str, int]]) -> None:
    root, counts = out
    for d, enc in DIRS.items():
        names = sorted(p.name for p in (root / d).glob("cases_*.csv"))
        assert names == [f"cases_{s.isoformat()}.csv" for s in MONTH_ENDS]
        for name in names:
            assert (root / d / name).read_bytes().decode(enc).splitlines()[0] == HEADER
        for name in [*names, "actuals.csv", "budget.csv", "transitions.csv"]:
            assert counts[f"{d}/{name}"] == len(_read(root / d / name, enc)) > 0
    assert len(counts) == 3 * (21 + 3)


def test_encodings(out: tuple[Path, dict[str, int]]) -> None:
    root, _ = out
    latin = (root / "813_frederikshavn" / "cases_2024-09-30.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        latin.decode("utf-8")
    assert "ø" in latin.decode("latin-1") and b"\r\n" in latin
    bom = (root / "479_svendborg" / "cases_2024-09-30.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf") and b"\r\n" not in bom
    plain = (root / "219_hilleroed" / "cases_2024-09-30.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf") and "ø" in plain.decode("utf-8") and b"\r\n" not in plain


def test_exactly_the_four_planted_errors(snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    found = [(d, s, p) for d, snaps in snapshots.items() for s, df in snaps.items() for p in df["problem"] if p]
    assert sorted(found) == sorted(
        ("479_svendborg", AS_OF, p) for p in ("negative_rate", "end_before_start", "impossible_date", "unknown_unit")
    )
    last = snapshots["479_svendborg"][AS_OF]
    planted = last[last["problem"] != ""]
    assert planted["cpr"].nunique() == 4
    assert "31.02.2024" in set(planted["start_date"]) and "pr. gang" in set(planted["rate_unit"])


def test_cprs_and_ages_consistent(snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    for snaps in snapshots.values():
        groups: dict[str, set[str]] = {}
        for when, df in snaps.items():
            for cpr, area, measure, start, group in _clean(df)[
                ["cpr", "area", "measure", "start", "target_group"]
            ].itertuples(index=False):
                born, _ = parse_cpr(cpr)
                groups.setdefault(cpr, set()).add(group)
                assert born <= when
                if area == "adults":
                    assert _age(born, start) >= 18 and _age(born, when) <= 80 and group != "children"
                elif measure == "eftervaern":
                    assert 18 <= _age(born, start) <= 22 and group == "children"
                else:
                    assert _age(born, start) < 18 and group == "children"
        assert all(len(g) == 1 for g in groups.values())


def test_case_attributes_are_stable(snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    cols = ["provider", "provider_type", "caseworker", "target_group", "rate_unit", "area"]
    for snaps in snapshots.values():
        rows = pd.concat([_clean(df) for df in snaps.values()])
        assert (rows.groupby(["cpr", "measure"])[cols].nunique() == 1).all().all()
        assert set(rows["provider_type"]) == {"own_municipality", "other_municipality", "region", "private"}
        assert 10 <= rows["caseworker"].nunique() <= 20
        assert rows["caseworker"].str.fullmatch(r"[A-Z]{2}\d{2}").all()


def test_periods_are_consecutive_and_do_not_overlap(snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    split_cases = 0
    for snaps in snapshots.values():
        for df in snaps.values():
            for rows in _periods(df).values():
                assert len({status for _, _, status in rows}) == 1
                for (_, end, _), (start, _, _) in zip(rows, rows[1:]):
                    assert end is not None and start == end + dt.timedelta(days=1)
                split_cases += len(rows) > 1
    assert split_cases > 100


def test_status_and_probability(snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    for snaps in snapshots.values():
        for when, df in snaps.items():
            df = _clean(df)
            expected, current = df[df["status"] == "expected"], df[df["status"] == "current"]
            assert len(expected) + len(current) == len(df) and len(expected) > 0
            assert all(s > when for s in expected["start"]) and set(expected["probability"]) <= {"0,5", "0,75", "0,9"}
            first: dict[tuple[str, str], dt.date] = {}  # each current case's earliest start
            for key, start in zip(zip(current["cpr"], current["measure"]), current["start"]):
                first[key] = min(first.get(key, start), start)
            assert first and all(s <= when for s in first.values())
            assert (current["probability"] == "").all()


def test_snapshots_evolve_from_one_history(snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    """Cases leave only after an end date was shown or as dropped expected cases; starts, ends and moves occur."""
    for snaps in snapshots.values():
        new = started = dropped = moved = ended = 0
        gone: set[tuple[str, str]] = set()
        for before, after in zip(MONTH_ENDS, MONTH_ENDS[1:]):
            a = {key: (rows[0][2], rows[-1][1]) for key, rows in _periods(snaps[before]).items()}
            b = {key: (rows[0][2], rows[-1][1]) for key, rows in _periods(snaps[after]).items()}
            planted_rows = snaps[after].loc[snaps[after]["problem"] != ""]
            planted = set(zip(planted_rows["cpr"], planted_rows["measure"]))
            for key, (status, end) in a.items():
                if key in planted:
                    continue
                if key not in b and status == "expected":
                    dropped += 1
                elif key not in b:
                    assert end is not None and end < after, key
                    ended += 1
                else:
                    started += status == "expected" and b[key][0] == "current"
                    moved += end is not None and b[key][1] is not None and end != b[key][1]
            new += len(b.keys() - a.keys())
            assert not (b.keys() & gone), "a case that left came back"
            gone |= a.keys() - b.keys()
        assert min(new, started, dropped, moved, ended) > 0


def test_volumes_rates_and_units(snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    measures = reference.measures().set_index("measure")["area"]
    ranges = {
        "sel_85_bostoette": (380, 600),
        "sel_85_botilbudslignende": (50, 300),
        "sel_107": (30, 120),
        "sel_108": (20, 85),
        "sel_110": (5, 35),
    }
    day_measures = {"sel_107", "sel_108", "sel_110", "opholdssted", "doegninstitution", "sikret_institution"}
    for snaps in snapshots.values():
        last = _clean(snaps[AS_OF])
        assert set(last["measure"]) <= set(measures.index) and (last["area"] == last["measure"].map(measures)).all()
        assert set(last.loc[last["rate_unit"] == "day", "measure"]) == day_measures
        running = last[(last["status"] == "current") & last["end"].map(lambda e: e is None or e >= AS_OF)]
        per_measure = running.groupby("measure")["cpr"].nunique()
        for measure, (lo, hi) in ranges.items():
            assert lo <= per_measure[measure] <= hi, measure
        placements = per_measure.reindex(
            ["familiepleje", "opholdssted", "doegninstitution", "sikret_institution"]
        ).sum()
        assert 60 <= placements <= 170
        day = last[last["rate_unit"] == "day"]
        assert day["rate_value"].between(500, 11_000).all()
        assert last.loc[last["measure"].isin(["sel_107", "sel_108"]), "rate_value"].between(1_200, 6_000).all()
        foster = last.loc[last["measure"] == "familiepleje", "rate_value"]
        assert foster.between(20_000, 80_000).all()
        annual = last["rate_value"] * last["rate_unit"].map({"day": 365, "month": 12})
        assert (annual > 1_000_000).sum() >= 10
        assert ((last["end_date"] == "").sum() > 0) and ((last["end_date"] == "01.01.9999").sum() > len(last) / 3)
        assert last.groupby("cpr")["measure"].nunique().max() >= 2


def test_other_municipality_bills_arrive_late(
    out: tuple[Path, dict[str, int]], snapshots: dict[str, dict[dt.date, pd.DataFrame]]
) -> None:
    root, _ = out
    for d, enc in DIRS.items():
        actuals = _read(root / d / "actuals.csv", enc)
        assert actuals["month"].min() == "2023-01" and actuals["month"].max() == "2024-09"
        last = _clean(snapshots[d][AS_OF])
        running = last[(last["status"] == "current") & last["end"].map(lambda e: e is None or e >= AS_OF)]
        first_start = running.groupby(["cpr", "measure"])["start"].min()
        long_running = first_start[first_start <= dt.date(2024, 5, 1)].index
        kind = running.groupby(["cpr", "measure"])["provider_type"].first()[long_running]
        last_month = actuals.groupby(["cpr", "measure"])["month"].max()
        other = last_month.reindex(kind[kind == "other_municipality"].index)
        assert len(other) > 10 and set(other) == {"2024-06", "2024-07"}
        rest = last_month.reindex(kind[kind != "other_municipality"].index)
        assert (rest == "2024-09").mean() > 0.95
        all_other = last.loc[last["provider_type"] == "other_municipality", ["cpr", "measure"]].drop_duplicates()
        billed_other = last_month.reindex(pd.MultiIndex.from_frame(all_other)).dropna()
        assert (billed_other <= "2024-07").all()


def test_actuals_follow_the_rates(
    out: tuple[Path, dict[str, int]], snapshots: dict[str, dict[dt.date, pd.DataFrame]]
) -> None:
    root, _ = out
    for d, enc in DIRS.items():
        actuals = _read(root / d / "actuals.csv", enc)
        august = actuals[actuals["month"] == "2024-08"].assign(value=lambda f: _numbers(f["amount"]))
        booked = august.groupby(["cpr", "measure"])["value"].sum()
        last = _clean(snapshots[d][AS_OF])
        single = last[
            ~last.duplicated(["cpr", "measure"], keep=False)
            & (last["status"] == "current")
            & (last["rate_unit"] == "month")
            & (last["provider_type"] != "other_municipality")
            & last["start"].map(lambda s: s <= dt.date(2024, 7, 1))
            & last["end"].map(lambda e: e is None or e >= AS_OF)
        ]
        rate = single.set_index(["cpr", "measure"])["rate_value"]
        ratio = booked.reindex(rate.index) / rate
        assert len(ratio) > 300
        assert ratio.between(0.95, 1.05).mean() > 0.95


def test_budget(out: tuple[Path, dict[str, int]], snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    root, _ = out
    measures = reference.measures()
    for d, enc in DIRS.items():
        budget = _read(root / d / "budget.csv", enc)
        assert list(budget.columns) == [
            "municipality_code",
            "year",
            "area",
            "measure",
            "amount",
            "cases",
            "average_price",
        ]
        assert sorted(zip(budget["year"], budget["measure"])) == sorted(
            (str(y), m) for y in (2023, 2024, 2025) for m in measures["measure"]
        )
        amount, price = _numbers(budget["amount"]), _numbers(budget["average_price"])
        cases = budget["cases"].astype(int)
        assert ((amount - cases * price).abs() <= 0.01 * amount).all() and (cases > 0).all()
        # a case-level projection of 2024 from the last snapshot overruns the budget for some measures
        last = _clean(snapshots[d][AS_OF])
        last = last[last["status"] == "current"]
        year_start, year_end = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
        days = [
            max(0, (min(e or year_end, year_end) - max(s, year_start)).days + 1)
            for s, e in zip(last["start"], last["end"])
        ]
        cost = last["rate_value"] * days * last["rate_unit"].map({"day": 1.0, "month": 12 / 366})
        projected = cost.groupby(last["measure"]).sum()
        b24 = amount[budget["year"] == "2024"].groupby(budget["measure"]).sum()
        assert (projected / b24 > 1.05).sum() >= 2


def test_transitions(out: tuple[Path, dict[str, int]], snapshots: dict[str, dict[dt.date, pd.DataFrame]]) -> None:
    root, _ = out
    adult = set(reference.measures().query("area == 'adults'")["measure"])
    for d, enc in DIRS.items():
        t = _read(root / d / "transitions.csv", enc)
        assert 15 <= len(t) <= 40 and t["cpr"].is_unique
        t = t.assign(birth=_dates(t["birth_date"]), transition=_dates(t["expected_transition_date"]))
        for row in t.itertuples(index=False):
            born, _ = parse_cpr(row.cpr)
            assert row.birth == born and _age(born, AS_OF) >= 16
            age = 23 if row.aftercare == "ja" else 18
            assert row.aftercare in ("ja", "nej") and row.transition == born.replace(year=born.year + age)
            assert row.colour in ("rød", "gul", "grøn")
            if row.colour == "grøn":
                assert row.expected_measure == "" and parse_number(row.annual_cost) == 0
            else:
                assert row.expected_measure in adult and parse_number(row.annual_cost) > 0
            assert row.probability in {"rød": ("1",), "gul": ("0,5", "0,33"), "grøn": ("0",)}[row.colour]
        children = _clean(snapshots[d][AS_OF]).query("area == 'children'")
        assert t["cpr"].isin(children["cpr"]).sum() >= 5


def test_the_national_scenario_has_every_municipality_like_one_of_the_sample_s_three():
    from helpers.bench import national_municipalities
    from helpers.sample.cases import MUNICIPALITIES

    everyone = national_municipalities()
    found = reference.municipalities()
    assert [m.code for m in everyone[:3]] == [m.code for m in MUNICIPALITIES] and everyone[:3] == list(MUNICIPALITIES)
    assert sorted(m.code for m in everyone) == sorted(found["municipality_code"])  # all 98, each once
    region_of = dict(zip(found["municipality_name"], found["region_name"]))
    for m in everyone[3:]:
        assert m.like in {s.code for s in MUNICIPALITIES} and m.region == region_of[m.town]
        assert len(m.neighbours) == 3 and all(region_of[n] == m.region for n in m.neighbours)


def test_a_national_municipality_s_extracts_carry_its_code_and_ingest_whole(tmp_path):
    from helpers.bench import national_municipalities
    from helpers.intake.ingest import ingest

    lejre = next(m for m in national_municipalities() if m.code == "350")
    rows = generate_cases(tmp_path, seed=SEED, municipalities=[lejre])
    folder = tmp_path / "350_lejre"
    encoding = "utf-8-sig" if lejre.bom else lejre.encoding
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"cases_{d.isoformat()}.csv" for d in MONTH_ENDS] + ["actuals.csv", "budget.csv", "transitions.csv"]
    )
    assert rows == {f"350_lejre/{p.name}": len(_read(p, encoding)) for p in folder.iterdir()}  # data rows per file
    latest = ingest("cases", folder / f"cases_{AS_OF.isoformat()}.csv")
    assert len(latest.accepted) == rows[f"350_lejre/cases_{AS_OF.isoformat()}.csv"] and len(latest.rejected) == 0
    assert set(latest.accepted["municipality_code"]) == {"350"}
