"""The load step: plain tables come back frozen (all-visible), at no cost to what is restored."""

import asyncpg

from app.pipelines.context import PipelineContext
from app.pipelines.restore.pipeline import run_restore
from tests.restores.scenario import CHANGES, TABLE_SETTINGS
from tests.restores.support import completed_backup, database_state, request_restore
from tests.support.fixture_schema import create_fixture_schema


async def test_restored_plain_tables_are_frozen_so_readers_skip_visibility_checks(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target)
    await target.execute(CHANGES)

    await run_restore(ctx, await request_restore(ctx, backup_id))

    assert await database_state(target) == before
    # ANALYZE counts the pages the visibility map marks all-visible: after a load without
    # FREEZE (and before any vacuum), none are.
    await target.execute("ANALYZE public.households, public.members")
    pages = await target.fetch(
        "SELECT relname, relpages, relallvisible FROM pg_class"
        " WHERE oid IN ('public.households'::regclass, 'public.members'::regclass)"
    )
    assert pages and all(row["relpages"] > 0 for row in pages)
    assert all(row["relallvisible"] == row["relpages"] for row in pages), pages
