"""Charts draw offline in headless chromium with Danish number formats."""

from __future__ import annotations

import subprocess
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from conftest import drawn_charts, page_charts, unpack
from helpers.render import charts


def test_bundle_once_then_only_div_and_call():
    charts.enable()
    chart = alt.Chart(pd.DataFrame({"x": ["a"], "y": [1706.5]})).mark_bar().encode(x="x", y="y")
    first = chart._repr_mimebundle_()["text/html"]
    second = chart._repr_mimebundle_()["text/html"]
    assert charts.LOADER_MARK in first and len(first) > 300_000
    assert charts.LOADER_MARK not in second and len(second) < 20_000
    assert first.count('class="helpers-chart"') == second.count('class="helpers-chart"') == 1
    assert "cdn" not in second.lower()
    assert (
        page_charts(second)[0]["spec"]["datasets"] == chart.to_dict()["datasets"]
    )  # the data sets travel packed, unchanged


def test_bundle_is_packed_vega_and_read_from_the_cache(monkeypatch):
    packed = charts.bundle()
    assert "window.vegaEmbed=" in unpack(packed) and len(packed) < 0.6 * len(unpack(packed))
    charts.bundle.cache_clear()

    def build_again(**_):
        raise AssertionError("the bundle was built again instead of read from the cache")

    monkeypatch.setattr(charts.vlc, "javascript_bundle", build_again)
    assert charts.bundle() == packed


def test_csv_link_shares_the_charts_rows_or_carries_its_own():
    frame = pd.DataFrame({"name": ["Køge", "Greve"], "value": [1706.456, None]})
    same = charts.Figure(alt.Chart(charts.rounded(frame)).mark_bar().encode(x="value:Q", y="name:N"), frame, "a.csv")
    other = charts.Figure(alt.Chart(frame.assign(value=1.0)).mark_bar().encode(x="value:Q", y="name:N"), frame, "b.csv")
    (shared,), (own,) = page_charts(same.html()), page_charts(other.html())
    assert shared["csv"]["shared"] and not own["csv"]["shared"]
    for found in (shared, own):
        rows = found["csv"]["rows"]
        assert (
            list(rows.columns) == ["Navn", "Værdi"]
            and rows["Værdi"].iloc[0] == 1706.46
            and pd.isna(rows["Værdi"].iloc[1])
        )
    assert len(own["spec"]["datasets"]) == 1  # the CSV's rows are not added to the chart


@pytest.mark.browser
def test_chart_draws_offline_with_danish_axis(tmp_path, browser):
    frame = pd.DataFrame({"kommune": ["Køge", "Greve"], "udgift": [1706.5, 2_000_000.0]})
    chart = (
        alt.Chart(frame, title="Udgift")
        .mark_bar()
        .encode(x=alt.X("kommune:N", title="Kommune"), y=alt.Y("udgift:Q", title="Kr.", axis=alt.Axis(format=",.0f")))
    )
    page = tmp_path / "chart.html"
    page.write_text(
        f'<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"></head><body>'
        f"{charts.chart_html(chart.to_dict(), include_bundle=True)}</body></html>",
        encoding="utf-8",
    )
    dom, _ = drawn_charts(browser, page)
    assert "<svg" in dom and "mark-rect" in dom, "the chart did not draw"
    assert "2.000.000" in dom  # Danish thousands separator on the axis


def test_report_imports_build_no_iri_parsers():
    """jsonschema's optional rfc3987_syntax builds Earley parsers at import (1.2 s per kernel); helpers marks it missing."""
    import sys

    code = (
        "import sys; import helpers.reports.benchmark, altair, jsonschema; "
        "print('lark' in sys.modules, sys.modules.get('rfc3987_syntax') is None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_the_test_processes_build_no_iri_parsers_either():
    """pyproject's `-p helpers` imports the package before the plugins (nbval imports nbformat, hence jsonschema)."""
    import sys

    assert "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
    assert "lark" not in sys.modules


# -- colours with one meaning (issue 16): a region's colour, a reference line's style, the same in every chart and report ---


def _wcag_contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two hex colours (1 to 21; 3 is the minimum for graphics)."""

    def luminance(colour: str) -> float:
        rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    dark, light = sorted((luminance(a), luminance(b)))
    return (light + 0.05) / (dark + 0.05)


def _units(spec: dict) -> list[dict]:
    """The unit specs (one mark each) of a chart, in drawing order."""
    return [u for layer in spec.get("layer", [spec]) for u in (_units(layer) if "layer" in layer else [layer])]


def _mark(unit: dict) -> tuple[str, dict]:
    mark = unit["mark"]
    return (mark, {}) if isinstance(mark, str) else (mark["type"], mark)


def _scale(encoding: dict) -> dict:
    scale = encoding.get("scale", {})
    assert "domain" in scale and len(scale["domain"]) == len(scale.get("range", [])), (
        f"colours depend on the data: {encoding}"
    )
    return dict(zip(scale["domain"], [tuple(r) if isinstance(r, list) else r for r in scale["range"]]))


def _fills(unit: dict) -> list[str]:
    """The colours a mark is filled with: its own, a condition's two, or its colour scale's."""
    colour = unit.get("encoding", {}).get("color")
    if colour is None:
        return [_mark(unit)[1]["color"]]
    if "condition" in colour:
        return [colour["condition"]["value"], colour["value"]]
    return list(_scale(colour).values())


def _solid(dash) -> tuple:
    return () if not dash or tuple(dash) == (1, 0) else tuple(dash)


REFERENCE_FIELDS = ("line", "level", "mark")  # the fields that name reference lines and marks in the benchmark's charts


@pytest.fixture(scope="module")
def benchmark_pages(every_report) -> dict[tuple[str, str], list[dict]]:
    """The batch run's benchmark reports, each chart's spec by (area, region); Region Sjælland's children's report and
    the whole country's adults' report among them."""
    return {
        (r.params["area"], r.params["region"]): [
            c["spec"] for c in page_charts(Path(r.path).read_text(encoding="utf-8"))
        ]
        for r in every_report[1]
        if r.report == "benchmark"
    }


def _region_colours(specs: list[dict]) -> list[dict]:
    """Each chart's colours by region code (colour encodings of the field `code`)."""
    return [
        _scale(u["encoding"]["color"])
        for spec in specs
        for u in _units(spec)
        if u.get("encoding", {}).get("color", {}).get("field") == "code"
    ]


def _reference_styles(specs: list[dict]) -> dict[str, set]:
    """Every reference line and mark drawn, by its legend name: the set of (colour, dash) it is drawn in."""
    found: dict[str, set] = {}
    for spec in specs:
        for unit in _units(spec):
            kind, props = _mark(unit)
            colour = unit.get("encoding", {}).get("color", {})
            if kind in ("rule", "line", "tick") and colour.get("field") in REFERENCE_FIELDS:
                dash = unit["encoding"].get("strokeDash")
                dashes = _scale(dash) if dash else {}
                for meaning, hexcolour in _scale(colour).items():
                    found.setdefault(meaning, set()).add(
                        (hexcolour.lower(), _solid(dashes.get(meaning, props.get("strokeDash"))))
                    )
    return found


def test_every_region_has_one_colour_in_every_chart_of_every_report(benchmark_pages):
    from helpers import labels

    every = [labels.COUNTRY_CODE, *labels.REGION_CODES]
    maps = {key: _region_colours(specs) for key, specs in benchmark_pages.items()}
    assert all(len(found) >= 2 for found in maps.values()), (
        "the index chart and the development lines colour the regions"
    )
    first = next(iter(maps.values()))[0]
    for key, found in maps.items():
        for colours in found:
            assert sorted(colours) == sorted(every), (
                f"{key}: a fixed domain of every region and the country, got {sorted(colours)}"
            )
            assert colours == first, f"{key}: a region changed colour: {colours} against {first}"
    assert len(set(first.values())) == len(every), "two regions share a colour"
    for (
        area,
        region,
    ), specs in benchmark_pages.items():  # the funnel's own dots in the region's (or the country's) colour
        funnel = [
            u["encoding"]["color"]
            for s in specs
            for u in _units(s)
            if u.get("encoding", {}).get("color", {}).get("field") == "where"
        ]
        assert len(funnel) == 1
        own = [c for w, c in _scale(funnel[0]).items() if w != charts.OTHER_MUNICIPALITIES]
        assert own == [first[region]], f"{area}/{region}: the region's municipalities not in the region's colour"
    bars = {
        _mark(u)[1].get("color")
        for specs in benchmark_pages.values()
        for s in specs
        for u in _units(s)
        if _mark(u)[0] == "bar"
    } - {None}
    assert bars and not bars & set(first.values()), "a region has the bars' colour"


def test_each_reference_line_has_one_style_in_every_report_distinct_from_the_others(benchmark_pages):
    from helpers import labels

    styles = _reference_styles([s for specs in benchmark_pages.values() for s in specs])
    for meaning, drawn in styles.items():
        assert len(drawn) == 1, f"{meaning!r} is drawn in {len(drawn)} styles: {drawn}"
    one = {meaning: next(iter(drawn)) for meaning, drawn in styles.items()}
    assert len(set(one.values())) == len(one), f"two meanings share a style: {one}"
    regional = _reference_styles(
        [s for (_, r), specs in benchmark_pages.items() if r != labels.COUNTRY_CODE for s in specs]
    )
    country = _reference_styles(
        [s for (_, r), specs in benchmark_pages.items() if r == labels.COUNTRY_CODE for s in specs]
    )
    assert {"Gennemsnit i regionen", "Landsgennemsnit", "Højeste", "Laveste", "Gns. sammenlignelige kommuner"} <= set(
        regional
    )
    assert {"Landsgennemsnit", "Højeste", "Laveste", "Gns. sammenlignelige kommuner"} <= set(country)
    assert (
        "Gennemsnit i regionen" not in country
    )  # the whole country's average is the country's, in the country's style
    colours = _region_colours(next(iter(benchmark_pages.values())))[0]
    assert one["Landsgennemsnit"][0] == colours[labels.COUNTRY_CODE].lower() and one["Landsgennemsnit"][1], (
        "the country average: dashed, in the country's colour"
    )
    for specs in benchmark_pages.values():  # the country as a line (index 100, its series) is dashed like its average
        country_lines = [
            tuple(_mark(u)[1]["strokeDash"])
            for s in specs
            for u in _units(s)
            if _mark(u)[0] == "rule"
            and "strokeDash" in _mark(u)[1]
            and u["encoding"].get("color", {}).get("field") == "code"
        ]
        country_lines += [
            tuple(u["encoding"]["strokeDash"]["condition"]["value"])
            for s in specs
            for u in _units(s)
            if labels.COUNTRY_CODE
            in str(u.get("encoding", {}).get("strokeDash", {}).get("condition", {}).get("test", ""))
        ]
        assert len(country_lines) == 2 and set(country_lines) == {one["Landsgennemsnit"][1]}


def test_every_reference_line_has_a_legend_entry_and_shows_on_the_bars(benchmark_pages):
    checked = 0
    for specs in benchmark_pages.values():
        for spec in specs:
            units = _units(spec)
            bars = [c for u in units if _mark(u)[0] == "bar" for c in _fills(u)]
            for n, unit in enumerate(units):
                kind, props = _mark(unit)
                encoding = unit.get("encoding", {})
                if kind not in ("rule", "line", "tick"):
                    continue
                if props.get("color", "").lower() == "#ffffff":  # a halo under a line, no line of its own
                    assert any(_mark(u)[0] == kind and "color" in u.get("encoding", {}) for u in units[n + 1 :])
                    continue
                colour = encoding.get("color", {})
                assert colour.get("field") and colour.get("legend", {}) is not None, (
                    f"{spec['title']}: a {kind} without a legend entry"
                )
                if (
                    "strokeDash" in encoding and "field" in encoding["strokeDash"]
                ):  # dashes tell lines apart: in the same legend
                    assert encoding["strokeDash"].get("legend", {}) is not None and encoding["strokeDash"].get(
                        "title"
                    ) == colour.get("title")
                if colour["field"] in REFERENCE_FIELDS and bars:
                    for line in _scale(colour).values():
                        for bar in bars:
                            assert _wcag_contrast(line, bar) >= 3, (
                                f"{spec['title']}: {line} on {bar} contrast {_wcag_contrast(line, bar):.2f}"
                            )
                    if kind == "rule":  # a white halo under every line that crosses the bars
                        assert any(
                            _mark(u)[0] == "rule"
                            and _mark(u)[1].get("color", "").lower() == "#ffffff"
                            and _mark(u)[1].get("strokeWidth", 0) > props.get("strokeWidth", 2.5)
                            for u in units[:n]
                        )
                    checked += 1
    assert checked >= 2 * 4  # each report's three municipal bars and its decomposition at least


def test_wcag_contrast_matches_the_standard_examples():
    assert round(_wcag_contrast("#000000", "#ffffff"), 1) == 21.0 and _wcag_contrast("#777777", "#777777") == 1.0
    assert round(_wcag_contrast("#767676", "#ffffff"), 2) == 4.54  # the classic AA grey
