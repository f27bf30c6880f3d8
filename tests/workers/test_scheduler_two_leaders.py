"""Two schedulers at once: one leader at a time, and one backup per due time whatever happens."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import text

from app.db.engine import create_engine, session_factory
from app.pipelines.context import PipelineContext
from tests.support.automation import RecordingJobs, add_schedule
from tests.support.worker import wait_for
from workers.leadership import Leadership
from workers.scheduler import SchedulerDeps, tick

START = datetime(2026, 2, 1, tzinfo=UTC)
DUE_TIMES = [START + timedelta(minutes=10 * i) for i in range(1, 7)]


@pytest.fixture
async def two_schedulers(automation: PipelineContext) -> AsyncIterator[list[SchedulerDeps]]:
    """Two schedulers, each with its own engine (its own connections), as two processes have."""
    engines = [create_engine(automation.settings.database_url, pool_size=2) for _ in range(2)]
    yield [
        SchedulerDeps(
            settings=automation.settings,
            sessions=session_factory(engine),
            archives=automation.archives,
            jobs=RecordingJobs(),
            enqueue_delivery=lambda delivery_id: None,
        )
        for engine in engines
    ]
    for engine in engines:
        await engine.dispose()


async def backups_per_due_time(ctx: PipelineContext, schedule_id: str) -> dict[str, int]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            text(
                "SELECT metadata->>'dueAt', count(*) FROM lifeboat.system_backups "
                "WHERE metadata->>'scheduleId' = :id GROUP BY 1"
            ),
            {"id": schedule_id},
        )
    return {due: count for due, count in rows}


async def test_two_ticking_schedulers_make_one_backup_per_due_time(
    automation: PipelineContext,
    two_schedulers: list[SchedulerDeps],
    target: asyncpg.Connection,
) -> None:
    schedule = await add_schedule(
        automation, cron="*/10 * * * *", created_at=START, next_run_at=DUE_TIMES[0]
    )
    # No leadership at all here: both tick at the same instants, so only the claim decides.
    for due in DUE_TIMES:
        reports = await asyncio.gather(*(tick(deps, due) for deps in two_schedulers))
        assert [r.errors for r in reports] == [[], []]
        assert sum(len(r.fired) for r in reports) == 1

    counts = await backups_per_due_time(automation, str(schedule.id))
    assert counts == {due.isoformat(): 1 for due in DUE_TIMES}
    exported = [b for deps in two_schedulers for b in deps.jobs.exports]  # type: ignore[attr-defined]
    assert len(exported) == len(set(exported)) == len(DUE_TIMES)


async def test_only_one_scheduler_leads_and_the_other_takes_over_when_it_goes(
    automation: PipelineContext,
    two_schedulers: list[SchedulerDeps],
    target: asyncpg.Connection,
) -> None:
    url = automation.settings.database_url
    first, second = Leadership(url), Leadership(url)
    schedule = await add_schedule(
        automation, cron="*/10 * * * *", created_at=START, next_run_at=DUE_TIMES[0]
    )
    try:
        assert await first.acquire() is True
        assert await second.acquire() is False

        async def loop(leadership: Leadership, deps: SchedulerDeps, due: datetime) -> None:
            if await leadership.acquire():
                await tick(deps, due)

        for due in DUE_TIMES[:3]:
            await asyncio.gather(
                loop(first, two_schedulers[0], due), loop(second, two_schedulers[1], due)
            )
        # The leader's connection dies (as with a crash): PostgreSQL releases its lock.
        assert first.conn is not None
        first.conn.terminate()
        # The server notices the closed socket a moment later (long on a busy machine).
        await wait_for(second.acquire, timeout=20, message="the lock to be free again")
        assert await first.acquire() is False
        for due in DUE_TIMES[3:]:
            await asyncio.gather(
                loop(first, two_schedulers[0], due), loop(second, two_schedulers[1], due)
            )
    finally:
        await first.release()
        await second.release()

    counts = await backups_per_due_time(automation, str(schedule.id))
    assert counts == {due.isoformat(): 1 for due in DUE_TIMES}
    first_jobs, second_jobs = (deps.jobs for deps in two_schedulers)
    assert len(first_jobs.exports) == 3  # type: ignore[attr-defined]
    assert len(second_jobs.exports) == 3  # type: ignore[attr-defined]
