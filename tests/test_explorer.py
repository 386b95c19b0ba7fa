"""The explorer driven programmatically: set widget values, check the frame, the table, the chart spec and the export."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers.reports.explorer import Explorer
from helpers.warehouse.query import query


@pytest.fixture(scope="module")
def explorer(warehouse_path, tmp_path_factory) -> Explorer:
    return Explorer(tmp_path_factory.mktemp("explore"))


def test_region_figure_and_years_drive_the_frame(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "children", "expenditure_per_inhabitant", "i_alt"
    explorer.region.value, explorer.selection.value, explorer.prices.value = "085", "region", "current"
    explorer.years.value = (2014, 2017)
    frame = explorer.frame()
    assert frame["code"].nunique() == 17 and sorted(frame["year"].unique()) == [2014, 2015, 2016, 2017]
    koege = frame[(frame["code"] == "259") & (frame["year"] == 2017)]["value"].iloc[0]
    want = query("""select expenditure_per_inhabitant from mart_benchmark_municipality where municipality_code = '259'
                    and year = 2017 and area = 'children' and measure_group = 'i_alt'""").iloc[0, 0]
    assert koege == pytest.approx(want)
    explorer.prices.value = "fixed"
    fixed = explorer.frame()
    assert fixed.loc[fixed["year"] == 2014, "value"].sum() > frame.loc[frame["year"] == 2014, "value"].sum()  # 2014 lifted to 2024 prices
    assert explorer.table().shape == (17, 5)


def test_peers_and_highlight_reach_the_chart_spec(explorer):
    explorer.highlight.value, explorer.selection.value = "259", "peers"
    assert len(explorer.codes()) == 6 and "259" in explorer.codes()
    spec = explorer.chart().to_dict()
    names = {row["name"] for rows in spec["datasets"].values() for row in rows}
    assert "Køge" in names and len(names) == 6
    assert spec["layer"][1]["mark"]["strokeWidth"] == 3.5 and "Køge" in spec["layer"][1]["transform"][0]["filter"]
    assert spec["title"].startswith("Udgift pr. indbygger: I alt")


def test_chosen_municipalities_and_area_switch(explorer):
    explorer.area.value = "adults"
    assert explorer.group.value == "i_alt" and ("Botilbud i alt (§§ 107-108 og § 85 i botilbudslignende tilbud)", "botilbud_i_alt") in explorer.group.options
    explorer.selection.value = "region"
    assert explorer.chosen.disabled  # the list only counts when 'Valgte kommuner' is chosen
    explorer.selection.value, explorer.chosen.value = "chosen", ("101", "751")
    assert not explorer.chosen.disabled
    assert explorer.codes() == ["101", "751"] and set(explorer.frame()["name"]) == {"København", "Aarhus"}


def test_small_user_counts_are_not_shown(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "adults", "unit_cost", "sel_110_forsorgshjem"
    explorer.selection.value, explorer.chosen.value, explorer.years.value = "chosen", ("825",), (2017, 2024)  # Læsø: 1 user
    assert explorer.frame().empty


def test_changes_within_an_area_are_answered_from_memory(explorer, monkeypatch):
    """Why each change is fast (timed in `make bench`, not here): once an area is read, no control goes back to the warehouse."""
    explorer.area.value, explorer.selection.value, explorer.highlight.value = "children", "region", ""
    before = explorer.table()

    def no_query(*args, **kwargs):
        raise AssertionError(f"the explorer queried the warehouse on a change: {args[:1]}")

    monkeypatch.setattr("helpers.warehouse.marts.query", no_query)
    for control, value in ((explorer.region, "081"), (explorer.figure, "unit_cost"), (explorer.prices, "current"),
                           (explorer.years, (2012, 2020)), (explorer.group, "familiepleje"), (explorer.highlight, "851")):
        control.value = value  # the observer redraws chart and table
    after = explorer.table()
    assert list(after.columns) == ["Kommune", *range(2012, 2021)] and "Aalborg" in set(after["Kommune"])
    assert not after.equals(before)


def test_export_writes_xlsx_and_csv_with_the_table(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "children", "users_per_10000", "i_alt"
    explorer.selection.value, explorer.region.value, explorer.years.value = "region", "085", (2016, 2017)
    xlsx, csv = explorer.export_table()
    table = explorer.table()
    sheet = load_workbook(xlsx).active
    assert [c.value for c in sheet[1]] == ["Kommune", "2016", "2017"] and sheet.max_row == 18
    assert sheet["B2"].number_format == "#,##0.0" and isinstance(sheet["B2"].value, float)  # shown 333,0 in a Danish Excel
    back = pd.read_csv(csv, sep=";", decimal=",", encoding="utf-8-sig")
    assert back["2017"].tolist() == table[2017].round(1).tolist()  # as shown on screen, one decimal
    assert "_current_region085_2016-2017_" in csv.name and xlsx.stem == csv.stem
    assert oct(xlsx.stat().st_mode & 0o777) == oct(csv.stat().st_mode & 0o777)  # both readable as the user's other files


def test_unit_costs_export_in_whole_kroner_for_a_peer_group(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "adults", "unit_cost", "i_alt"
    explorer.highlight.value, explorer.selection.value, explorer.prices.value = "265", "peers", "fixed"
    xlsx, csv = explorer.export_table()
    sheet = load_workbook(xlsx).active
    assert sheet["B2"].number_format == "#,##0" and sheet["B2"].value == round(sheet["B2"].value)
    assert "_fixed_sammenlignelige265_" in csv.name and sheet.max_row == 7  # Roskilde and its 5 peers
    first = csv.read_text(encoding="utf-8-sig").splitlines()[1].split(";")
    assert first[1].isdigit() and int(first[1]) == sheet["B2"].value  # '290062', not '290062,0'
    assert explorer.chart().to_dict()["title"].endswith("(voksne, faste 2024-priser)")


def test_without_a_highlight_the_chart_has_no_empty_layer(explorer):
    explorer.area.value, explorer.selection.value, explorer.highlight.value = "children", "region", ""
    assert len(explorer.chart().to_dict()["layer"]) == 1
    explorer.highlight.value = "259"
    assert len(explorer.chart().to_dict()["layer"]) == 2
