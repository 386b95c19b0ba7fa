"""No internal names reach readers: the visible text, the CSV downloads' headers and the workbooks' headers of every
rendered report (and the landing page outside its run log) hold no code identifiers (snake_case) and no file paths of
the tool. The names of the extracts the data came from may appear (they are the reader's own files: the data line
and the findings name them so a row can be found again)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import openpyxl

from conftest import page_charts
from helpers.warehouse import marts

IDENTIFIER = re.compile(r"(?<![\w.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])")
TOOL_PATH = re.compile(
    r"\b(?:docs|data|src|sql|notebooks|reports|tests)/[\w./-]*|\b[\w-]+\.(?:md|py|sql|yml|ipynb)\b"
    r"|\bparametre?\b|\bparameters?\b"
)  # "the limits are parameters": give the values instead


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles, the folded run log or attributes."""
    text = re.sub(
        r"<script.*?</script>|<style.*?</style>|<details.*?</details>|<title>.*?</title>", " ", page, flags=re.S
    )
    return re.sub(r"<[^>]+>", " ", text).replace("&nbsp;", " ")


def without_extract_names(text: str, extracts: list[str]) -> str:
    for name in sorted(extracts, key=len, reverse=True):
        text = text.replace(name, " ")
    return text


def internal_names(text: str) -> list[str]:
    return sorted(set(IDENTIFIER.findall(text)) | set(TOOL_PATH.findall(text)))


def test_the_scan_finds_what_it_looks_for():
    assert internal_names(
        "Parametre: region_name = Hele landet; se docs/forecast.md og data/quarantine/ (grænserne er parametre)"
    ) == ["data/quarantine/", "docs/forecast.md", "parametre", "region_name"]
    assert internal_names("Udgift pr. 0-22-årig, 1.706,5 kr. (§ 85), 2021-2024, Region Sjælland") == []
    assert internal_names(without_extract_names("Data: nettodrift_2010-2024.csv", ["nettodrift_2010-2024.csv"])) == []


def test_no_identifier_or_tool_path_in_any_report_its_downloads_or_workbook(every_report):
    root, results = every_report
    files = marts.extracts()["file"].tolist()
    extracts = files + [Path(f).name for f in files]
    found = []
    for r in results:
        page = (root / r.path).read_text(encoding="utf-8")
        found += [f"{r.path}: {n}" for n in internal_names(without_extract_names(visible_text(page), extracts))]
        headers = [h for c in page_charts(page) if c["csv"] for h in c["csv"]["rows"].columns]  # chart data downloads
        for data in re.findall(
            r'download="[^"]+" href="data:text/csv;charset=utf-8;base64,([^"]+)"', page
        ):  # table downloads
            headers += base64.b64decode(data).decode("utf-8-sig").splitlines()[0].split(";")
        found += [f"{r.path} (CSV): {n}" for n in internal_names(" | ".join(map(str, headers)))]
        book = (root / r.path).with_suffix(".xlsx")
        if book.exists():
            sheets = openpyxl.load_workbook(book, read_only=True).worksheets
            heads = [
                str(c)
                for ws in sheets[1:]
                for row in ws.iter_rows(max_row=1, values_only=True)
                for c in row
                if c is not None
            ]
            found += [f"{book.name}: {n}" for n in internal_names(" | ".join(heads))]
    index = (root / "index.html").read_text(encoding="utf-8")
    found += [f"index.html: {n}" for n in internal_names(without_extract_names(visible_text(index), extracts))]
    assert not found, "\n".join(found[:40])


MARKERS = {"<5": r"<5\s*:|færre end 5", "..": r"\.\.\s*:|\(\.\.\)", "*": r"\*\s*:"}


def test_every_marker_a_page_uses_is_explained_on_that_page(every_report):
    root, results = every_report
    unexplained = []
    for r in results:
        page = (root / r.path).read_text(encoding="utf-8")
        cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, flags=re.S)]
        text = visible_text(page).replace("&lt;", "<")
        used = {"<5": "&lt;5" in cells or "<5" in cells, "..": ".." in cells, "*": any(c.endswith(" *") for c in cells)}
        unexplained += [f"{r.path}: {m}" for m, on in used.items() if on and not re.search(MARKERS[m], text)]
    assert not unexplained, unexplained
