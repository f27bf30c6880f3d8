"""--wait: follow a job over its subscription (or, without one, by asking for it each second),
with a progress bar on a terminal.

On a terminal, a rich progress bar on stderr; otherwise one plain line on stderr per change
(step, percent, table), which reads well in CI logs. A dropped connection is picked up again
(the subscription starts with the job's state now, so nothing is lost); the API refusing is not.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from rich.progress import BarColumn, Progress, TaskID, TextColumn

from app.cli.api import REFUSED, ApiError
from app.cli.command import Command

# Pauses before subscribing again after the connection dropped; then the command gives up.
RECONNECT_SECONDS = (1, 2, 4, 8, 15)
# How often poll() asks for a job that no subscription follows (a drill: backupProgress ends
# with the backup's own creation, and a drill's steps last seconds to minutes).
POLL_SECONDS = 1.0


def describe(progress: dict[str, Any] | None) -> str:
    """`load 42.0% public.meals 3/7 tables eta 12s`, from a JobProgress."""
    progress = progress or {}
    parts = [str(progress.get("step") or "")]
    if progress.get("percent") is not None:
        parts.append(f"{progress['percent']:.1f}%")
    if progress.get("currentTable"):
        parts.append(str(progress["currentTable"]))
    if progress.get("tablesTotal"):
        parts.append(f"{progress.get('tablesDone') or 0}/{progress['tablesTotal']} tables")
    if progress.get("etaSeconds") is not None:
        parts.append(f"eta {progress['etaSeconds']:.0f}s")
    return " ".join(part for part in parts if part)


class _Bar:
    def __init__(self, command: Command, label: str) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[detail]}"),
            console=command.output.err,
        )
        self._task: TaskID = self._progress.add_task(label, total=100, detail="")
        self._label = label
        self._progress.start()

    def show(self, state: dict[str, Any]) -> None:
        progress = state.get("progress") or {}
        self._progress.update(
            self._task,
            completed=progress.get("percent") or 0,
            description=f"{self._label} {state['status'].lower()}",
            detail=describe(progress),
        )

    def close(self) -> None:
        self._progress.stop()


class _Lines:
    def __init__(self, command: Command, label: str) -> None:
        self._err = command.output.err
        self._label = label
        self._last = ""

    def show(self, state: dict[str, Any]) -> None:
        line = f"{self._label} {state['status'].lower()} {describe(state.get('progress'))}"
        if line != self._last:
            stamp = datetime.now().strftime("%H:%M:%S")
            self._err.print(f"{stamp} {line}", markup=False, highlight=False, soft_wrap=True)
            self._last = line

    def close(self) -> None:
        pass


async def follow(
    command: Command,
    label: str,
    document: str,
    field: str,
    variables: dict[str, Any],
    finished: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """Follow a subscription to the job's final state, showing each change; returns it."""
    view = _Bar(command, label) if command.output.err.is_terminal else _Lines(command, label)
    last: dict[str, Any] | None = None
    attempt = 0
    try:
        while True:
            try:
                async for data in command.api.subscribe(document, **variables):
                    last = data[field]
                    attempt = 0
                    view.show(last)
                if last is not None and finished(last):
                    return last
                raise ApiError("UNREACHABLE", "the subscription ended early", 4)
            except ApiError as error:
                attempt = await _back_off(command, error, attempt, "following again")
    finally:
        view.close()


async def _back_off(command: Command, error: ApiError, attempt: int, again: str) -> int:
    """After a dropped connection: re-raise a refusal or a failure past the last retry, else
    say so, wait this attempt's delay and return the next attempt's number."""
    if error.exit_code == REFUSED or attempt >= len(RECONNECT_SECONDS):
        raise error
    command.output.note(f"[dim]{error.message}; {again}…[/]")
    await asyncio.sleep(RECONNECT_SECONDS[attempt])
    return attempt + 1


async def poll(
    command: Command,
    label: str,
    fetch: Callable[[], Awaitable[dict[str, Any]]],
    job: Callable[[dict[str, Any]], dict[str, Any]],
    finished: Callable[[dict[str, Any]], bool],
    interval: float = POLL_SECONDS,
) -> dict[str, Any]:
    """Follow a job that has no subscription by asking for it every `interval` seconds.

    `fetch()` returns the object; `job(object)` the part with `status` and `progress` that the
    bar shows. Returns the object in its final state. A dropped connection is retried as in
    follow(); the API refusing is not."""
    view = _Bar(command, label) if command.output.err.is_terminal else _Lines(command, label)
    attempt = 0
    try:
        while True:
            try:
                state = await fetch()
            except ApiError as error:
                attempt = await _back_off(command, error, attempt, "asking again")
                continue
            attempt = 0
            view.show(job(state))
            if finished(state):
                return state
            await asyncio.sleep(interval)
    finally:
        view.close()
