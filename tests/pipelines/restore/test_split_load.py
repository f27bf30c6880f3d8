"""A new database's largest table loaded by two COPYs sharing its archive (split.py, when
LIFEBOAT_RESTORE_SPLIT_TABLES is on), or by one FREEZE copy (the default)."""

from dataclasses import replace

import asyncpg
import pytest

from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.pipelines.restore.errors import TableRestoreError
from app.pipelines.restore.newdb import restore_into_new_database
from app.pipelines.restore.progress import RestoreProgress
from app.pipelines.restore.validate import read_manifest
from tests.pipelines.restore.test_new_database import exists, scratch, state_of
from tests.restores.support import completed_backup, database_state, schema_dump
from tests.support.archive import flip_one_byte
from tests.support.pipeline import backup_row

__all__ = ["scratch"]  # the fixture, used by name

# The only table (so it is split between the two connections, which both start on it at
# once and take blocks in turn), whose values hold what COPY text escapes (newline, tab,
# backslash): a block cut anywhere but at a row's end would show as rows refused or changed.
# Its index waits for both parts' rows.
TABLES = r"""
CREATE TABLE public.big (id integer PRIMARY KEY, body text NOT NULL, tags text[]);
INSERT INTO public.big
SELECT i, 'line ' || i || E'\nnext\tcol\\' || repeat(md5(i::text), 3), ARRAY['a,b', E'c\nd']
  FROM generate_series(1, 60000) AS i;
CREATE INDEX big_body ON public.big (body);
"""


def splitting(ctx: PipelineContext) -> PipelineContext:
    """LIFEBOAT_RESTORE_SPLIT_TABLES=true (off by default)."""
    return replace(ctx, settings=ctx.settings.model_copy(update={"restore_split_tables": True}))


async def test_the_largest_table_is_loaded_by_both_connections_row_for_row(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = splitting(pipeline_context)
    await target.execute(TABLES)
    url = ctx.settings.target_database_url
    definitions, before = await schema_dump(url), await database_state(target)
    backup_id = await completed_backup(ctx, target)
    manifest = read_manifest(ctx.archives, await backup_row(ctx, backup_id), ctx.settings.keyring)
    progress = RestoreProgress()

    result = await restore_into_new_database(ctx, manifest, url, scratch, progress, jobs=2)

    copy = with_database(url, scratch)
    assert await schema_dump(copy) == definitions
    assert await state_of(copy) == before
    assert result.records_count == {table.name: table.rows for table in manifest.tables}
    assert progress.tables_done == len(manifest.tables)
    conn = await asyncpg.connect(copy)
    try:  # each COPY commits its own rows: two transactions wrote big
        assert await conn.fetchval("SELECT count(DISTINCT xmin::text) FROM public.big") == 2
    finally:
        await conn.close()


async def test_a_damaged_split_table_fails_the_load_and_the_database_is_dropped(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = splitting(pipeline_context)
    await target.execute(TABLES)
    backup_id = await completed_backup(ctx, target)
    manifest = read_manifest(ctx.archives, await backup_row(ctx, backup_id), ctx.settings.keyring)
    damaged = next(entry for entry in manifest.tables if entry.name == "public.big")
    flip_one_byte(ctx.archives, damaged.object)

    with pytest.raises(TableRestoreError, match=r"public\.big"):
        await restore_into_new_database(
            ctx, manifest, ctx.settings.target_database_url, scratch, RestoreProgress(), jobs=2
        )

    assert not await exists(scratch)


async def test_by_default_each_table_is_one_frozen_copy(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = pipeline_context
    await target.execute(TABLES)
    before = await database_state(target)
    backup_id = await completed_backup(ctx, target)
    manifest = read_manifest(ctx.archives, await backup_row(ctx, backup_id), ctx.settings.keyring)
    url = ctx.settings.target_database_url

    await restore_into_new_database(ctx, manifest, url, scratch, RestoreProgress(), jobs=2)

    copy = with_database(url, scratch)
    assert await state_of(copy) == before
    conn = await asyncpg.connect(copy)
    try:  # one transaction, FREEZE: every page all-visible
        assert await conn.fetchval("SELECT count(DISTINCT xmin::text) FROM public.big") == 1
        await conn.execute("ANALYZE public.big")
        pages = await conn.fetchrow(
            "SELECT relpages, relallvisible FROM pg_class WHERE oid = 'public.big'::regclass"
        )
        assert pages["relpages"] > 0 and pages["relallvisible"] == pages["relpages"]
    finally:
        await conn.close()
