"""View contracts on the built warehouse: grain (unique, not null), accepted values, no CPR anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from helpers import paths
from helpers.warehouse import check_files, sql_files, view_names

GRAIN = {
    "stg_dst__population": ("area_code", "sex", "age", "period"),
    "stg_finance__expenditure": ("municipality_code", "function", "account_group", "year"),
    "stg_collection__users": ("municipality_code", "area", "measure_group", "year"),
    "stg_kl__price_index": ("year",),
    "stg_facts__municipal_facts": ("municipality_code", "year"),
    "stg_budget__budget": ("municipality_code", "year", "area", "measure"),
    "stg_cases__case_periods": ("snapshot_date", "case_id", "measure", "start_date"),
    "stg_cases__transitions": ("source_file", "case_id"),
    "stg_finance__actuals": ("source_file", "source_line"),
    "stg_progression__registrations": ("case_id", "registration_no"),
    "stg_progression__parameter_scores": ("case_id", "assessment_date", "theme"),
    "int_population_by_age_group": ("municipality_code", "year", "age_group"),
    "int_expenditure_by_measure_group": ("municipality_code", "year", "area", "measure_group"),
    "int_users_by_measure_group": ("municipality_code", "year", "area", "measure_group"),
    "mart_benchmark_municipality": ("municipality_code", "year", "area", "measure_group"),
    "mart_benchmark_region": ("code", "year", "area", "measure_group"),
    "mart_municipalities": ("municipality_code",),
    "mart_population": ("level", "code", "year", "age_group"),
    "mart_data_quality": ("finding", "description"),
    "mart_ingest_log": ("file",),
    "mart_progression_registrations": ("case_id", "registration_no"),
    "mart_forecast_case_periods": ("snapshot_date", "case_id", "measure", "start_date"),
    "mart_forecast_actuals": ("case_id", "measure", "month"),
    "mart_forecast_budget": ("municipality_code", "year", "area", "measure"),
    "mart_forecast_transitions": ("case_id",),
    "mart_progression_parameter_scores": ("case_id", "assessment_date", "theme"),
}
NULLABLE_KEYS = {("stg_dst__population", "age")}  # totals rows of label extracts have no age


def test_every_view_file_is_built_and_has_a_grain_test(con):
    built = set(view_names(con))
    files = {p.stem for p in sql_files()}
    assert files <= built
    assert files == set(GRAIN), "add the grain of a new view to GRAIN"


def test_every_view_states_its_grain_and_source():
    for path in sql_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        head = " ".join(line for line in lines[:4] if line.startswith("--"))
        assert head.startswith("-- grain: one row per") and "source:" in head, path
    for path in check_files():
        assert path.read_text(encoding="utf-8").startswith("-- "), path


@pytest.mark.parametrize("view", sorted(GRAIN))
def test_grain_is_unique_and_not_null(con, view):
    key = GRAIN[view]
    cols = ", ".join(key)
    dup = con.execute(f"select {cols}, count(*) from {view} group by all having count(*) > 1 limit 3").fetchall()
    assert dup == [], f"{view}: duplicate keys {dup}"
    for col in key:
        if (view, col) in NULLABLE_KEYS:
            continue
        nulls = con.execute(f"select count(*) from {view} where {col} is null").fetchone()[0]
        assert nulls == 0, f"{view}.{col}: {nulls} nulls"


def test_views_are_not_empty(con):
    for view in GRAIN:
        assert con.execute(f"select count(*) from {view}").fetchone()[0] > 0, view


ACCEPTED = {
    ("mart_benchmark_municipality", "area"): {"children", "adults"},
    ("mart_benchmark_region", "code"): {"000", "081", "082", "083", "084", "085"},
    ("stg_cases__case_periods", "rate_unit"): {"month", "day"},
    ("stg_cases__case_periods", "status"): {"current", "expected"},
    ("stg_cases__transitions", "colour"): {"red", "yellow", "green"},
    ("stg_progression__registrations", "service"): {"sel_85", "sel_107"},
    ("int_population_by_age_group", "age_group"): {"0_17", "0_22", "18_64", "65_plus", "all"},
}


@pytest.mark.parametrize(("view", "column"), sorted(ACCEPTED))
def test_accepted_values(con, view, column):
    values = {r[0] for r in con.execute(f"select distinct {column} from {view}").fetchall()}
    assert values == ACCEPTED[(view, column)]


def test_measure_groups_in_marts_are_the_reference_ones(con):
    bad = con.execute("""select distinct area, measure_group from mart_benchmark_municipality
                         except select area, measure_group from ref_measure_groups""").fetchall()
    assert bad == []


def test_region_figures_are_sums_over_sums(con):
    """Hand check: a region's expenditure per inhabitant is its summed expenditure over its summed population."""
    mun = con.execute("""select sum(expenditure_kr), sum(potential_users) from mart_benchmark_municipality
                         where region_code = '085' and year = 2017 and area = 'children' and measure_group = 'i_alt'""").fetchone()
    reg = con.execute("""select expenditure_per_inhabitant from mart_benchmark_region
                         where code = '085' and year = 2017 and area = 'children' and measure_group = 'i_alt'""").fetchone()[0]
    assert reg == pytest.approx(float(mun[0]) / mun[1], rel=1e-12)
    mean_of_ratios = con.execute("""select avg(expenditure_per_inhabitant) from mart_benchmark_municipality
                         where region_code = '085' and year = 2017 and area = 'children' and measure_group = 'i_alt'""").fetchone()[0]
    assert abs(mean_of_ratios - reg) > 1  # the two differ, so the test can tell them apart


CPR = re.compile(r"(?<![0-9A-Za-z])([0-3]\d[01]\d{3})-?(\d{4})(?![0-9A-Za-z])")


def test_no_cpr_number_in_any_table_or_view(con):
    objects = con.execute("""select table_name from information_schema.tables where table_schema = 'main'""").fetchall()
    checked = 0
    for (name,) in objects:
        cols = con.execute("""select column_name from information_schema.columns
                              where table_name = ? and data_type = 'VARCHAR'""", [name]).fetchall()
        for (col,) in cols:
            rows = con.execute(f'select distinct "{col}" from {name} where "{col}" is not null').fetchall()
            hits = [r[0] for r in rows if CPR.search(str(r[0]))]
            assert hits == [], f"{name}.{col} holds CPR-like values: {hits[:3]}"
            checked += 1
    assert checked > 50


def test_case_ids_are_pseudonyms(con):
    ids = con.execute("select distinct case_id from stg_cases__case_periods").fetchall()
    assert ids and all(re.fullmatch(r"P[0-9a-f]{16}", i[0]) for i in ids)


def test_warehouse_works_from_any_directory(warehouse_path: Path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        assert con.execute("select count(*) from mart_benchmark_region").fetchone()[0] > 0
    finally:
        con.close()


def test_ingest_counts_reconcile(con):
    read, accepted, rejected = con.execute("select sum(rows_read), sum(accepted), sum(rejected) from raw_ingest_log").fetchone()
    assert read == accepted + rejected
    assert rejected == con.execute("select count(*) from raw_quarantine").fetchone()[0]
    staged = sum(con.execute(f"select count(*) from raw_{k}").fetchone()[0] for k in
                 ("population", "expenditure", "users", "price_index", "municipal_facts", "budget", "cases", "actuals",
                  "transitions", "registrations", "parameter_scores"))
    assert staged == accepted


def test_quarantine_files_written(warehouse_path):
    qdir = paths.data_dir() / "quarantine"
    assert (qdir / "expenditure.csv").exists()
    text = (qdir / "expenditure.csv").read_text()
    assert "duplicate of line" in text
