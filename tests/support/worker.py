"""Run real Dramatiq workers in tests: in this process, or as a subprocess a test can SIGKILL.

Both consume this test run's `backups`, `restores` and `drills` queues (the queue prefix in the
environment is unique per run), with the settings tests/conftest.py put in the environment.
"""

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import dramatiq
import psutil
import pytest

from app.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DRAMATIQ = Path(sys.executable).parent / "dramatiq"


def worker_queues(settings: Settings) -> set[str]:
    return {settings.queue("backups"), settings.queue("restores"), settings.queue("drills")}


async def wait_for(
    predicate: Callable[[], Any],
    timeout: float = 20.0,  # noqa: ASYNC109  (a polling deadline, not a cancellation scope)
    interval: float = 0.1,
    message: str = "condition",
) -> Any:
    """Poll `predicate` (sync or async) until it returns something truthy; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        await asyncio.sleep(interval)


@pytest.fixture
def worker(
    settings: Settings, databases: None, archives: Any, uploads: Any
) -> Iterator[dramatiq.Worker]:
    """A real Dramatiq worker in this process, on the broker from the environment.

    Messages left queued by earlier tests are dropped first, so the worker only runs what the
    test sends. Function-scoped: other tests count queued messages and must not see it consume.
    """
    yield from run_worker(worker_queues(settings))


def run_worker(queues: set[str]) -> Iterator[dramatiq.Worker]:
    """Start an in-process worker on `queues` (emptied first); stop it when resumed."""
    import workers.actors  # noqa: F401  (declares the actors on the broker)
    from workers.broker import broker

    for queue in queues:
        broker.declare_queue(queue)
        broker.flush(queue)
    running = dramatiq.Worker(broker, queues=queues, worker_threads=1)
    running.start()
    try:
        yield running
    finally:
        running.stop(timeout=30_000)


async def drain(worker: dramatiq.Worker, settings: Settings, seconds: float = 30.0) -> None:
    """Wait until the in-process worker's queues are empty and it is idle."""

    def join() -> None:
        for queue in worker_queues(settings):
            worker.broker.join(queue, timeout=int(seconds * 1000))
        worker.join()

    await asyncio.to_thread(join)


class WorkerProcess:
    """A `dramatiq workers.actors` process group started for one test."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def postgres_ports(self) -> set[int]:
        """The local ports of the group's TCP connections to PostgreSQL (port 5432) now."""
        ports: set[int] = set()
        try:
            parent = psutil.Process(self.process.pid)
            group = [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return ports
        for member in group:
            try:
                connections = member.net_connections(kind="tcp")
            except psutil.NoSuchProcess:
                continue
            ports |= {c.laddr.port for c in connections if c.raddr and c.raddr.port == 5432}
        return ports

    def kill(self) -> None:
        """SIGKILL the whole group at once, as a crash or an OOM kill would."""
        if self.alive:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 20.0) -> None:
        """Graceful stop (SIGTERM), then SIGKILL if it lingers."""
        if not self.alive:
            return
        # The parent only: it forwards SIGTERM to its workers, and a worker that gets a
        # second SIGTERM (from the whole group) hangs in its shutdown.
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


async def postgres_backends(conn: asyncpg.Connection, process: WorkerProcess) -> set[int]:
    """The PostgreSQL backends (pids) serving `process`'s connections, asked on `conn`."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])",
        sorted(process.postgres_ports()),
    )
    return {row["pid"] for row in rows}


async def wait_for_backends_to_exit(
    conn: asyncpg.Connection,
    pids: set[int],
    timeout: float = 30.0,  # noqa: ASYNC109  (a polling deadline, not a cancellation scope)
) -> None:
    """Wait until none of `pids` is a PostgreSQL backend any more.

    A killed client's backend lives on until it notices the closed socket (at once when idle,
    within client_connection_check_interval mid-query, later on a loaded machine), and only
    as it exits does it let go of the session's advisory locks (leases, the restore's lock):
    before that a reaper rightly takes the job for live. PostgreSQL releases those locks
    before it removes the backend from pg_stat_activity, so once the pids are gone there,
    the locks are free.
    """

    async def gone() -> bool:
        left = "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])"
        return not await conn.fetchval(left, sorted(pids))

    await wait_for(gone, timeout=timeout, message=f"the backends {sorted(pids)} to exit")


def start_worker_process(
    settings: Settings,
    log_path: Path,
    *,
    broker_url: str | None = None,
    env: dict[str, str] | None = None,
    queues: set[str] | None = None,
) -> WorkerProcess:
    """Start `dramatiq workers.actors` (1 process, 1 thread) on this run's databases and its
    `backups`, `restores` and `drills` queues (or `queues`)."""
    child_env = {**os.environ, **(env or {})}
    if broker_url is not None:
        child_env["LIFEBOAT_BROKER_URL"] = broker_url
    command = [
        str(DRAMATIQ),
        "workers.actors",
        "--processes",
        "1",
        "--threads",
        "1",
        "--queues",
        *sorted(queues or worker_queues(settings)),
    ]
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: the test kills the dramatiq parent and its forks together.
            start_new_session=True,
        )
    return WorkerProcess(process, log_path)


@pytest.fixture
def worker_processes(
    settings: Settings, databases: None, archives: Any, uploads: Any, tmp_path: Path
) -> Iterator[Callable[..., WorkerProcess]]:
    """Factory `start(broker_url=None, env=None, queues=None)`; every process it started is
    stopped after."""
    started: list[WorkerProcess] = []

    def start(
        broker_url: str | None = None,
        env: dict[str, str] | None = None,
        queues: set[str] | None = None,
    ) -> WorkerProcess:
        log_path = tmp_path / f"worker-{len(started)}.log"
        process = start_worker_process(
            settings, log_path, broker_url=broker_url, env=env, queues=queues
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
