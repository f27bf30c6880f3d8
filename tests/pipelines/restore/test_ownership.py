"""Owners and grants of what a restore creates: as archived where the role exists, else a
warning per case, the restoring role owning the object."""

import os

import asyncpg

from app.pipelines.context import PipelineContext
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.pipeline import run_restore
from tests.restores.support import completed_backup, request_restore, restore_row


async def test_missing_owner_and_grantee_are_warnings_and_the_rest_is_as_archived(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    gone_owner, gone_reader, reader = (f"lbtest_{os.getpid()}_{n}" for n in ("o", "r", "k"))
    for role in (gone_owner, gone_reader, reader):
        await target.execute(f"DROP ROLE IF EXISTS {role}; CREATE ROLE {role}")
    try:
        await target.execute(
            "CREATE TABLE kept (id int); CREATE TABLE pantry (id int);"
            "INSERT INTO pantry VALUES (1);"
            f"ALTER TABLE pantry OWNER TO {gone_owner};"
            f"GRANT SELECT ON pantry TO {gone_reader}; GRANT SELECT, INSERT ON pantry TO {reader}"
        )
        backup_id = await completed_backup(ctx, target)
        await target.execute(f"DROP TABLE pantry; DROP ROLE {gone_owner}; DROP ROLE {gone_reader}")

        restore_id = await request_restore(ctx, backup_id, RestoreOptions(tables=("pantry",)))
        await run_restore(ctx, restore_id)

        assert sorted((await restore_row(ctx, restore_id)).warnings) == [
            f"TABLE public.pantry: owned by root, not {gone_owner} as archived (role "
            f"{gone_owner} does not exist)",
            f"grants on TABLE pantry (schema public): `GRANT SELECT ON TABLE public.pantry TO "
            f"{gone_reader};` left out (role {gone_reader} does not exist)",
        ]
        owner = await target.fetchval(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'pantry'"
        )
        assert owner == "root"
        assert await target.fetchval(
            "SELECT has_table_privilege($1, 'public.pantry', 'INSERT')", reader
        )
        assert await target.fetchval("SELECT count(*) FROM pantry") == 1
    finally:
        await target.execute("DROP TABLE IF EXISTS pantry")
        for role in (gone_owner, gone_reader, reader):
            await target.execute(f"DROP ROLE IF EXISTS {role}")
