"""Charts draw offline in headless chromium with Danish number formats."""

from __future__ import annotations

import subprocess

import altair as alt
import pandas as pd
import pytest

from helpers.render import charts


def test_bundle_once_then_only_div_and_call():
    charts.enable()
    chart = alt.Chart(pd.DataFrame({"x": ["a"], "y": [1706.5]})).mark_bar().encode(x="x", y="y")
    first = chart._repr_mimebundle_()["text/html"]
    second = chart._repr_mimebundle_()["text/html"]
    assert "window.vegaEmbed=" in first and len(first) > 500_000
    assert "window.vegaEmbed=" not in second and len(second) < 20_000
    assert first.count('class="helpers-chart"') == second.count('class="helpers-chart"') == 1
    assert "cdn" not in second.lower()


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
