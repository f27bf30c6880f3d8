"""Running one API command: its session, its output, and the exit status it ends with.

Exit statuses (DESIGN.md "Clients"): 0 done, 1 the job failed, 2 bad usage, 3 the API refused
(auth, input, not found), 4 the API unreachable or a server error, 130 interrupted (a job being
followed goes on).
"""

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from app.cli.api import Api, ApiError, Endpoint
from app.cli.output import Output

DONE = 0
JOB_FAILED = 1
BAD_USAGE = 2
INTERRUPTED = 130
# After Ctrl-C the command is gone within this, cleaned up or not. asyncio cancels the work, but
# closing a cancelled subscription may wait on the server (a full test run once saw a command
# still there 60 s after SIGINT), and the job being followed goes on whatever the command does.
INTERRUPT_GRACE_SECONDS = 3.0


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
    interruption = _Interruption(command)
    try:
        return asyncio.run(_run(command, work, interruption))
    except UsageError as error:
        output.error("BAD_USAGE", str(error))
        return BAD_USAGE
    except ApiError as error:
        output.error(error.code, error.message)
        return error.exit_code
    except KeyboardInterrupt:
        interruption.say()
        return INTERRUPTED
    finally:
        interruption.disarm()


async def _run(command: Command, work: Work, interruption: "_Interruption") -> int:
    # asyncio.run has put in its SIGINT handler (cancel the work) by now: wrap it, and put it back.
    asyncio_handler = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, interruption.wrap(asyncio_handler))
    try:
        async with command.api:
            return await work(command)
    finally:
        signal.signal(signal.SIGINT, asyncio_handler)


class _Interruption:
    """Ctrl-C: asyncio cancels the work; if that has not ended the command within
    INTERRUPT_GRACE_SECONDS, the command exits 130 anyway."""

    def __init__(self, command: Command) -> None:
        self._command = command
        self._said = threading.Lock()
        self._deadlines: list[threading.Timer] = []

    def wrap(self, asyncio_handler: Any) -> Callable[[int, FrameType | None], None]:
        def on_interrupt(signum: int, frame: FrameType | None) -> None:
            deadline = threading.Timer(INTERRUPT_GRACE_SECONDS, self._leave_now)
            deadline.daemon = True
            self._deadlines.append(deadline)
            deadline.start()
            if callable(asyncio_handler):
                asyncio_handler(signum, frame)
            else:
                raise KeyboardInterrupt

        return on_interrupt

    def say(self) -> None:
        """The interruption's error, once (the main thread or the deadline, whichever is first)."""
        if self._said.acquire(blocking=False):
            following = self._command.following
            going_on = f"; the job goes on (see: {following})" if following else ""
            self._command.output.error("INTERRUPTED", f"interrupted{going_on}")

    def disarm(self) -> None:
        for deadline in self._deadlines:
            deadline.cancel()

    def _leave_now(self) -> None:
        self.say()
        self._command.output.err.show_cursor(True)  # a progress bar may have hidden it
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(INTERRUPTED)
