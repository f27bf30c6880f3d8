"""What the archived schema brings back: a dropped table, an empty database, a rewound schema."""

import asyncpg
import pytest

from app.errors import PreconditionFailed
from app.pipelines.context import PipelineContext
from app.pipelines.restore.options import BACKUP, RestoreOptions
from app.pipelines.restore.pipeline import run_restore
from app.storage.client import ObjectStore
from tests.conftest import ADMIN_URL
from tests.restores.scenario import CHANGES, TABLE_SETTINGS
from tests.restores.support import (
    completed_backup,
    database_state,
    request_restore,
    restore_row,
    schema_dump,
)
from tests.support.fixture_schema import create_fixture_schema

# A table with one of everything that belongs to a table, and things only it needs: a type,
# a trigger function, a schema.
PANTRY = """
CREATE SCHEMA stock;
CREATE TYPE stock.shelf AS ENUM ('top', 'bottom');
CREATE FUNCTION stock.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.note := coalesce(NEW.note, 'stamped'); RETURN NEW; END $$;
CREATE TABLE stock.pantry (
    id serial PRIMARY KEY,
    item text NOT NULL UNIQUE,
    shelf stock.shelf,
    owner_name text DEFAULT current_user,
    recipe_id integer REFERENCES public.recipes (id),
    note text,
    CONSTRAINT item_not_blank CHECK (item <> '')
);
CREATE INDEX pantry_lower_item ON stock.pantry (lower(item));
CREATE TRIGGER pantry_stamp BEFORE INSERT ON stock.pantry
    FOR EACH ROW EXECUTE FUNCTION stock.stamp();
ALTER TABLE stock.pantry ENABLE ROW LEVEL SECURITY;
CREATE POLICY pantry_own ON stock.pantry USING (owner_name = current_user);
COMMENT ON TABLE stock.pantry IS 'what is in the cupboard';
COMMENT ON COLUMN stock.pantry.item IS 'one line per item';
GRANT SELECT ON stock.pantry TO PUBLIC;
INSERT INTO stock.pantry (item, shelf, recipe_id) VALUES ('flour', 'top', 1), ('salt', NULL, 2);
"""


async def fixture_with_pantry(target: asyncpg.Connection) -> None:
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)
    await target.execute(PANTRY)


async def test_a_dropped_table_comes_back_by_tables_with_what_belongs_to_it_and_needs(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await fixture_with_pantry(target)
    url = ctx.settings.target_database_url
    definitions, before = await schema_dump(url), await database_state(target)
    backup_id = await completed_backup(ctx, target)
    await target.execute("DROP SCHEMA stock CASCADE")

    restore_id = await request_restore(ctx, backup_id, RestoreOptions(tables=("stock.pantry",)))
    await run_restore(ctx, restore_id)

    assert await schema_dump(url) == definitions
    assert await database_state(target) == before
    row = await restore_row(ctx, restore_id)
    assert (row.tables_restored, row.records_count) == (["stock.pantry"], {"stock.pantry": 2})
    assert row.warnings == []
    snapshot = row.pre_restore_backup_id
    assert snapshot is None  # no table it restores was there: nothing to keep


async def test_a_needed_table_the_restore_does_not_bring_is_refused(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await fixture_with_pantry(target)
    backup_id = await completed_backup(ctx, target)
    await target.execute("DROP SCHEMA stock CASCADE; DROP TABLE public.recipes CASCADE")

    with pytest.raises(PreconditionFailed, match=r"needs TABLE public\.recipes, which is missing"):
        await request_restore(ctx, backup_id, RestoreOptions(tables=("stock.pantry",)))


async def test_a_target_recreated_empty_gets_everything_back_uploads_included(
    pipeline_context: PipelineContext, target: asyncpg.Connection, uploads: ObjectStore
) -> None:
    ctx = pipeline_context
    uploads.delete_prefix("")
    uploads.put_bytes("avatars/ana.png", b"png", content_type="image/png")
    await fixture_with_pantry(target)
    url = ctx.settings.target_database_url
    definitions, before = await schema_dump(url), await database_state(target)
    backup_id = await completed_backup(ctx, target)
    # The database is lost with its uploads, and created again, empty.
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    uploads.delete_prefix("")

    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)

    assert await schema_dump(url) == definitions
    fresh = await asyncpg.connect(url)
    try:
        assert await database_state(fresh) == before
    finally:
        await fresh.close()
    assert uploads.get_bytes("avatars/ana.png") == b"png"
    assert (await restore_row(ctx, restore_id)).warnings == []


async def test_a_lost_column_refuses_then_backup_rewinds_and_its_snapshot_undoes_it(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await fixture_with_pantry(target)
    url = ctx.settings.target_database_url
    definitions, before = await schema_dump(url), await database_state(target)
    backup_id = await completed_backup(ctx, target)
    await target.execute(CHANGES)
    await target.execute(
        "ALTER TABLE stock.pantry DROP COLUMN note;"
        "CREATE TABLE public.added_later (id int PRIMARY KEY); INSERT INTO added_later VALUES (7);"
        "CREATE VIEW stock.pantry_items AS SELECT item FROM stock.pantry;"
        "ALTER TABLE public.recipes ADD COLUMN rating int"
    )
    changed_definitions, changed = await schema_dump(url), await database_state(target)

    with pytest.raises(PreconditionFailed, match=r"column note .* of stock\.pantry is in the"):
        await request_restore(ctx, backup_id)
    rewind_id = await request_restore(ctx, backup_id, RestoreOptions(schema=BACKUP))
    await run_restore(ctx, rewind_id)

    assert await schema_dump(url) == definitions
    assert await database_state(target) == before
    rewind = await restore_row(ctx, rewind_id)
    assert rewind.pre_restore_backup_id is not None
    undo_id = await request_restore(
        ctx, rewind.pre_restore_backup_id, RestoreOptions(schema=BACKUP)
    )
    await run_restore(ctx, undo_id)

    assert await schema_dump(url) == changed_definitions
    assert await database_state(target) == changed
