"""A new database's tables are each loaded by one FREEZE copy: one transaction a table, every
page all-visible, so its index builds and foreign-key checks read it cheaply (and a drill reads
its rows back in the order they were archived)."""

import asyncpg

from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.pipelines.restore.newdb import restore_into_new_database
from app.pipelines.restore.progress import RestoreProgress
from app.pipelines.restore.validate import read_manifest
from tests.pipelines.restore.test_new_database import scratch, state_of
from tests.restores.support import completed_backup, database_state
from tests.support.pipeline import backup_row

__all__ = ["scratch"]  # the fixture, used by name

# Values holding what COPY text escapes (newline, tab, backslash), and an index to build.
TABLES = r"""
CREATE TABLE public.big (id integer PRIMARY KEY, body text NOT NULL, tags text[]);
INSERT INTO public.big
SELECT i, 'line ' || i || E'\nnext\tcol\\' || repeat(md5(i::text), 3), ARRAY['a,b', E'c\nd']
  FROM generate_series(1, 60000) AS i;
CREATE INDEX big_body ON public.big (body);
"""


async def test_each_table_is_one_frozen_copy(
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
