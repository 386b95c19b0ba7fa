"""Report parameters as a user gives them: filters choose among the published parameter sets, settings change what a
report computes; every key and value is checked and typed here, before any kernel starts."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from helpers.render.formats import slugify


class ParameterError(ValueError):
    """A key no chosen report takes, or a value outside the valid ones: the message names what is valid."""


def pairs(texts: list[str] | None, option: str) -> dict[str, str]:
    """`key=value` texts from the command line as {key: value}; a repeated key or a text without `=` is an error."""
    out: dict[str, str] = {}
    for text in texts or []:
        key, sep, value = text.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise ParameterError(f"{option} takes KEY=VALUE, got {text!r}")
        if key in out:
            raise ParameterError(f"{option} {key} given twice ({out[key]!r} and {value!r})")
        out[key] = value
    return out


def code(value: object) -> str:
    """A region or municipality code as the warehouse writes it: three digits ('85' and 85 are '085')."""
    text = str(value).strip()
    if not text.isdigit() or len(text) > 3:
        raise ParameterError(f"{value!r} is not a code of 1-3 digits")
    return text.zfill(3)


def year(value: object) -> int:
    """A year (2024)."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ParameterError(f"{value!r} is not a year (e.g. 2024)")
    return int(text)


def iso_date(value: object) -> str:
    """A date written YYYY-MM-DD, kept as that text (JSON and papermill carry it as it is)."""
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _no_date(text)
    except ValueError:
        return _no_date(text)


def _no_date(text: str) -> str:
    raise ParameterError(f"{text!r} is not a date YYYY-MM-DD (e.g. 2024-09-30)")


def month_or_quarter(value: object) -> str:
    """A month (2024-09) or a quarter (2024-Q3), as the key-figure packs take their period."""
    text = str(value).strip().upper()
    found = re.fullmatch(r"(\d{4})-(?:Q([1-4])|(0[1-9]|1[0-2]))", text)
    if not found:
        raise ParameterError(f"{value!r} is not a month YYYY-MM (2024-09) or a quarter YYYY-Qn (2024-Q3, n 1-4)")
    return text


def amount(value: object) -> int | float:
    """A positive amount in kroner, written with digits and an optional decimal point (1000000 or 2500.5)."""
    text = str(value).strip().replace("_", "")
    if not re.fullmatch(r"\d+(\.\d+)?", text) or float(text) <= 0:
        raise ParameterError(f"{value!r} is not a positive amount in kroner written with digits (e.g. 1000000)")
    return int(text) if text.isdigit() else float(text)


def choice(*values: str) -> Callable[[object], str]:
    """A parser that takes one of `values`."""

    def parse(value: object) -> str:
        if str(value).strip() not in values:
            raise ParameterError(f"{value!r} is not one of {', '.join(values)}")
        return str(value).strip()

    return parse


def reasons_by_code(value: object) -> dict[str, str]:
    """Municipalities with a reason each, a JSON object {"259": "ny kontering fra 2019"} (codes as three digits)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as exc:
            raise ParameterError(f"not valid JSON ({exc.msg}): {value}") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) and v.strip() for v in value.values()):
        raise ParameterError(f'{value!r} is not a JSON object of codes and reasons, e.g. {{"259": "brud i serien"}}')
    return {code(k): v.strip() for k, v in value.items()}


def what_if_folder(settings: dict[str, object]) -> str:
    """The folder name of a run with other settings than the published: the settings in order, e.g.
    'year-2017_price-base-year-2015'; long ones cut and given a checksum so two runs never share a folder."""
    parts = []
    for key, value in sorted(settings.items()):
        shown = "-".join(value) if isinstance(value, dict) else str(value)
        parts.append(f"{slugify(key)}-{slugify(shown) or 'ingen'}")
    name = "_".join(parts)
    if len(name) > 60:
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:8]
        name = f"{name[:50].rstrip('-_')}-{digest}"
    return name


def notebook_defaults(notebook: Path) -> dict[str, object]:
    """The values a notebook's `parameters` cell assigns (literals only): what a report uses for a parameter its set
    does not give."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    first = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    out = {}
    for node in ast.parse("".join(first["source"])).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = ast.literal_eval(node.value)
    return out
