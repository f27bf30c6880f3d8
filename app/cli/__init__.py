"""`lifeboat` console script: one subcommand group per module, each registering itself.

Logs go to stderr; what a script needs (a token, a JSON document) goes to stdout.
"""

import argparse
import json
import logging
import sys
from typing import NoReturn

from app.cli import admin, backup, catalog, keys, restore, server, verify

# Each module adds its subcommands and sets `run` (args → exit code) on each parser.
GROUPS = [admin, keys, server, backup, restore, verify, catalog]


class _Parser(argparse.ArgumentParser):
    """argparse, but with --json a usage error is also the one JSON document on stdout."""

    wants_json = False

    def error(self, message: str) -> NoReturn:
        if _Parser.wants_json:
            document = {"error": {"code": "BAD_USAGE", "message": message}}
            sys.stdout.write(json.dumps(document) + "\n")
        super().error(message)  # usage on stderr, exit 2


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lifeboat")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
    _Parser.wants_json = "--json" in (sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
