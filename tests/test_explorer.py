"""The explorer driven programmatically: set widget values, check the frame, the table, the chart spec and the export."""

from __future__ import annotations

import re

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
    assert (
        fixed.loc[fixed["year"] == 2014, "value"].sum() > frame.loc[frame["year"] == 2014, "value"].sum()
    )  # 2014 lifted to 2024 prices
    assert explorer.table().shape == (18, 6)  # 17 municipalities and the region's average; code, name, 4 years


def _line(spec: dict) -> dict:
    """The first layer of lines (the municipalities'; past 8 lines an invisible layer of points catching the pointer
    comes first)."""
    return next(layer for layer in spec["layer"] if layer["mark"]["type"] == "line")


def _layers(spec: dict) -> list[tuple[dict, list[dict]]]:
    """Each layer of a chart spec with its rows (a layer's own data, else the chart's)."""
    data = lambda part: spec["datasets"][part["data"]["name"]] if "data" in part else None  # noqa: E731
    return [(layer, data(layer) or data(spec)) for layer in spec["layer"]]


def test_peers_and_highlight_reach_the_chart_spec_with_a_legend_and_names(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "children", "expenditure_per_inhabitant", "i_alt"
    explorer.highlight.value, explorer.selection.value = "259", "peers"
    assert len(explorer.codes()) == 6 and "259" in explorer.codes()
    spec = explorer.chart().to_dict()
    names = {row["name"] for rows in spec["datasets"].values() for row in rows if "code" in row}
    assert "Køge" in names and len(names) == 6
    layers = _layers(spec)
    assert layers[1][0]["mark"]["strokeWidth"] == 3.5 and "Køge (fremhævet)" in layers[1][0]["transform"][0]["filter"]
    colour = layers[0][0]["encoding"]["color"]
    assert (
        colour["scale"]["domain"]
        == ["Køge (fremhævet)", "Sammenlignelige kommuner", "Gennemsnit for de viste kommuner"]
        and "legend" in colour
    )  # the legend says who
    text = next((layer, rows) for layer, rows in layers if layer["mark"]["type"] == "text")
    assert {row["name"] for row in text[1]} == names  # six lines: each named at its end
    assert spec["title"].startswith("Udgift pr. indbygger: I alt")


def test_many_lines_name_only_the_highlighted_one(explorer):
    explorer.area.value, explorer.selection.value, explorer.region.value, explorer.highlight.value = (
        "children",
        "region",
        "085",
        "259",
    )
    layers = _layers(explorer.chart().to_dict())
    texts = [(layer, {row["name"] for row in rows}) for layer, rows in layers if layer["mark"]["type"] == "text"]
    assert texts[0][1] == {"Køge"} and "transform" not in texts[0][0]  # the highlighted line is always named
    pointed = texts[1]  # any other line is named while the pointer is on it, and stands out
    assert pointed[0]["transform"] == [{"filter": {"param": "linje", "empty": False}}] and len(pointed[1]) == 17
    spec = explorer.chart().to_dict()
    (param,) = [p for layer in spec["layer"] for p in layer.get("params", [])] or spec["params"]
    assert param["select"]["fields"] == ["name"] and param["select"]["on"] == "pointerover"
    assert _line(spec)["encoding"]["opacity"]["condition"]["param"] == "linje"
    assert spec["layer"][0]["mark"] == {"type": "point", "opacity": 0, "size": 60}  # catches the pointer


def test_units_on_axes_and_table_headers(explorer):
    explorer.area.value, explorer.figure.value, explorer.prices.value = (
        "children",
        "expenditure_per_inhabitant",
        "current",
    )
    explorer.selection.value, explorer.region.value = "region", "085"
    spec = explorer.chart().to_dict()
    assert spec["layer"][0]["encoding"]["y"]["title"] == "Kr. pr. 0-22-årig, løbende priser"
    explorer.figure.value = "users_per_10000"
    assert explorer.chart().to_dict()["layer"][0]["encoding"]["y"]["title"] == "Brugere pr. 10.000 0-17-årige"
    html = explorer.shown_table().to_html()
    assert "brugere pr. 10.000 0-17-årige</th>" in html and ">Kommune</th>" in html
    explorer.area.value, explorer.figure.value = "adults", "unit_cost"
    assert explorer.unit_text() == "kr. pr. bruger, løbende priser"
    explorer.figure.value = "expenditure_per_inhabitant"
    assert explorer.unit_text() == "kr. pr. 18-64-årig, løbende priser"


def test_prices_toggle_is_off_for_counts(explorer):
    explorer.figure.value = "users_per_10000"
    assert explorer.prices.disabled
    explorer.figure.value = "unit_cost"
    assert not explorer.prices.disabled


def test_municipality_lists_are_in_danish_order(explorer):
    names = [name for name, _ in explorer.chosen.options]
    assert names[-3:] == ["Aabenraa", "Aalborg", "Aarhus"] and names[0] == "Albertslund"  # Aa sorts as Å, after Ø
    assert names.index("Vordingborg") < names.index("Ærø") < names.index("Aabenraa")
    assert [name for name, _ in explorer.highlight.options][1:] == names
    explorer.area.value, explorer.figure.value, explorer.selection.value = (
        "children",
        "expenditure_per_inhabitant",
        "chosen",
    )
    explorer.chosen.value = ("751", "580", "101", "492")  # Aarhus, Aabenraa, København, Ærø
    assert explorer.table()["Kommune"].tolist()[:-1] == ["København", "Ærø", "Aabenraa", "Aarhus"]


def test_notes_when_a_mode_falls_back_to_the_region_or_the_highlight_is_not_shown(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "children", "expenditure_per_inhabitant", "i_alt"
    explorer.region.value, explorer.highlight.value = "085", ""
    explorer.chosen.value, explorer.selection.value = (), "chosen"
    assert explorer.notes()[0].startswith("Ingen kommuner valgt") and "Region Sjælland" in explorer.notes()[0]
    assert len(explorer.codes()) == 17  # the region's municipalities
    explorer.selection.value = "peers"
    assert explorer.notes()[0].startswith("Ingen kommune valgt under 'Fremhæv'") and len(explorer.codes()) == 17
    explorer.selection.value, explorer.highlight.value = "region", "851"  # Aalborg is in Nordjylland
    assert "Aalborg (fremhævet) hører ikke til de viste kommuner og er ikke i figuren." in explorer.notes()
    assert _line(explorer.chart().to_dict())["encoding"]["color"]["scale"]["domain"] == [
        "Kommunerne i Region Sjælland",
        "Gennemsnit i Region Sjælland",
    ]
    explorer.highlight.value = "259"
    assert not explorer.notes()


def test_flagged_values_are_left_out_or_marked_with_the_reason(explorer):
    explorer.area.value, explorer.figure.value, explorer.prices.value = "adults", "unit_cost", "current"
    explorer.group.value, explorer.selection.value, explorer.region.value = (
        "sel_108_laengerevarende_botilbud",
        "region",
        "084",
    )
    explorer.years.value, explorer.highlight.value = (2016, 2020), "187"
    # Vallensbæk 2018: net expenditure -20.865 t.kr. over 54 users = -386.393 kr. per user, found impossible by the checks
    frame = explorer.frame()
    assert (
        not ((frame["code"] == "187") & (frame["year"] == 2018)).any()
        and ((frame["code"] == "187") & (frame["year"] == 2017)).any()
    )
    note = next(n for n in explorer.notes() if n.startswith("Vallensbæk 2018"))
    assert (
        "negative nettoudgifter" in note and "udeladt af figur og tabel: enhedsudgift -386.393 kr. pr. bruger" in note
    )
    assert pd.isna(explorer.table().set_index("Kommune").loc["Vallensbæk", 2018])
    gladsaxe = next(
        n for n in explorer.notes() if n.startswith("Gladsaxe 2017")
    )  # no users reported: no unit cost to show
    assert "ingen brugere" in gladsaxe and "tallet mangler" in gladsaxe
    explorer.area.value, explorer.figure.value, explorer.group.value = (
        "children",
        "expenditure_per_inhabitant",
        "forebyggende_foranstaltninger",
    )
    explorer.region.value, explorer.years.value, explorer.highlight.value = "085", (2012, 2013), ""
    frame = explorer.frame()  # Holbæk's extreme expenditure: shown, ringed in the chart, coloured in the table
    assert (
        frame.loc[frame["code"] == "316", "flagged"].tolist() == [True, True]
        and frame.loc[frame["code"] != "316", "flagged"].eq(False).all()
    )
    assert sum(n.startswith("Holbæk 201") and "markeret med en ring" in n for n in explorer.notes()) == 2
    rings = [rows for layer, rows in _layers(explorer.chart().to_dict()) if layer["mark"].get("size") == 220]
    assert [(r["name"], r["year"]) for r in rings[0]] == [("Holbæk", 2012), ("Holbæk", 2013)]
    assert "background-color" in explorer.shown_table().to_html()


def test_chosen_municipalities_and_area_switch(explorer):
    explorer.area.value = "adults"
    assert (
        explorer.group.value == "i_alt"
        and ("Botilbud i alt (§§ 107-108 og § 85 i botilbudslignende tilbud)", "botilbud_i_alt")
        in explorer.group.options
    )
    explorer.selection.value = "region"
    assert explorer.chosen.disabled  # the list only counts when 'Valgte kommuner' is chosen
    explorer.selection.value, explorer.chosen.value = "chosen", ("101", "751")
    assert not explorer.chosen.disabled
    assert explorer.codes() == ["101", "751"] and set(explorer.frame()["name"]) == {"København", "Aarhus"}


def test_small_user_counts_are_not_shown(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "adults", "unit_cost", "sel_110_forsorgshjem"
    explorer.selection.value, explorer.chosen.value, explorer.years.value = (
        "chosen",
        ("825",),
        (2017, 2024),
    )  # Læsø: 1 user
    assert explorer.frame().empty


def test_changes_within_an_area_are_answered_from_memory(explorer, monkeypatch):
    """Why each change is fast (timed in `make bench`, not here): once an area is read, no control goes back to the warehouse."""
    explorer.area.value, explorer.selection.value, explorer.highlight.value = "children", "region", ""
    before = explorer.table()

    def no_query(*args, **kwargs):
        raise AssertionError(f"the explorer queried the warehouse on a change: {args[:1]}")

    monkeypatch.setattr("helpers.warehouse.marts.query", no_query)
    for control, value in (
        (explorer.region, "081"),
        (explorer.figure, "unit_cost"),
        (explorer.prices, "current"),
        (explorer.years, (2012, 2020)),
        (explorer.group, "familiepleje"),
        (explorer.highlight, "851"),
    ):
        control.value = value  # the observer redraws chart and table
    after = explorer.table()
    assert list(after.columns) == ["Kommunekode", "Kommune", *range(2012, 2021)] and "Aalborg" in set(after["Kommune"])
    assert not after.equals(before)


def test_export_writes_xlsx_and_csv_with_the_table(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "children", "users_per_10000", "i_alt"
    explorer.selection.value, explorer.region.value, explorer.years.value = "region", "085", (2016, 2017)
    xlsx, csv = explorer.export_table()
    table = explorer.table()
    book = load_workbook(xlsx)
    assert book.sheetnames == ["Om", "Brugere pr. 10.000"]
    sheet = book["Brugere pr. 10.000"]
    assert [c.value for c in sheet[1]] == ["Kommunekode", "Kommune", "Enhed", "2016", "2017"] and sheet.max_row == 19
    assert sheet["D2"].number_format == "#,##0.0" and isinstance(
        sheet["D2"].value, float
    )  # shown 333,0 in a Danish Excel
    back = pd.read_csv(csv, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Kommunekode": str})
    assert back["2017"].tolist() == table[2017].round(1).tolist()  # as shown on screen, one decimal
    assert back["Kommunekode"].tolist() == table["Kommunekode"].tolist() and back["Kommunekode"].iloc[-1] == "085"
    assert set(back["Enhed"]) == {"brugere pr. 10.000 0-17-årige"} and back["Kommune"].iloc[-1].startswith("Gennemsnit")
    assert csv.name.startswith("Udforsk - Børn og unge - Brugere pr. 10.000 - I alt - Region Sjælland - 2016-2017 - ")
    assert xlsx.stem == csv.stem and not re.search(r"[a-z]+_[a-z]+|current|region085", csv.name)  # Danish, no codes
    about = dict(book["Om"].iter_rows(values_only=True))
    assert (about["Område"], about["Nøgletal"], about["Enhed"], about["Indsatsgruppe"], about["År"]) == (
        "Børn og unge",
        "Brugere pr. 10.000",
        "brugere pr. 10.000 0-17-årige",
        "I alt (i_alt)",
        "2016–2017",
    )
    assert (
        about["Kommuner"].startswith("Kommunerne i Region Sjælland: Faxe, Greve, Guldborgsund")
        and "Befolkning" in about["Data"]
    )
    assert oct(xlsx.stat().st_mode & 0o777) == oct(
        csv.stat().st_mode & 0o777
    )  # both readable as the user's other files


def test_unit_costs_export_in_whole_kroner_for_a_peer_group(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "adults", "unit_cost", "i_alt"
    explorer.highlight.value, explorer.selection.value, explorer.prices.value = "265", "peers", "fixed"
    xlsx, csv = explorer.export_table()
    sheet = load_workbook(xlsx)["Enhedsudgift"]
    assert sheet["D2"].number_format == "#,##0" and sheet["D2"].value == round(sheet["D2"].value)
    assert (
        " - faste 2024-priser - Roskilde og sammenlignelige - " in csv.name and sheet.max_row == 8
    )  # Roskilde and its 5 peers, and their average
    first = csv.read_text(encoding="utf-8-sig").splitlines()[1].split(";")
    assert first[3].isdigit() and int(first[3]) == sheet["D2"].value  # '290062', not '290062,0'
    assert explorer.chart().to_dict()["title"].endswith("(voksne, kr. pr. bruger, faste 2024-priser)")


def test_without_a_highlight_the_chart_has_no_empty_layer(explorer):
    explorer.area.value, explorer.selection.value, explorer.highlight.value = "children", "region", ""
    explorer.figure.value, explorer.group.value, explorer.region.value = "expenditure_per_inhabitant", "i_alt", "085"
    layers = _layers(explorer.chart().to_dict())  # pointer, lines, average, names
    assert [layer["mark"]["type"] for layer, _ in layers] == ["point", "line", "line", "text"]
    assert all(rows for _, rows in layers)
    explorer.highlight.value = "259"
    layers = _layers(explorer.chart().to_dict())
    assert [layer["mark"]["type"] for layer, _ in layers] == ["point", "line", "line", "line", "text", "text"]
    assert all(rows for _, rows in layers)


def test_the_chart_is_shown_as_a_vega_lite_bundle_jupyterlab_draws_itself(explorer, monkeypatch):
    shown = []
    monkeypatch.setattr("helpers.reports.explorer.display", lambda *args, **kwargs: shown.append((args, kwargs)))
    explorer.refresh()
    (bundle,), options = shown[0]
    assert (
        set(bundle) == {"application/vnd.vegalite.v5+json", "text/plain"} and options["raw"]
    )  # not a script: survives a reload
    assert options["metadata"]["application/vnd.vegalite.v5+json"]["embed_options"]["formatLocale"]["decimal"] == ","


def test_average_line_is_the_regions_figure_or_sums_over_sums_of_the_shown(explorer):
    """Region: the mart's region figure (as the benchmark pages' average line); chosen municipalities: their summed
    expenditure over their summed users, worked by hand from the mart."""
    explorer.view.value, explorer.area.value, explorer.figure.value = "lines", "adults", "unit_cost"
    explorer.group.value, explorer.prices.value, explorer.highlight.value = "i_alt", "current", ""
    explorer.selection.value, explorer.region.value, explorer.years.value = "region", "085", (2020, 2024)
    region = query("""select year, unit_cost from mart_benchmark_region where code = '085' and area = 'adults'
                      and measure_group = 'i_alt' and year between 2020 and 2024 order by year""")
    assert explorer.average()["value"].tolist() == pytest.approx(region["unit_cost"].tolist())
    assert (
        explorer.average_label() == "Gennemsnit i Region Sjælland" and explorer.table().iloc[-1]["Kommunekode"] == "085"
    )
    roles = _line(explorer.chart().to_dict())["encoding"]["color"]["scale"]["domain"]
    assert roles[-1] == "Gennemsnit i Region Sjælland"  # named in the legend
    explorer.selection.value, explorer.chosen.value = "chosen", ("259", "253", "265")
    hand = query("""select year, sum(expenditure_kr) / sum(users) as pooled from mart_benchmark_municipality
                    where municipality_code in ('259', '253', '265') and area = 'adults' and measure_group = 'i_alt'
                    and year between 2020 and 2024 group by year order by year""")
    assert explorer.average()["value"].tolist() == pytest.approx(hand["pooled"].tolist())
    assert explorer.table().iloc[-1]["Kommune"] == "Gennemsnit for de viste kommuner"


def test_ranking_sorts_by_the_last_year_with_change_and_average(explorer):
    explorer.area.value, explorer.figure.value, explorer.group.value = "children", "expenditure_per_inhabitant", "i_alt"
    explorer.selection.value, explorer.region.value, explorer.highlight.value = "region", "085", "259"
    explorer.prices.value, explorer.years.value, explorer.view.value = "fixed", (2018, 2024), "ranking"
    ranking = explorer.ranking()
    municipalities, average = ranking.iloc[:-1], ranking.iloc[-1]
    assert len(municipalities) == 17 and municipalities["Rang"].tolist() == list(range(1, 18))
    assert municipalities["2024"].is_monotonic_decreasing and pd.isna(average["Rang"])
    koege = municipalities[municipalities["Kommune"] == "Køge"].iloc[0]
    assert koege["Ændring i %"] == pytest.approx(100 * (koege["2024"] / koege["2018"] - 1))
    region = query("""select expenditure_per_inhabitant_fixed from mart_benchmark_region where code = '085'
                      and area = 'children' and measure_group = 'i_alt' and year = 2024""").iloc[0, 0]
    assert average["2024"] == pytest.approx(region) and average["Kommune"] == "Gennemsnit i Region Sjælland"
    spec = explorer.chart().to_dict()
    assert spec["title"].startswith("Udgift pr. indbygger 2024: I alt") and spec["title"].endswith("rangeret")
    bars, _, rule = _layers(spec)
    assert bars[0]["mark"]["type"] == "bar" and bars[0]["encoding"]["y"]["sort"] == {
        "field": "value",
        "order": "descending",
    }
    assert rule[1][0]["line"] == "Gennemsnit i Region Sjælland" and rule[1][0]["value"] == pytest.approx(
        region, abs=0.01
    )
    assert "Køge (fremhævet)" in bars[0]["encoding"]["color"]["scale"]["domain"]
    html = explorer.shown_table().to_html()
    assert ">Ændring i %</th>" in html and ">Rang</th>" in html
    xlsx, csv = explorer.export_table()
    back = pd.read_csv(csv, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Kommunekode": str})
    assert list(back.columns) == ["Rang", "Kommunekode", "Kommune", "Enhed", "2018", "2024", "Ændring i %"]
    assert back["Enhed"].iloc[0] == "kr. pr. 0-22-årig, faste 2024-priser" and " - rangering - " in csv.name
    explorer.view.value = "lines"


def test_hidden_counts_follow_the_benchmark_pages_mask_with_their_reasons(explorer):
    """A complement (a count of 5 or more hidden so that a small one cannot be computed back) is hidden here as on the
    pages, and the note says why."""
    from helpers import data

    truth = data.key_figures("adults", 2017)
    complement = truth[(truth["protection"] == "complement")].iloc[0]
    explorer.view.value, explorer.area.value, explorer.figure.value = "lines", "adults", "users_per_10000"
    explorer.group.value, explorer.selection.value = complement["measure_group"], "chosen"
    explorer.chosen.value, explorer.years.value = (complement["municipality_code"],), (2017, 2017)
    assert explorer.frame().empty
    assert any(n.startswith(f"{complement['municipality_name']} 2017: skjult (..)") for n in explorer.notes())
    shown = data.key_figures("adults", 2017, region=complement["region_code"])
    shown = shown[(shown["measure_group"] == complement["measure_group"]) & shown["users_per_10000"].notna()]
    explorer.selection.value, explorer.region.value = "region", complement["region_code"]
    frame = explorer.frame()
    assert sorted(frame["code"]) == sorted(shown["municipality_code"])


def test_export_takes_a_text_path_and_says_where_or_why_not(explorer, tmp_path, monkeypatch):
    explorer.view.value, explorer.area.value, explorer.figure.value = "lines", "children", "unit_cost"
    explorer.selection.value, explorer.region.value = "region", "085"
    monkeypatch.chdir(tmp_path)
    explorer.folder.value = "mine eksporter"  # a relative folder typed as text, from the notebook's folder
    explorer.export.click()
    written = sorted(p.suffix for p in (tmp_path / "mine eksporter").iterdir())
    assert written == [".csv", ".xlsx"]
    assert explorer.message.value.startswith('<span class="helpers-export-done">Gemt: ')
    assert str(tmp_path / "mine eksporter") in explorer.message.value
    (tmp_path / "en fil").write_text("")
    explorer.folder.value = str(tmp_path / "en fil")  # a file where the folder should be: no export, a reason
    explorer.export.click()
    assert "helpers-export-failed" in explorer.message.value and "Ikke gemt" in explorer.message.value
    assert "en fil" in explorer.message.value
    assert Explorer.__init__.__annotations__["out_dir"] == "str | Path | None"


def test_a_stopped_kernel_shows_a_clear_message_instead_of_the_explorer(explorer, monkeypatch):
    shown = []
    monkeypatch.setattr("helpers.reports.explorer.display", lambda *args, **kwargs: shown.append(args[0]))
    explorer.show()
    message, widget = shown
    html = message.data
    assert "Udforskeren kører ikke" in html and "Run All" in html
    assert ".jp-OutputArea:has(.helpers-explorer) .helpers-explorer-stopped { display: none; }" in html
    assert "helpers-explorer" in widget._dom_classes
