"""`lifeboat` console script: one subcommand group per module, each registering itself.

Logs go to stderr; what a script needs (a token, a JSON document) goes to stdout.
"""

import argparse
import logging
import sys

from app.cli import admin, keys, server

# Each module adds its subcommands and sets `run` (args → exit code) on each parser.
GROUPS = [admin, keys, server]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lifeboat")
    commands = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(commands)
    return parser


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(levelname)s %(message)s")
    args = _parser().parse_args(argv)
    sys.exit(args.run(args))


if __name__ == "__main__":
    main()
