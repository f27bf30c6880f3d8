"""Keep a few long-running child processes alive for `make run`, and stop them all at the end.

Each child leads its own process group, so a stop reaches whatever it forked (Dramatiq's
worker processes) and Ctrl-C in the terminal reaches only the supervisor, which then stops
the children in order. A child that exits is started again after a growing delay. If the
supervisor itself dies, its watchdog (app/devstack/watchdog.py) kills the groups it leaves.
"""

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO

from app.devstack.watchdog import Watchdog

log = logging.getLogger("lifeboat.devstack")

# A child without a ready signal that ran this long before exiting is restarted after the
# shortest delay again (one with a ready signal, as soon as it was up): a worker killed now
# and then (out of memory, say) comes back in a second, while one that cannot start backs off.
STABLE_AFTER = 15.0


@dataclass(frozen=True)
class Program:
    """One long-running child: its command and how to tell that it is up."""

    name: str
    argv: Sequence[str]
    # A line in its output meaning it is up (e.g. Dramatiq's "ready for action").
    ready_line: str | None = None
    # Polled until it returns True (e.g. the API answering HTTP).
    ready_probe: Callable[[], bool] | None = None
    # Graceful stop (SIGTERM) gets this long before the whole group is SIGKILLed. `make run`
    # must be gone within 20 s of Ctrl-C, SeaweedFS's stop included.
    stop_timeout: float = 10.0


@dataclass
class Child:
    """A program's current process and restart bookkeeping."""

    program: Program
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    backoff: float = 1.0
    restarts: int = 0
    ready: threading.Event = field(default_factory=threading.Event)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    """Start programs, restart those that exit, report readiness, stop everything."""

    def __init__(
        self,
        programs: Sequence[Program],
        env: Mapping[str, str] | None = None,
        output: IO[str] | None = None,
        backoff: tuple[float, float] = (1.0, 30.0),
        watchdog: Watchdog | None = None,
    ) -> None:
        """`backoff`: the first delay before a restart, and the longest (it doubles in between).
        `watchdog`: told of every process group, so none outlives a killed supervisor."""
        self.backoff_start, self.backoff_max = backoff
        self.children = [Child(program, backoff=self.backoff_start) for program in programs]
        self.env = {**(env if env is not None else os.environ), "PYTHONUNBUFFERED": "1"}
        self.output = output or sys.stderr
        self._output_lock = threading.Lock()
        self.watchdog = watchdog

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def poll(self) -> None:
        """Notice exits, schedule and perform restarts, poll readiness probes."""
        now = time.monotonic()
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                self._reap(child, now)
            if child.restart_at is not None and now >= child.restart_at:
                self._spawn(child)
            probe = child.program.ready_probe
            if child.alive and probe is not None and not child.ready.is_set() and probe():
                child.ready.set()

    def not_ready(self) -> list[str]:
        return [c.program.name for c in self.children if not (c.alive and c.ready.is_set())]

    def pids(self) -> dict[str, int]:
        return {c.program.name: c.process.pid for c in self.children if c.alive and c.process}

    def stop(self) -> None:
        """SIGTERM every child (last started first), then SIGKILL groups that linger."""
        started = time.monotonic()
        for child in reversed(self.children):
            child.restart_at = None
            if child.alive and child.process is not None:
                log.info("stopping %s", child.program.name)
                _signal_quietly(child.process.send_signal, signal.SIGTERM)
        for child in reversed(self.children):
            process = child.process
            if process is None:
                continue
            left = started + child.program.stop_timeout - time.monotonic()
            try:
                process.wait(max(left, 0.01))
            except subprocess.TimeoutExpired:
                name, timeout = child.program.name, child.program.stop_timeout
                log.warning("%s did not stop in %gs; killing it", name, timeout)
            # Whatever it forked and left behind goes too.
            _signal_quietly(os.killpg, process.pid, signal.SIGKILL)
            process.wait()
            self._forget(process)

    def _spawn(self, child: Child) -> None:
        child.restart_at = None
        # A fresh event per process: a dying process's last lines cannot mark its successor up.
        child.ready = threading.Event()
        process = subprocess.Popen(
            list(child.program.argv),
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if self.watchdog is not None:
            self.watchdog.watch(process.pid)  # its session's id is its process group's
        child.process = process
        child.started_at = time.monotonic()
        if child.program.ready_line is None and child.program.ready_probe is None:
            child.ready.set()  # nothing to wait for: running is being up
        assert process.stdout is not None
        pump = threading.Thread(
            target=self._pump,
            args=(child.program, child.ready, process.stdout),
            name=f"pump-{child.program.name}",
            daemon=True,
        )
        pump.start()

    def _reap(self, child: Child, now: float) -> None:
        process = child.process
        assert process is not None
        # Its forks (Dramatiq's worker processes) must not outlive it.
        _signal_quietly(os.killpg, process.pid, signal.SIGKILL)
        self._forget(process)
        # A child that got up (its ready line or probe) and then died was killed or crashed at
        # work, not failing to start: it comes back after the shortest delay, however often.
        # The soak kills a worker every few seconds: with the delay doubling it came back
        # 4-8 s late, and a job it had taken waited that much longer. Only a child dying
        # before it is up (a crash loop at start) backs off.
        signals_up = child.program.ready_line is not None or child.program.ready_probe is not None
        came_up = signals_up and child.ready.is_set()
        if came_up or now - child.started_at >= STABLE_AFTER:
            child.backoff = self.backoff_start
        child.restarts += 1
        child.restart_at = now + child.backoff
        name, code = child.program.name, process.returncode
        log.warning("%s exited with code %s; restarting it in %gs", name, code, child.backoff)
        child.backoff = min(child.backoff * 2, self.backoff_max)
        child.process = None

    def _forget(self, process: subprocess.Popen[bytes]) -> None:
        if self.watchdog is not None:
            self.watchdog.forget(process.pid)

    def _pump(self, program: Program, ready: threading.Event, stream: IO[bytes]) -> None:
        """Copy a child's output to ours, each line tagged with its name; spot its ready line."""
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            if program.ready_line is not None and program.ready_line in line:
                ready.set()
            with self._output_lock:
                self.output.write(f"[{program.name}] {line}\n")
                self.output.flush()
        stream.close()


def _signal_quietly(send: Callable[..., None], *args: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        send(*args)
