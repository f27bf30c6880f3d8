"""`lifeboat scheduler` as real processes: two of them fire a due schedule once, and hand over
leadership without firing it again; SIGTERM stops them cleanly."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from app.pipelines.context import PipelineContext
from tests.support.automation import add_schedule
from tests.support.worker import REPO, wait_for

LIFEBOAT = Path(sys.executable).parent / "lifeboat"


class SchedulerProcess:
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        env = {**os.environ, "LIFEBOAT_SCHEDULER_TICK_SECONDS": "0.2"}
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(LIFEBOAT), "scheduler"],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def leads(self) -> bool:
        return "now the leader" in self.log()

    def terminate(self) -> int:
        os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(30)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@pytest.fixture
def start_scheduler(tmp_path: Path) -> Iterator[Callable[[], SchedulerProcess]]:
    started: list[SchedulerProcess] = []

    def start() -> SchedulerProcess:
        process = SchedulerProcess(tmp_path / f"scheduler-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        # Shown by pytest only when the test failed: what each scheduler was doing.
        print(f"--- {process.log_path.name}\n{process.log()}")


async def count_backups(ctx: PipelineContext, schedule_id: str) -> int:
    async with ctx.sessions() as session:
        return int(
            await session.scalar(
                text(
                    "SELECT count(*) FROM lifeboat.system_backups "
                    "WHERE metadata->>'scheduleId' = :id"
                ),
                {"id": schedule_id},
            )
            or 0
        )


async def test_two_scheduler_processes_fire_a_due_time_once_and_stop_on_sigterm(
    automation: PipelineContext,
    target: asyncpg.Connection,
    start_scheduler: Callable[[], SchedulerProcess],
) -> None:
    # Yearly, due at the start of 2026 and not again before 2027, whatever today is.
    schedule = await add_schedule(
        automation,
        cron="0 0 1 1 *",
        created_at=datetime(2025, 6, 1, tzinfo=UTC),
        next_run_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    schedulers = [start_scheduler(), start_scheduler()]

    await wait_for(
        lambda: count_backups(automation, str(schedule.id)), timeout=60, message="a backup"
    )
    leader = await wait_for(
        lambda: next((s for s in schedulers if s.leads()), None), message="a leader"
    )
    follower = next(s for s in schedulers if s is not leader)
    assert not follower.leads()

    assert leader.terminate() == 0
    assert "scheduler stopped" in leader.log()
    await wait_for(follower.leads, timeout=30, message="the follower to take over")
    # A second schedule due now proves the new leader has ticked since taking over.
    probe = await add_schedule(
        automation,
        cron="0 0 1 1 *",
        created_at=datetime(2025, 6, 1, tzinfo=UTC),
        next_run_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    await wait_for(lambda: count_backups(automation, str(probe.id)), timeout=30, message="a tick")
    assert await count_backups(automation, str(schedule.id)) == 1
    assert follower.terminate() == 0
    assert "scheduler stopped" in follower.log()
    for process in schedulers:  # reaping, firing, retention and expiry all ran cleanly
        assert "scheduler step" not in process.log(), process.log()
    assert await count_backups(automation, str(schedule.id)) == 1
