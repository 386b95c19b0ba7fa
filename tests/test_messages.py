"""The intake's messages: codes with parameters and one catalogue (English for the command line, Danish for readers);
no report translates an English sentence back."""

from __future__ import annotations

import ast
import string

import pytest

from helpers import paths
from helpers.intake import messages
from helpers.intake.messages import CATALOGUE, Message, msg, sentence

INTAKE = paths.ROOT / "src" / "helpers" / "intake"
DERIVED = {"columns_da", "area_da", "kind_da", "column_da"}  # Danish forms of parameters, made by the catalogue


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _codes_emitted() -> tuple[set[str], set[str]]:
    """The codes the package emits: the literal first arguments of msg() and Message() calls; and every string literal
    outside the catalogue that names a code (a parser passes its code on)."""
    called, literals = set(), set()
    for path in (paths.ROOT / "src" / "helpers").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("msg", "Message")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                called.add(node.args[0].value)
            if path.name != "messages.py" and isinstance(node, ast.Constant) and node.value in CATALOGUE:
                literals.add(node.value)
    return called, literals


def test_every_code_has_an_english_and_a_danish_sentence_with_the_same_parameters():
    for code, (english, danish) in CATALOGUE.items():
        assert english and danish, code
        base = {f.removesuffix("_da") if f in DERIVED else f for f in _fields(danish)}
        assert base == _fields(english) or base <= _fields(english), code
        assert danish != english, code


def test_every_emitted_code_is_in_the_catalogue_and_every_catalogued_code_is_emitted():
    called, literals = _codes_emitted()
    assert called - set(CATALOGUE) == set()
    assert set(CATALOGUE) - called - literals == set(), "a catalogue entry nobody emits"


def test_an_unknown_code_fails_loudly():
    with pytest.raises(KeyError):
        msg("no_such_code")


@pytest.mark.parametrize(
    ("message", "english", "danish"),
    [
        (
            msg("unit_not_money", value="uge"),
            "a unit that cannot become money: 'uge'",
            "enheden uge kan ikke omregnes til kroner pr. dag eller måned",
        ),
        (
            msg("duplicate_key", line="7563", columns=["municipality_code", "function", "account_group", "year"]),
            "duplicate of line 7563 (same municipality_code, function, account_group, year)",
            "rækken er en dublet af linje 7563 (samme kommunekode, funktion, gruppering og år)",
        ),
        (
            msg("end_before_start", end="30.04.2022", start="30.04.2023"),
            "stop date 30.04.2022 before start date 30.04.2023",
            "slutdatoen 30.04.2022 ligger før startdatoen 30.04.2023",
        ),
        (
            msg("unknown_measure_group", area="adults"),
            "unknown measure group for area adults",
            "indsatsgruppen hører ikke til området voksne",
        ),
        (
            msg("missing_columns", kind="cases", missing=["measure", "rate_unit_or_named_rate"], header=["cpr", "x"]),
            "missing required column(s) for kind cases: measure, rate_unit (or a rate named per day or per month) "
            "(found: cpr, x)",
            "udtrækket (sager (øjebliksbilleder)) mangler kolonnen/kolonnerne indsats, takstenhed (eller en takst hvis "
            "navn siger pr. dag eller pr. måned) (fundet: cpr, x)",
        ),
    ],
)
def test_messages_in_both_languages_hand_worked(message, english, danish):
    assert message.english() == english and message.danish() == danish


def test_several_reasons_make_one_danish_sentence():
    reasons = [msg("negative_amount", value="-9.688,73").danish(), msg("missing_value").danish()]
    assert sentence(reasons) == "Beløbet -9.688,73 er negativt; en påkrævet værdi mangler."


def test_the_data_quality_report_translates_nothing_back():
    from helpers.reports import data_quality

    source = (paths.ROOT / "src" / "helpers" / "reports" / "data_quality.py").read_text(encoding="utf-8")
    assert not hasattr(data_quality, "REASONS") and "re.fullmatch" not in source


def test_the_warehouse_keeps_the_codes_and_the_danish_reason_of_every_quarantined_row(con):
    rows = con.execute("select codes, reason, reason_da from stg_ingest__quarantine").fetchall()
    assert rows
    for codes, reason, reason_da in rows:
        assert set(codes.split(",")) <= set(CATALOGUE)
        assert reason_da[0].isupper() and reason_da.endswith(".") and reason_da != reason
    descriptions = [r[0] for r in con.execute("select description from int_check_quarantined_rows").fetchall()]
    english = [english.split("{")[0] for english, _ in CATALOGUE.values() if len(english.split("{")[0]) > 8]
    assert not [d for d in descriptions if any(e in d for e in english)]


def test_a_message_pickles_and_is_plain_data():
    import pickle

    message = msg("too_many_fields", fields=10, width=9)
    assert pickle.loads(pickle.dumps(message)) == message and message.as_dict() == {
        "code": "too_many_fields",
        "params": {"fields": 10, "width": 9},
    }
    assert isinstance(messages.ExtractError("x.csv", message).message, Message)
