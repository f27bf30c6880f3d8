"""Restores as a non-superuser: an owner with BYPASSRLS restores; a missing privilege is
refused before anything changes, with the fix in the message."""

import asyncpg
import pytest

from app.errors import PreconditionFailed
from app.pipelines.context import PipelineContext
from app.pipelines.restore.pipeline import RestoreFailed, run_restore
from tests.pipelines.restore.test_failures import unchecked_restore
from tests.restores.scenario import CHANGES, TABLE_SETTINGS
from tests.restores.support import (
    as_role,
    completed_backup,
    database_state,
    give_tables_to,
    owner_role,
    request_restore,
    restore_row,
)
from tests.support.fixture_schema import create_fixture_schema


async def test_a_non_superuser_owner_with_bypassrls_restores_everything(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)
    async with owner_role(target) as role:
        await give_tables_to(target, role)
        ctx = as_role(pipeline_context, role)
        before = await database_state(target)
        backup_id = await completed_backup(ctx, target)
        await target.execute(CHANGES)

        restore_id = await request_restore(ctx, backup_id)
        await run_restore(ctx, restore_id)

        assert await database_state(target) == before
        assert (await restore_row(ctx, restore_id)).status == "completed"
        marker_owner = "SELECT tableowner FROM pg_tables WHERE tablename = 'applied_restores'"
        assert await target.fetchval(marker_owner) == role


async def test_an_owner_without_bypassrls_is_refused_for_a_table_forcing_row_security(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await target.execute(
        "CREATE TABLE notes (id int, owner_name text); INSERT INTO notes VALUES (1, 'x');"
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY"
    )
    backup_id = await completed_backup(pipeline_context, target, "partial", ["notes"])
    async with owner_role(target, bypassrls=False) as role:
        await give_tables_to(target, role)
        ctx = as_role(pipeline_context, role)

        with pytest.raises(PreconditionFailed) as refusal:
            await request_restore(ctx, backup_id)

    assert "public.notes forces row-level security" in refusal.value.message
    assert f"ALTER ROLE {role} BYPASSRLS" in refusal.value.message


async def test_a_role_that_cannot_suspend_an_outside_foreign_key_is_refused_before_any_change(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await create_fixture_schema(target)
    backup_id = await completed_backup(pipeline_context, target, "partial", ["public.members"])
    async with owner_role(target) as role:
        await give_tables_to(target, role)
        await target.execute("ALTER TABLE billing.invoices OWNER TO root")
        ctx = as_role(pipeline_context, role)
        await target.execute("UPDATE public.members SET display_name = 'changed'")
        before = await database_state(target)

        with pytest.raises(PreconditionFailed) as refusal:
            await request_restore(ctx, backup_id)
        # Had the privileges changed after the request, the worker refuses the same way.
        restore_id = await unchecked_restore(ctx, backup_id)
        with pytest.raises(RestoreFailed) as failure:
            await run_restore(ctx, restore_id)

        for message in (refusal.value.message, failure.value.message):
            assert "foreign key invoices_member_id_fkey of billing.invoices" in message
            assert f"ALTER TABLE billing.invoices OWNER TO {role}" in message
        assert await database_state(target) == before
        assert (await restore_row(ctx, restore_id)).pre_restore_backup_id is None


async def test_missing_ownership_and_marker_privileges_are_named_with_their_fix(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    await target.execute("CREATE TABLE meals (id int); CREATE SEQUENCE tickets")
    backup_id = await completed_backup(pipeline_context, target)
    async with owner_role(target) as role:
        database = await target.fetchval("SELECT current_database()")
        await target.execute(
            f'REVOKE CREATE ON DATABASE "{database}" FROM {role};'
            f"GRANT SELECT ON meals TO {role}; GRANT SELECT ON tickets TO {role}"
        )
        ctx = as_role(pipeline_context, role)

        with pytest.raises(PreconditionFailed) as refusal:
            await request_restore(ctx, backup_id)

    message = refusal.value.message
    assert f"role {role} does not own public.meals (owner root)" in message
    assert f"ALTER TABLE public.meals OWNER TO {role}" in message
    assert f"ALTER SEQUENCE public.tickets OWNER TO {role}" in message
    assert f'GRANT CREATE ON DATABASE "{database}" TO {role}' in message
