"""The one command line, `python -m helpers <command>`, over the functions notebooks call."""

from __future__ import annotations

import argparse
import sys


class UserError(Exception):
    """A mistake by the user (bad path, bad value): printed as one line, exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
