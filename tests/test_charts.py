"""Charts draw offline in headless chromium with Danish number formats."""

from __future__ import annotations

import subprocess

import altair as alt
import pandas as pd
import pytest

from conftest import page_charts, unpack

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
    assert page_charts(second)[0]["spec"]["datasets"] == chart.to_dict()["datasets"]  # the data sets travel packed, unchanged


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
        assert list(rows.columns) == ["Navn", "Værdi"] and rows["Værdi"].iloc[0] == 1706.46 and pd.isna(rows["Værdi"].iloc[1])
    assert len(own["spec"]["datasets"]) == 1  # the CSV's rows are not added to the chart


@pytest.mark.browser
def test_chart_draws_offline_with_danish_axis(tmp_path, chromium):
    frame = pd.DataFrame({"kommune": ["Køge", "Greve"], "udgift": [1706.5, 2_000_000.0]})
    chart = alt.Chart(frame, title="Udgift").mark_bar().encode(x=alt.X("kommune:N", title="Kommune"),
                                                                y=alt.Y("udgift:Q", title="Kr.", axis=alt.Axis(format=",.0f")))
    page = tmp_path / "chart.html"
    page.write_text(f'<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"></head><body>'
                    f"{charts.chart_html(chart.to_dict(), include_bundle=True)}</body></html>", encoding="utf-8")
    dom = subprocess.run([*chromium, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert "<svg" in dom and "mark-rect" in dom, "the chart did not draw"
    assert "2.000.000" in dom  # Danish thousands separator on the axis


def test_report_imports_build_no_iri_parsers():
    """jsonschema's optional rfc3987_syntax builds Earley parsers at import (1.2 s per kernel); helpers marks it missing."""
    import sys

    code = ("import sys; import helpers.reports.benchmark, altair, jsonschema; "
            "print('lark' in sys.modules, sys.modules.get('rfc3987_syntax') is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]
