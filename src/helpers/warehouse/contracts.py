"""The contracts of the views and of helpers.data (sql/<layer>/_<layer>.yml) read once, and docs/marts.md written from them.

Each layer's YAML file lists its views (grain, columns, tests); the marts' file also lists the functions of
helpers.data with the columns each returns, a column described once where the marts describe it already.
"""

from __future__ import annotations

import inspect
from functools import cache

import yaml

from helpers import paths

LAYERS = ("staging", "intermediate", "marts")
DOC = paths.ROOT / "docs" / "marts.md"


@cache
def _layer(layer: str) -> dict:
    return yaml.safe_load((paths.SQL / layer / f"_{layer}.yml").read_text(encoding="utf-8"))


def models(layers: tuple[str, ...] = LAYERS) -> dict[str, dict]:
    """{view name: contract} of the given layers (grain, description, columns with description and tests)."""
    return {m["name"]: m for layer in layers for m in _layer(layer)["models"]}


def functions() -> dict[str, dict]:
    """{function name: contract} of helpers.data: the marts it reads, an example call and its columns,
    each column's description filled in from the first mart it reads that describes a column of that name."""
    marts = models(("marts",))
    out = {}
    for f in _layer("marts").get("functions", []):
        known = {c["name"]: c["description"] for view in f["reads"] for c in reversed(marts[view]["columns"])}
        columns = [
            {"name": c["name"], "description": c.get("description") or known.get(c["name"])} for c in f["columns"]
        ]
        out[f["name"]] = f | {"columns": columns}
    return out


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _tests(column: dict) -> str:
    words = []
    for test in column.get("tests", []) or []:
        name, arg = (test, None) if isinstance(test, str) else next(iter(test.items()))
        if name == "not_null":
            words.append("not null")
        elif name == "accepted_values":
            words.append("one of " + ", ".join(f"`{v}`" for v in arg["values"]))
        elif name == "relationships":
            words.append(f"in `{arg['to']}.{arg['field']}`")
    return "; ".join(words)


def _parameters(function) -> str:
    """'area, years=None, prices="current"': the parameters with their defaults, without type hints."""
    return ", ".join(
        p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
        for p in inspect.signature(function).parameters.values()
    )


def markdown() -> str:
    """docs/marts.md: the helpers.data functions with the columns they return, then every mart with its grain, columns
    and tests (generated: `python -m helpers docs` writes it, a test checks it is up to date)."""
    lines = [
        "# The marts and `helpers.data`",
        "",
        "<!-- Generated from sql/marts/_marts.yml by `python -m helpers docs`; edit the YAML, not this file. -->",
        "",
        "What the analyst reads: the functions of `helpers.data` (pandas frames in one naming of columns, small counts",
        "protected by default; `docs/analyst.md` shows how to use them) and the `mart_*` views of the warehouse they read.",
        "A test calls every function and checks its columns against this list, and another that this page is up to date.",
        "",
        "## Functions of `helpers.data`",
        "",
    ]
    from helpers import data

    for name, f in functions().items():
        function = getattr(data, name)
        lines += [f"### `{name}({_parameters(function)})`", "", inspect.getdoc(function), ""]
        lines += [f"Reads {', '.join(f'`{v}`' for v in f['reads'])}.", ""]
        lines += ["| column | description |", "|---|---|"]
        lines += [f"| `{c['name']}` | {_cell(c['description'])} |" for c in f["columns"]]
        lines.append("")
    lines += ["## The marts", ""]
    for name, m in models(("marts",)).items():
        lines += [f"### `{name}`", "", f"Grain: {m['description']} (unique: {', '.join(m['grain'])}).", ""]
        lines += ["| column | description | tests |", "|---|---|---|"]
        lines += [f"| `{c['name']}` | {_cell(c['description'])} | {_tests(c)} |" for c in m["columns"]]
        lines.append("")
    return "\n".join(lines)


def write_doc() -> None:
    """Write docs/marts.md from the contracts."""
    DOC.write_text(markdown(), encoding="utf-8")
