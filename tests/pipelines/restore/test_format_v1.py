"""Archives written before schemas were archived (format version 1) restore as they always did."""

from dataclasses import replace

import asyncpg

from app.pipelines.context import PipelineContext
from app.pipelines.restore.pipeline import run_restore
from tests.restores.scenario import CHANGES, TABLE_SETTINGS
from tests.restores.support import completed_backup, database_state, request_restore
from tests.support.archive import as_format_version_1, stored_manifest
from tests.support.fixture_schema import create_fixture_schema


async def test_a_format_version_1_archive_restores_into_its_tables(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    # Version 1 had no encryption: the archive is written plain, as it was then.
    plain = pipeline_context.settings.model_copy(update={"encryption": "off"})
    ctx = replace(pipeline_context, settings=plain)
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target)
    as_format_version_1(ctx.archives, backup_id)
    manifest = stored_manifest(ctx.archives, backup_id)
    assert (manifest.format_version, manifest.schema) == (1, None)
    await target.execute(CHANGES)

    await run_restore(ctx, await request_restore(ctx, backup_id))

    assert await database_state(target) == before
