"""The one CLI: every command has --help, user mistakes are one line on stderr with exit 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import helpers_cli
from helpers.cli import build_parser


def _python_m(*args: str) -> subprocess.CompletedProcess:
    """`python -m helpers ARGS` as a process of its own: the entry point itself (the other tests call its main())."""
    return subprocess.run([sys.executable, "-m", "helpers", *args], capture_output=True, text=True, timeout=300)


def _commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command):
    out = helpers_cli(command, "--help")
    assert out.returncode == 0 and "usage: python -m helpers " + command in out.stdout


def test_unknown_command_and_bad_arguments_fail_cleanly():
    out = _python_m("nonsense")
    assert out.returncode == 2 and "invalid choice" in out.stderr and "Traceback" not in out.stderr
    out = _python_m("ingest", "--kind", "nonsense", "--file", "x.csv")
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_build_without_sample_is_one_clear_line(tmp_path):
    import os

    env = dict(os.environ, HELPERS_DATA_DIR=str(tmp_path))
    out = helpers_cli("build", env=env)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "no sample data" in out.stderr and "Traceback" not in out.stderr


def test_lab_works_on_copies_and_keeps_the_analysts_own(tmp_path):
    from helpers import paths
    from helpers.cli import lab_copies

    tracked = sorted(p.name for p in (paths.ROOT / "notebooks").glob("*.ipynb"))
    assert lab_copies(tmp_path) == [f"copied {name}" for name in tracked]
    (tmp_path / "explore.ipynb").write_text("the analyst's work", encoding="utf-8")
    assert (
        lab_copies(tmp_path) == [] and (tmp_path / "explore.ipynb").read_text(encoding="utf-8") == "the analyst's work"
    )


def test_docs_cli_names_every_command_and_option():
    """docs/cli.md is the reference the README points to: every command has its section, every option its mention."""
    from helpers import paths

    doc = (paths.ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    commands = next(a for a in build_parser()._actions if a.dest == "command").choices
    for name, parser in commands.items():
        assert f"### `{name}`" in doc, f"docs/cli.md has no section for {name}"
        section = doc.split(f"### `{name}`", 1)[1].split("\n### ", 1)[0]
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in section, f"docs/cli.md: {name} {option} is not named"
