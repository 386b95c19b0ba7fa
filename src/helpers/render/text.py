"""Reader text, written one way: Markdown. A section is a `##` heading with its explanation; text that is the same
for every parameter set is a markdown cell of the notebook, text that depends on the parameters or the figures comes
from the report module through these functions (docs/reader-text.md)."""

from __future__ import annotations

from IPython.display import Markdown


def section(heading: str, text: str = "") -> Markdown:
    """A section's heading (`##`, in the page's table of contents and naming its workbook sheets) and its explanation."""
    return Markdown(f"## {heading}\n\n{text}".rstrip())


def subsection(heading: str, text: str = "") -> Markdown:
    """A heading within a section (`###`) and its explanation."""
    return Markdown(f"### {heading}\n\n{text}".rstrip())


def paragraph(text: str) -> Markdown:
    """A paragraph of reader text (a finding, a note that there is nothing to show)."""
    return Markdown(text)
