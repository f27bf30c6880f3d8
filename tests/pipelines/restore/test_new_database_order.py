"""A new database's foreign keys are validated after every index of their tables is built, so
PostgreSQL can check them on the index over the referencing columns (the rows were loaded
FREEZE, all-visible: two index-only scans merged instead of a hash join of both tables)."""

import asyncpg

from app.db.urls import with_database
from app.pipelines.context import PipelineContext
from app.pipelines.restore.newdb import restore_into_new_database
from app.pipelines.restore.progress import RestoreProgress
from app.pipelines.restore.validate import read_manifest
from tests.pipelines.restore.test_new_database import scratch
from tests.restores.support import completed_backup
from tests.support.pipeline import backup_row

__all__ = ["scratch"]  # the fixture, used by name

TABLES = """
CREATE TABLE public.owners (id integer PRIMARY KEY);
CREATE TABLE public.pets (
    id integer PRIMARY KEY,
    owner_id integer NOT NULL REFERENCES public.owners (id),
    born integer NOT NULL
);
CREATE INDEX pets_owner_born ON public.pets (owner_id, born);
CREATE INDEX pets_born ON public.pets (born);
INSERT INTO public.owners SELECT i FROM generate_series(1, 20000) AS i;
INSERT INTO public.pets SELECT i, 1 + i % 20000, i % 97 FROM generate_series(1, 60000) AS i;
"""

# Each job is a transaction of its own: the transaction id in a catalog row's xmin says in
# which order the jobs creating those rows started.
STARTED = """
SELECT c.conname AS name, c.xmin::text::bigint AS xid FROM pg_constraint c
 WHERE c.conrelid IN ('public.pets'::regclass, 'public.owners'::regclass)
UNION ALL
SELECT i.relname, i.xmin::text::bigint FROM pg_class i JOIN pg_index x ON x.indexrelid = i.oid
 WHERE x.indrelid IN ('public.pets'::regclass, 'public.owners'::regclass)
"""


async def test_foreign_keys_are_validated_after_their_tables_indexes(
    pipeline_context: PipelineContext, target: asyncpg.Connection, scratch: str
) -> None:
    ctx = pipeline_context
    await target.execute(TABLES)
    backup_id = await completed_backup(ctx, target)
    manifest = read_manifest(ctx.archives, await backup_row(ctx, backup_id), ctx.settings.keyring)
    url = ctx.settings.target_database_url

    await restore_into_new_database(ctx, manifest, url, scratch, RestoreProgress(), jobs=2)

    conn = await asyncpg.connect(with_database(url, scratch))
    try:
        started = {row["name"]: row["xid"] for row in await conn.fetch(STARTED)}
    finally:
        await conn.close()
    foreign_key = started.pop("pets_owner_id_fkey")
    assert set(started) >= {"pets_pkey", "pets_owner_born", "pets_born", "owners_pkey"}
    assert all(foreign_key > xid for xid in started.values()), started
