"""Workbooks: tables from an executed notebook back as numbers, sheet names Excel accepts, number formats."""

from __future__ import annotations

import nbformat
import pandas as pd
from openpyxl import load_workbook

from helpers.render.tables import danish_table, protected
from helpers.render.workbook import notebook_tables, sheet_name, write_workbook


def test_notebook_tables_read_danish_numbers_and_keep_suppressed_cells_as_text(tmp_path):
    frame = pd.DataFrame({"Kommune": ["Køge", "Solrød", "Greve"], "Udgift": [1706.5, 2_000_000.0, 12.0], "Sager": [3, 12, 40]})
    html = danish_table(protected(frame, ["Sager"], column_totals=True, decimals={"Udgift": 1})).to_html()
    nb = nbformat.v4.new_notebook()
    out = nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "x"})
    code = nbformat.v4.new_code_cell("t")
    code.outputs = [out]
    nb.cells = [nbformat.v4.new_markdown_cell("## Udgifter pr. kommune\n\ntekst"), code]
    tables = notebook_tables(nb)
    got = tables["Udgifter pr. kommune"]
    assert got.columns.tolist() == ["Kommune", "Udgift", "Sager"]
    assert got["Udgift"].tolist() == [1706.5, 2_000_000.0, 12.0] and got["Sager"].tolist() == ["<5", "..", 40]
    path = write_workbook(tmp_path / "t.xlsx", tables)
    sheet = load_workbook(path)["Udgifter pr. kommune"]
    assert sheet["B2"].value == 1706.5 and sheet["B2"].number_format == "#,##0.0" and sheet["C2"].value == "<5"


def test_sheet_names_are_short_unique_and_legal():
    taken: set[str] = set()
    first = sheet_name("Afvigelse: mængde/pris [kr.] og meget lang overskrift", taken)
    second = sheet_name("Afvigelse: mængde/pris [kr.] og meget lang overskrift", taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(first + second)


def test_year_columns_by_header_decimals_as_shown_and_readable_by_all(tmp_path):
    frame = pd.DataFrame({"År": [2023, 2024], "Udgift pr. indbygger": [1950.4, 2004.6], "Brugere": [1990, 2010]})
    path = write_workbook(tmp_path / "t.xlsx", {"Tabel": frame}, decimals=0)
    sheet = load_workbook(path)["Tabel"]
    assert [sheet[f"{c}2"].number_format for c in "ABC"] == ["0", "#,##0", "#,##0"]  # only the År column is a year
    assert path.stat().st_mode & 0o044 == 0o044  # not the 0600 of a temporary file
    default = load_workbook(write_workbook(tmp_path / "d.xlsx", {"Tabel": frame}))["Tabel"]
    assert default["B2"].number_format == "#,##0.0" and default["C2"].number_format == "#,##0"
