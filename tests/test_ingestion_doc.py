"""docs/ingestion.md holds every kind's columns with the names systems give them, and the whole message catalogue, as
the code has them: when a column, an alias or a message changes, this test prints the section to paste."""

from __future__ import annotations

from helpers import paths
from helpers.intake.kinds import KINDS, describe_columns
from helpers.intake.messages import CATALOGUE

DOC = paths.ROOT / "docs" / "ingestion.md"


def columns_section() -> str:
    """Per kind a table: column, required, mapping table, the names it may have."""
    out = []
    for kind in KINDS:
        out += [f"### {kind}", "", "| column | needed | mapped by | names in the files |", "|---|---|---|---|"]
        for c in describe_columns(kind):
            need = "required" if c["required"] else "a column, may be empty" if c["must_be_present"] else "optional"
            names = ", ".join(f"`{a}`" for a in c["aliases"]) or "-"
            out.append(f"| `{c['column']}` | {need} | {c['mapping'] or '-'} | {names} |")
        out.append("")
    return "\n".join(out)


def catalogue_section() -> str:
    """Every message code with its English and Danish sentence."""
    out = ["| code | English (command line, JSON) | Danish (reports) |", "|---|---|---|"]
    for code, (english, danish) in CATALOGUE.items():
        out.append(f"| `{code}` | {english.replace('|', '/')} | {danish.replace('|', '/')} |")
    return "\n".join(out)


def test_the_document_lists_every_kinds_columns_as_the_code_has_them():
    assert columns_section() in DOC.read_text(encoding="utf-8"), "paste into docs/ingestion.md:\n" + columns_section()


def test_the_document_lists_the_message_catalogue_as_the_code_has_it():
    assert catalogue_section() in DOC.read_text(encoding="utf-8"), (
        "paste into docs/ingestion.md:\n" + catalogue_section()
    )
