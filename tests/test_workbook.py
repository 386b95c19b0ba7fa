"""Workbooks: tables from an executed notebook back as numbers, sheet names Excel accepts, number formats."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from conftest import notebook_with
from helpers.render.tables import danish_table, protected
from helpers.render.workbook import notebook_tables, sheet_name, write_workbook


def test_notebook_tables_give_the_numbers_and_keep_suppressed_cells_as_text(tmp_path):
    frame = pd.DataFrame(
        {"Kommune": ["Køge", "Solrød", "Greve"], "Udgift": [1706.5, 2_000_000.0, 12.0], "Sager": [3, 12, 40]}
    )
    table = danish_table(protected(frame, ["Sager"], column_totals=True, decimals={"Udgift": 1}))
    nb = notebook_with("## Udgifter pr. kommune\n\ntekst", table._repr_mimebundle_() | {"text/plain": "x"})
    tables = notebook_tables(nb)
    got = tables["Udgifter pr. kommune"]
    assert got.columns == ["Kommune", "Udgift", "Sager"]
    assert [r[1] for r in got.rows] == [1706.5, 2_000_000, 12] and [r[2] for r in got.rows] == ["<5", "..", 40]
    path = write_workbook(tmp_path / "t.xlsx", tables)
    sheet = load_workbook(path)["Udgifter pr. kommune"]
    assert sheet["B2"].value == 1706.5 and sheet["B2"].number_format == "#,##0.0" and sheet["C2"].value == "<5"


def test_sheet_names_are_short_unique_and_legal():
    taken: set[str] = set()
    first = sheet_name("Afvigelse: mængde/pris [kr.] og meget lang overskrift", taken)
    second = sheet_name("Afvigelse: mængde/pris [kr.] og meget lang overskrift", taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not set("[]:*?/\\") & set(first + second)
    assert first == "Afvigelse mængde-pris (kr.)…" and second == "Afvigelse mængde-pris… (2)"  # cut at a word, numbered
    long = "Regionen sammenlignet med de andre regioner"
    assert (
        sheet_name(f"{long} (2)", taken) == "Regionen sammenlignet med… (2)"
    )  # the section's second table keeps its number
    assert sheet_name("Om", taken) == "Om" and sheet_name("om", taken) == "om (2)"  # Excel compares names without case


def test_sections_from_headings_in_outputs_as_report_modules_write_them():
    table = danish_table(pd.DataFrame({"Område": ["Børn"], "Kr.": [1706.5]}), decimals=1)._repr_mimebundle_()
    nb = notebook_with(
        "## Indledning",
        {"text/html": '<script>var t = "<h2>${x}</h2>";</script><h2 id="holder">Holder budgettet?</h2><p>Tekst</p>'},
        table,
        {"text/markdown": "## Tilgang og afgang\n\nTekst"},
        table,
        table,
    )
    tables = notebook_tables(nb)
    assert list(tables) == [
        "Holder budgettet?",
        "Tilgang og afgang",
        "Tilgang og afgang (2)",
    ]  # not 'Indledning 2' etc.
    assert tables["Holder budgettet?"].rows == [["Børn", 1706.5]]


def test_about_sheet_comes_first_with_its_lines(tmp_path):
    about = [
        ("Rapport", "Benchmark, voksne: Region Sjælland"),
        ("Region", "Region Sjælland"),
        ("Tegn", "<5: færre end 5."),
    ]
    book = load_workbook(write_workbook(tmp_path / "t.xlsx", {"Om": pd.DataFrame({"a": [1]})}, about=about))
    assert book.sheetnames == ["Om", "Om (2)"]  # a section called "Om" does not overwrite the about sheet
    assert [tuple(r) for r in book["Om"].iter_rows(values_only=True)] == about and book["Om"]["A1"].font.bold


def test_year_columns_by_header_decimals_as_shown_and_readable_by_all(tmp_path):
    frame = pd.DataFrame({"År": [2023, 2024], "Udgift pr. indbygger": [1950.4, 2004.6], "Brugere": [1990, 2010]})
    path = write_workbook(tmp_path / "t.xlsx", {"Tabel": frame}, decimals=0)
    sheet = load_workbook(path)["Tabel"]
    assert [sheet[f"{c}2"].number_format for c in "ABC"] == ["0", "#,##0", "#,##0"]  # only the År column is a year
    assert path.stat().st_mode & 0o044 == 0o044  # not the 0600 of a temporary file
    default = load_workbook(write_workbook(tmp_path / "d.xlsx", {"Tabel": frame}))["Tabel"]
    assert default["B2"].number_format == "#,##0.0" and default["C2"].number_format == "#,##0"


def test_a_part_next_to_its_whole_is_hidden_when_the_rest_is_small():
    """'Mål opsat 14 af 15' gives away the 1 case without goals, and 'follow-ups 18, on time 16' the 2 late ones."""
    frame = pd.DataFrame(
        {
            "what": ["goals set", "follow-ups on time", "many"],
            "count": [14, 16, 60],
            "n": [15, 18, 100],
            "share": [14 / 15 * 100, 16 / 18 * 100, 60.0],
        }
    )
    shown = protected(frame, ["count", "n"], shares={"share": ("count", "n")}, decimals={"share": 1})
    assert shown["count"].tolist() == ["..", "..", "60"] and shown["n"].tolist() == ["15", "18", "100"]
    assert shown["share"].tolist() == ["", "", "60,0"]


def test_a_caption_is_text_a_browser_shows_as_written():
    from helpers.render.tables import LEGEND
    from helpers.render.workbook import html_tables

    page = danish_table(pd.DataFrame({"Kommune": ["Køge"], "Brugere": ["<5"]})).set_caption(LEGEND).to_html()
    assert "<caption>&lt;5: færre end 5." in page and "<td" in page
    assert html_tables(page)[0][-1] == ["Køge", "<5"]
