"""Running one API command: its session, its output, and the exit status it ends with.

Exit statuses (DESIGN.md "Clients"): 0 done, 1 the job failed, 2 bad usage, 3 the API refused
(auth, input, not found), 4 the API unreachable or a server error, 130 interrupted (a job being
followed goes on).
"""

import argparse
import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.cli.api import Api, ApiError, Endpoint
from app.cli.output import Output

DONE = 0
JOB_FAILED = 1
BAD_USAGE = 2
INTERRUPTED = 130


class UsageError(Exception):
    """The command line asks for something that cannot be done as asked (exit 2)."""


@dataclass
class Command:
    api: Api
    output: Output
    # How to look at the job --wait follows, so an interruption can say so.
    following: str | None = None


Work = Callable[[Command], Awaitable[int]]


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout (for scripts)"
    )


def run(args: argparse.Namespace, work: Work) -> int:
    """Run `work` against the API from LIFEBOAT_URL / LIFEBOAT_TOKEN; its exit status."""
    for chatty in ("httpx", "gql", "websockets"):  # one INFO line per request is noise here
        logging.getLogger(chatty).setLevel(logging.WARNING)
    output = Output(args.json)
    command = Command(Api(Endpoint.from_env()), output)
    try:
        return asyncio.run(_run(command, work))
    except UsageError as error:
        output.error("BAD_USAGE", str(error))
        return BAD_USAGE
    except ApiError as error:
        output.error(error.code, error.message)
        return error.exit_code
    except KeyboardInterrupt:
        going_on = f"; the job goes on (see: {command.following})" if command.following else ""
        output.error("INTERRUPTED", f"interrupted{going_on}")
        return INTERRUPTED


async def _run(command: Command, work: Work) -> int:
    async with command.api:
        return await work(command)
