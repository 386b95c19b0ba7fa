"""Altair charts that draw offline: the Vega bundle once per page, Danish number and date formats.

Altair's default renderer loads Vega from a CDN (blank offline); this renderer emits the bundle that
vl-convert ships once per kernel (so once per rendered report) and, per chart, a div and a vegaEmbed call.
"""

from __future__ import annotations

import json
from functools import cache
from itertools import count

import altair as alt
import vl_convert as vlc

RENDERER = "helpers_offline"
EMBED_OPTIONS = {
    "formatLocale": vlc.get_format_locale("da-DK"),
    "timeFormatLocale": vlc.get_time_format_locale("da-DK"),
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
}
_ids = count(1)
_bundle_sent = False


@cache
def bundle() -> str:
    """Vega, Vega-Lite and Vega-Embed as one script (sets window.vegaEmbed), matching Altair's Vega-Lite."""
    return vlc.javascript_bundle(vl_version=alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0])


def chart_html(spec: dict, include_bundle: bool) -> str:
    """A div and the script that embeds `spec` in it (with the bundle first, if asked)."""
    div = f"helpers-chart-{next(_ids)}"
    script = f'<script>vegaEmbed("#{div}", {json.dumps(spec)}, {json.dumps(EMBED_OPTIONS)});</script>'
    head = f"<script>{bundle()}</script>" if include_bundle else ""
    return f'{head}<div id="{div}" class="helpers-chart"></div>{script}'


def _render(spec: dict, **_: object) -> dict:
    """Altair renderer: the bundle with the first chart of the kernel, then only div + call."""
    global _bundle_sent
    html = chart_html(spec, include_bundle=not _bundle_sent)
    _bundle_sent = True
    return {"text/html": html}


def enable() -> None:
    """Use the offline renderer and Danish formats for every chart from here on (call once per notebook)."""
    alt.renderers.register(RENDERER, _render)
    alt.renderers.enable(RENDERER)
    alt.data_transformers.disable_max_rows()  # data is aggregated in DuckDB before it is charted
