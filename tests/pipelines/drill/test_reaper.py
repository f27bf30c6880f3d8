"""The drill reaper: a dead worker's drill becomes ERROR and its scratch database goes; live
drills, and other installations' scratch databases, are left alone."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import update

from app.db import locks
from app.db.drill_models import Verification
from app.db.engine import transaction
from app.pipelines.context import PipelineContext
from app.pipelines.drill import scratch
from app.pipelines.drill.pipeline import drill_lock
from app.pipelines.drill.reaper import reap_drills
from tests.conftest import ADMIN_URL
from tests.support.automation import add_backup
from tests.support.drill import request, scratch_left, verification

NOW = datetime.now(UTC)


async def taken_up(ctx: PipelineContext, drill_id: str, *, with_scratch: bool = True) -> str:
    """Mark the drill as a worker would, and create its scratch database; its name."""
    name = scratch.scratch_name(ctx.settings, uuid.UUID(drill_id))
    async with transaction(ctx.sessions) as session:
        await session.execute(
            update(Verification)
            .where(Verification.id == uuid.UUID(drill_id))
            .values(worker_started_at=NOW, scratch_database=name)
        )
    if with_scratch:
        admin = await asyncpg.connect(ADMIN_URL)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
    return name


async def test_a_dead_workers_drill_is_settled_and_its_scratch_dropped(
    automation: PipelineContext,
) -> None:
    ctx = automation
    drill_id = await request(ctx, await add_backup(ctx, NOW))
    name = await taken_up(ctx, drill_id)
    assert await scratch_left(ctx.settings) == [name]

    settled = await reap_drills(ctx)

    assert settled == [uuid.UUID(drill_id)]
    row = await verification(ctx, drill_id)
    assert row.status == "error" and row.error is not None and "worker" in row.error
    assert await scratch_left(ctx.settings) == []


async def test_a_live_workers_drill_and_scratch_are_left_alone(
    automation: PipelineContext,
) -> None:
    ctx = automation
    drill_id = await request(ctx, await add_backup(ctx, NOW))
    name = await taken_up(ctx, drill_id)
    worker = await asyncpg.connect(ctx.settings.database_url)  # holds the drill's lock
    assert await locks.try_lock(worker, drill_lock(uuid.UUID(drill_id)))
    try:
        assert await reap_drills(ctx) == []
        assert (await verification(ctx, drill_id)).status == "running"
        assert await scratch_left(ctx.settings) == [name]
    finally:
        await worker.close()
    assert await reap_drills(ctx) == [uuid.UUID(drill_id)]  # the worker is gone now
    assert await scratch_left(ctx.settings) == []


async def test_a_queued_drill_waits_until_given_up_after_a_day(
    automation: PipelineContext,
) -> None:
    ctx = automation
    drill_id = await request(ctx, await add_backup(ctx, NOW))

    assert await reap_drills(ctx) == []
    assert await reap_drills(ctx, now=NOW + timedelta(hours=25)) == [uuid.UUID(drill_id)]
    row = await verification(ctx, drill_id)
    assert row.status == "error" and row.error is not None and "drills queue" in row.error


async def test_a_finished_drills_leftover_scratch_is_dropped_and_others_are_not(
    automation: PipelineContext,
) -> None:
    ctx = automation
    leftover = scratch.scratch_name(ctx.settings, uuid.uuid4())
    foreign = f"{scratch.PREFIX}00000000_{uuid.uuid4().hex}"  # another installation's
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        for name in (leftover, foreign):
            await admin.execute(f'CREATE DATABASE "{name}"')

        await reap_drills(ctx)

        names = {r["datname"] for r in await admin.fetch("SELECT datname FROM pg_database")}
        assert leftover not in names and foreign in names
    finally:
        for name in (leftover, foreign):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.close()
