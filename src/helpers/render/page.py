"""The pages' shared template and styles: header, navigation (back to the landing page, the reports a page mentions), a
table of contents that stays at hand on long pages, numbers right-aligned, a layout that fits a tablet in portrait, and
a print stylesheet (no menus, drop-downs or downloads; no figure or table split across pages)."""

from __future__ import annotations

import html
import re

STYLE = """
body { font-family: "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5rem auto; max-width: 72rem; color: #1d2733;
  line-height: 1.45; padding: 0 1rem; }
h1 { color: #0b4f6c; margin-top: .5rem; }
h2 { color: #0b4f6c; border-bottom: 1px solid #c9d6df; padding-bottom: .2rem; margin-top: 2rem; scroll-margin-top: 1rem; }
h3 { scroll-margin-top: 1rem; }
a.anchor-link { display: none; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border-bottom: 1px solid #dde5ea; padding: .25rem .6rem; text-align: left; vertical-align: top; }
td { font-variant-numeric: tabular-nums; }
.table-wrap { max-width: 100%; overflow-x: auto; }
table.benchmark-group td:not(:first-child), table.benchmark-group th:not(:first-child) { text-align: right; }
table.benchmark-group tr.summary td { font-weight: 600; background: #f3f7f9; }
tr.highlight td, td.highlight { font-weight: 700; background: #fff3c4; }
.params { background: #f3f7f9; padding: .6rem 1rem; border-radius: 4px; font-size: .9rem; }
nav.crumbs { font-size: .9rem; margin-bottom: .4rem; }
nav.crumbs a { color: #0b4f6c; }
nav.crumbs ul { display: inline; list-style: none; padding: 0; margin: 0; }
nav.crumbs li { display: inline; }
nav.crumbs li + li::before { content: " · "; color: #7a8791; }
nav.toc { background: #f8fafb; border-left: 3px solid #0b4f6c; padding: .4rem 1rem; margin: 1rem 0; }
nav.toc ol { margin: .3rem 0; padding-left: 1.4rem; }
nav.toc a[aria-current] { font-weight: 700; }
a.to-toc { position: fixed; right: 1rem; bottom: 1rem; background: #0b4f6c; color: #fff; padding: .45rem .8rem;
  border-radius: 4px; text-decoration: none; font-size: .9rem; box-shadow: 0 1px 4px rgba(0,0,0,.3); z-index: 10; }
.jp-OutputArea-output pre, pre { white-space: pre-wrap; }
figure.helpers-figure { margin: 1rem 0 2rem; max-width: 100%; overflow-x: auto; }
figcaption { font-size: .85rem; color: #44515e; }
figcaption ul.notes { margin: .3rem 0; padding-left: 1.2rem; }
a.download { display: inline-block; margin-top: .3rem; padding: .15rem .6rem; border: 1px solid #0b4f6c; border-radius: 3px;
  color: #0b4f6c; text-decoration: none; }
ul.conclusions li { margin: .3rem 0; }
.vega-bind { margin: .3rem 0; font-size: .9rem; }
details.group { margin: .4rem 0; }
details.group > summary { cursor: pointer; }
details.group > summary h3 { display: inline; font-size: 1.05rem; }
/* wide screens: the table of contents beside the page, always at hand */
@media (min-width: 75rem) {
  body { max-width: 92rem; }
  .layout { display: grid; grid-template-columns: 15rem minmax(0, 1fr); gap: 2rem; align-items: start; }
  .layout > nav.toc { position: sticky; top: 1rem; max-height: calc(100vh - 2rem); overflow-y: auto; margin: 0;
    font-size: .9rem; }
  a.to-toc { display: none; }
}
/* print: the content only, no figure or table split across pages */
@media print {
  @page { size: A4; margin: 15mm 12mm; }
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  .layout { display: block; }
  nav.crumbs, nav.toc, a.to-toc, a.download, .vega-bind, .vega-embed > details, .vega-actions, .finder,
    details#koerselslog, input, select, button { display: none !important; }
  figure, table, .table-wrap, .vega-embed, svg, ul.conclusions { break-inside: avoid; page-break-inside: avoid; }
  tr, td, th { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure.helpers-figure, .table-wrap { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  details.group > summary { list-style: none; }
}
"""

# Long pages: the section being read (the last heading above the upper third of the window) is marked in the table of
# contents; before printing, folded parts are opened so that the print holds the whole report (and closed again after).
SCRIPT = """<script>(function () {
  var links = {};
  document.querySelectorAll("nav.toc a[href^='#']").forEach(function (a) { links[decodeURIComponent(a.hash.slice(1))] = a; });
  var headings = Array.prototype.filter.call(document.querySelectorAll("main h2[id]"), function (h) { return links[h.id]; });
  var current = null, pending = false;
  var mark = function () {
    pending = false;
    var line = window.innerHeight * 0.3, here = null;
    headings.forEach(function (h) { if (h.getBoundingClientRect().top <= line) here = h; });
    if (here === current) return;
    if (current) links[current.id].removeAttribute("aria-current");
    if (here) links[here.id].setAttribute("aria-current", "location");
    current = here;
  };
  window.addEventListener("scroll", function () { if (!pending) { pending = true; requestAnimationFrame(mark); } });
  mark();
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("main details:not([open])"), function (d) {
      return d.id !== "koerselslog";
    });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); });
})();</script>"""

TEMPLATE = """<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}{extra_style}</style>
</head>
<body>
<header>
{crumbs}
<h1>{title}</h1>
<div class="params">{header}</div>
</header>
<div class="layout">
<nav class="toc" id="indhold" aria-label="Indhold"><strong>Indhold</strong><ol>{toc}</ol></nav>
<main>
{body}
</main>
</div>
<a class="to-toc" href="#indhold">Indhold ↑</a>
{script}
</body>
</html>
"""


def table_of_contents(body: str) -> str:
    """List items linking to every h2 of the body (nbconvert gives headings ids; the anchor links it adds are dropped)."""
    items = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)(?:<a class="anchor-link".*?)?</h2>', body, flags=re.S)
    return "".join(f'<li><a href="#{hid}">{re.sub("<[^>]+>", "", text).strip()}</a></li>' for hid, text in items)


def crumbs(home: str, related: list[tuple[str, str]]) -> str:
    """The navigation on top of a page: back to the landing page, then the reports the page mentions."""
    links = [f'<a href="{html.escape(home)}">← Alle rapporter</a>']
    if related:
        links.append(
            "Se også: "
            + ", ".join(f'<a href="{html.escape(href)}">{html.escape(label)}</a>' for label, href in related)
        )
    return '<nav class="crumbs" aria-label="Navigation"><ul>' + "".join(f"<li>{x}</li>" for x in links) + "</ul></nav>"


def page(
    title: str, header: str, body: str, toc: str | None = None, nav: str = "", extra_style: str = "", script: str = ""
) -> str:
    """A whole self-contained page: the title, the header box (what the page is about), navigation, the table of
    contents (default: the body's h2 headings), the body, the shared styles and scripts."""
    return TEMPLATE.format(
        title=html.escape(title),
        style=STYLE,
        extra_style=extra_style,
        crumbs=nav,
        header=header,
        toc=table_of_contents(body) if toc is None else toc,
        body=body,
        script=SCRIPT + script,
    )
