"""View contracts on the built warehouse: grain (unique, not null), accepted values, no CPR anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
import yaml

from helpers import paths
from helpers.warehouse.build import LAYERS, sql_files
from helpers.warehouse.query import view_names

CONTRACTS = {
    m["name"]: m
    for layer in LAYERS
    for m in yaml.safe_load((paths.SQL / layer / f"_{layer}.yml").read_text(encoding="utf-8"))["models"]
}


def _tests(kind: str) -> list[tuple[str, str, object]]:
    """(view, column, argument) for every column test of a kind in the contracts."""
    out = []
    for view, model in sorted(CONTRACTS.items()):
        for column in model["columns"]:
            for test in column.get("tests", []):
                name, arg = (test, None) if isinstance(test, str) else next(iter(test.items()))
                if name == kind:
                    out.append((view, column["name"], arg))
    return out


def test_every_view_file_is_built_and_has_a_contract(con):
    built = set(view_names(con))
    files = {p.stem for p in sql_files()}
    assert files <= built
    assert files == set(CONTRACTS), "add the contract of a new view to its layer's _<layer>.yml"


def test_contracts_describe_every_column_and_only_those(con):
    for view, model in CONTRACTS.items():
        actual = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns where table_name = ? order by ordinal_position",
                [view],
            ).fetchall()
        ]
        assert [c["name"] for c in model["columns"]] == actual, view
        assert model["description"] and all(c["description"] for c in model["columns"]), view
        assert set(model["grain"]) <= set(actual), view


def test_every_view_states_its_grain_and_source():
    for path in sql_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        head = " ".join(line for line in lines[:4] if line.startswith("--"))
        assert head.startswith("-- grain: one row per") and "source:" in head, path


@pytest.mark.parametrize("view", sorted(CONTRACTS))
def test_grain_is_unique(con, view):
    cols = ", ".join(CONTRACTS[view]["grain"])
    dup = con.execute(f"select {cols}, count(*) from {view} group by all having count(*) > 1 limit 3").fetchall()
    assert dup == [], f"{view}: duplicate keys {dup}"


@pytest.mark.parametrize(("view", "column", "arg"), _tests("not_null"))
def test_not_null(con, view, column, arg):
    assert con.execute(f"select count(*) from {view} where {column} is null").fetchone()[0] == 0, f"{view}.{column}"


@pytest.mark.parametrize(("view", "column", "arg"), _tests("accepted_values"))
def test_accepted_values(con, view, column, arg):
    values = {r[0] for r in con.execute(f"select distinct {column} from {view} where {column} is not null").fetchall()}
    assert values <= set(arg["values"]), f"{view}.{column}: {sorted(values - set(arg['values']))}"


@pytest.mark.parametrize(("view", "column", "arg"), _tests("relationships"))
def test_relationships(con, view, column, arg):
    orphans = con.execute(f"""select distinct {column} from {view} where {column} is not null
                              except select {arg["field"]} from {arg["to"]}""").fetchall()
    assert orphans == [], f"{view}.{column} not in {arg['to']}.{arg['field']}: {orphans[:3]}"


def test_materialized_marts_equal_their_sql_at_any_price_base_year(warehouse_path):
    """A model marked `-- materialized: table` is computed once at build; read later it must be what its SQL gives, also
    under another price base year (the session variable the benchmark marts are read with)."""
    from helpers.warehouse.build import read_views

    tables = [v for v in read_views().values() if v.materialized == "table"]
    assert {v.name for v in tables} == {
        "mart_data_quality",
        "mart_forecast_case_periods",
        "mart_ingest_log",
        "int_expenditure_by_measure_group",
        "int_users_by_measure_group",
        "int_population_by_age_group",
    }
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        assert {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()} >= {
            v.name for v in tables
        }
        for base_year in (None, 2015):
            if base_year:
                con.execute(f"set variable price_base_year = {base_year}")
            for view in tables:
                stored = con.execute(f"select * from {view.name} order by all").df()
                fresh = con.execute(f"select * from ({view.sql}) order by all").df()
                assert len(stored) > 0 and stored.equals(fresh), (view.name, base_year)
    finally:
        con.close()


def test_contracts_hold_tests_of_every_kind():
    assert len(_tests("not_null")) > 50 and len(_tests("accepted_values")) >= 5 and len(_tests("relationships")) >= 5


def test_views_are_not_empty(con):
    checks = {v for v in CONTRACTS if v.startswith("int_check_")} | {
        "stg_ingest__unmapped",
        "stg_ingest__notes",
    }  # nothing to find in clean data
    for view in set(CONTRACTS) - checks:
        assert con.execute(f"select count(*) from {view}").fetchone()[0] > 0, view


def test_measure_groups_in_marts_are_the_reference_ones(con):
    bad = con.execute("""select distinct area, measure_group from mart_benchmark_municipality
                         except select area, measure_group from ref_measure_groups""").fetchall()
    assert bad == []


def test_region_figures_are_sums_over_sums(con):
    """Hand check: a region's expenditure per inhabitant is its summed expenditure over its summed population."""
    mun = con.execute("""select sum(expenditure_kr), sum(potential_users) from mart_benchmark_municipality
                         where region_code = '085' and year = 2017 and area = 'children' and measure_group = 'i_alt'""").fetchone()
    reg = con.execute("""select expenditure_per_inhabitant from mart_benchmark_region
                         where code = '085' and year = 2017 and area = 'children' and measure_group = 'i_alt'""").fetchone()[
        0
    ]
    assert reg == pytest.approx(float(mun[0]) / mun[1], rel=1e-12)
    mean_of_ratios = con.execute("""select avg(expenditure_per_inhabitant) from mart_benchmark_municipality
                         where region_code = '085' and year = 2017 and area = 'children' and measure_group = 'i_alt'""").fetchone()[
        0
    ]
    assert abs(mean_of_ratios - reg) > 1  # the two differ, so the test can tell them apart


CPR = re.compile(r"(?<![0-9A-Za-z])([0-3]\d[01]\d{3})-?(\d{4})(?![0-9A-Za-z])")


def test_no_cpr_number_in_any_table_or_view(con):
    objects = con.execute("""select table_name from information_schema.tables where table_schema = 'main'""").fetchall()
    checked = 0
    for (name,) in objects:
        cols = [
            c
            for (c,) in con.execute(
                """select column_name from information_schema.columns
                              where table_name = ? and data_type = 'VARCHAR'""",
                [name],
            ).fetchall()
        ]
        if not cols:
            continue
        # one read of each view for all its text columns; DuckDB's regular expressions (RE2) have no look-around, so
        # it picks the rows with ten digits in a row (one dash allowed) somewhere, a superset, and CPR decides on those
        ten_digits = " or ".join(f"""regexp_matches("{c}", '[0-9]{{6}}-?[0-9]{{4}}')""" for c in cols)
        quoted = ", ".join(f'"{c}"' for c in cols)
        rows = con.execute(f"select distinct {quoted} from {name} where {ten_digits}").fetchall()
        hits = [
            (col, value) for row in rows for col, value in zip(cols, row) if value is not None and CPR.search(value)
        ]
        assert hits == [], f"{name} holds CPR-like values: {hits[:3]}"
        checked += len(cols)
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
    read, accepted, rejected = con.execute(
        "select sum(rows_read), sum(accepted), sum(rejected) from raw_ingest_log"
    ).fetchone()
    assert read == accepted + rejected
    assert rejected == con.execute("select count(*) from raw_quarantine").fetchone()[0]
    staged = sum(
        con.execute(f"select count(*) from raw_{k}").fetchone()[0]
        for k in (
            "population",
            "expenditure",
            "users",
            "price_index",
            "municipal_facts",
            "budget",
            "cases",
            "actuals",
            "transitions",
            "registrations",
            "parameter_scores",
        )
    )
    assert staged == accepted


def test_quarantine_files_written(warehouse_path):
    qdir = paths.data_dir() / "quarantine"
    assert (qdir / "expenditure.csv").exists()
    text = (qdir / "expenditure.csv").read_text()
    assert "duplicate of line" in text
