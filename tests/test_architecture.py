"""The layout holds: stages as folders, imports that point one way, constants in one place, SQL built from its own
references, and reports that read marts only."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from helpers import paths
from helpers.warehouse.build import View, build_order, layer_violations, read_views

PACKAGE = paths.ROOT / "src" / "helpers"
STAGES = ("intake", "warehouse", "analysis", "reports", "render", "sample")


def _module(path: Path) -> str:
    return ".".join(("helpers", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every helpers module a file imports (`from helpers.x import y` counts as helpers.x and helpers.x.y)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("helpers")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


MODULES = {_module(p): _imports(p) for p in PACKAGE.rglob("*.py")}


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_is_a_folder_whose_init_says_its_job_in_one_line(stage):
    init = PACKAGE / stage / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and "\n" not in doc.strip(), f"{init}: a one-line docstring saying the stage's job"


def test_no_flat_modules_left_beside_the_stages():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "bench.py", "cli.py", "data.py", "labels.py", "paths.py"]


def test_analysis_imports_no_warehouse_reports_render_or_intake():
    for module, imports in MODULES.items():
        if module.startswith("helpers.analysis"):
            bad = {
                i
                for i in imports
                if i.startswith(("helpers.warehouse", "helpers.reports", "helpers.render", "helpers.intake"))
            }
            assert not bad, f"{module} imports {sorted(bad)}"


def test_analysis_reads_no_files_and_writes_no_danish():
    for path in (PACKAGE / "analysis").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        texts = [
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
        ]
        assert not [t for t in texts if re.search("[æøåÆØÅ]", t)], f"{path}: Danish text belongs in reports/"
        calls = {
            n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            for n in ast.walk(tree)
            if isinstance(n, ast.Call)
        }
        assert not calls & {"open", "read_csv", "read_text", "read_bytes", "connect", "query"}, path


def test_only_the_cli_the_batch_and_the_bench_command_import_reports():
    allowed = ("helpers.reports", "helpers.cli", "helpers.bench", "helpers.render.batch")
    for module, imports in MODULES.items():
        if any(i.startswith("helpers.reports") for i in imports):
            assert module.startswith(allowed), f"{module} imports a report module"


def test_the_same_test_would_catch_a_wrong_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from helpers.warehouse.query import query\n")
    assert "helpers.warehouse.query" in _imports(bad)


def _files(*patterns: str) -> list[Path]:
    return [p for pattern in patterns for p in sorted(paths.ROOT.glob(pattern))]


def test_country_code_and_name_are_typed_once():
    hits = []
    for path in _files("src/helpers/**/*.py", "sql/**/*.sql", "notebooks/*.ipynb"):
        if path.name == "labels.py":
            continue
        text = path.read_text(encoding="utf-8")
        hits += [
            f"{path.relative_to(paths.ROOT)}: {m.group(0)}" for m in re.finditer(r"""['"]000['"]|Hele landet""", text)
        ]
    assert hits == []


def test_small_count_threshold_is_typed_once():
    """No comparison with a literal 5 and no default of 5 outside labels.SMALL (the sample generator aside)."""
    hits = []
    for path in _files("src/helpers/**/*.py"):
        if path.name == "labels.py" or "sample" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            fives = []
            if isinstance(node, ast.Compare):
                fives = [n for n in (node.left, *node.comparators) if isinstance(n, ast.Constant) and n.value == 5]
            elif isinstance(node, ast.arguments):  # a default threshold (k=5 peers is another five)
                named = list(zip(node.args[len(node.args) - len(node.defaults) :], node.defaults)) + list(
                    zip(node.kwonlyargs, node.kw_defaults)
                )
                fives = [
                    d
                    for a, d in named
                    if isinstance(d, ast.Constant) and d.value == 5 and re.search("threshold|small", a.arg)
                ]
            hits += [f"{path.name}:{n.lineno}" for n in fives]
    assert hits == []


def _sql_strings(path: Path) -> list[str]:
    """The SQL a module or notebook sends: string literals that start with select/with."""
    if path.suffix == ".ipynb":
        sources = [
            "".join(c["source"])
            for c in json.loads(path.read_text(encoding="utf-8"))["cells"]
            if c["cell_type"] == "code"
        ]
    else:
        sources = [path.read_text(encoding="utf-8")]
    out = []
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.match(r"\s*(select\b.*\bfrom\b|with\s+\w+\s+as\s*\()", node.value, re.I | re.S)
            ):
                out.append(node.value)
    return out


def test_reports_explorer_and_cli_read_marts_only():
    readers = _files(
        "src/helpers/reports/*.py",
        "src/helpers/render/*.py",
        "src/helpers/warehouse/marts.py",
        "src/helpers/data.py",
        "src/helpers/cli.py",
        "notebooks/*.ipynb",
    )
    seen = 0
    for path in readers:
        for sql in _sql_strings(path):
            tree = sqlglot.parse_one(sql.replace("?", "NULL"), read="duckdb")
            ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
            tables = {t.name for t in tree.find_all(exp.Table)} - ctes
            assert all(t.startswith("mart_") for t in tables), f"{path.name} reads {sorted(tables)}"
            seen += 1
    assert seen > 20  # the marts module holds the queries


def test_no_sql_outside_the_marts_module_in_reports_and_render():
    for path in _files("src/helpers/reports/*.py", "src/helpers/render/*.py", "notebooks/*.ipynb"):
        assert _sql_strings(path) == [], f"{path.name}: read the warehouse through helpers.warehouse.marts"


# -- the SQL flows one way -----------------------------------------------------------------------------------------------


def _view(name: str, layer: str, sql: str) -> View:
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return View(
        name, layer, Path(f"{layer}/{name}.sql"), sql, frozenset(t.name for t in tree.find_all(exp.Table)) - ctes
    )


def test_build_order_follows_the_references_not_the_names():
    views = {
        v.name: v
        for v in (
            _view("mart_a", "marts", "select * from int_z"),
            _view("int_z", "intermediate", "with b as (select * from int_b) select * from b join stg_y using (k)"),
            _view("int_b", "intermediate", "select * from stg_y"),
            _view("stg_y", "staging", "select * from raw_y"),
        )
    }
    assert build_order(views, {"raw_y"}) == ["stg_y", "int_b", "int_z", "mart_a"]
    with pytest.raises(ValueError, match="int_b reads raw_missing"):
        build_order(views | {"int_b": _view("int_b", "intermediate", "select * from raw_missing")}, {"raw_y"})


def test_a_view_reading_a_later_layer_is_refused():
    views = {
        "int_x": _view("int_x", "intermediate", "select * from mart_y"),
        "stg_q": _view("stg_q", "staging", "select * from int_x"),
    }
    problems = layer_violations(views)
    assert any("int_x" in p and "mart_y" in p for p in problems) and any(
        "stg_q" in p and "int_x" in p for p in problems
    )


def test_the_project_sql_flows_one_way_and_checks_are_intermediate_models():
    views = read_views()
    assert layer_violations(views) == []
    checks = [v for v in views.values() if "check" in v.name]
    assert checks and all(v.layer == "intermediate" and v.name.startswith("int_check_") for v in checks)
    assert {v.name for v in checks} <= views["mart_data_quality"].reads
    assert not (paths.SQL / "checks").exists()
    build_source = (PACKAGE / "warehouse" / "build.py").read_text(encoding="utf-8")
    assert "CatalogException" not in build_source  # no retrying views until they stop failing
