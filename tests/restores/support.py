"""Helpers of the restore tests: completed backups, requested restores, whole-database state."""

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.auth import service as auth_service
from app.db.engine import transaction
from app.db.models import AdminUser, RestoreOperation
from app.pipelines.context import PipelineContext
from app.pipelines.export.pipeline import run_export
from app.pipelines.restore.options import RestoreOptions
from app.restores import repository, service
from app.restores.confirmation import confirmation_code
from app.tables.catalog import backup_scope, list_tables
from app.tables.names import quoted_table
from tests.support.fixture_schema import table_fingerprints
from tests.support.pipeline import create_backup_row

RESTORER = "restorer@test.local"


async def completed_backup(
    ctx: PipelineContext,
    target: asyncpg.Connection,
    backup_type: str = "full",
    tables: list[str] | None = None,
) -> str:
    """A backup exported as the worker would; returns its backup id."""
    backup_id = await create_backup_row(ctx, target, backup_type, tables)
    await run_export(ctx, backup_id)
    return backup_id


async def restorer(ctx: PipelineContext) -> AdminUser:
    async with transaction(ctx.sessions) as session:
        return await auth_service.ensure_admin(session, RESTORER)


def code_for(ctx: PipelineContext, backup_id: str) -> str:
    return confirmation_code(ctx.settings.secret_key.get_secret_value(), backup_id)


async def clear_running_restores(database_url: str) -> None:
    """Fail what earlier tests left running: one `in_progress` restore blocks every other."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "UPDATE lifeboat.restore_operations SET status = 'failed', error_log = 'test over'"
            " WHERE status = 'in_progress'"
        )
    finally:
        await conn.close()


async def request_restore(
    ctx: PipelineContext, backup_id: str, options: RestoreOptions | None = None
) -> str:
    """A committed `in_progress` restore, recorded exactly as the restoreBackup mutation does."""
    await clear_running_restores(ctx.settings.database_url)
    admin = await restorer(ctx)
    # As the API's target pool would: connected with the context's target URL (its role).
    conn = await asyncpg.connect(ctx.settings.target_database_url)
    try:
        async with transaction(ctx.sessions) as session:
            row, _ = await service.request_restore(
                session,
                conn,
                ctx.archives,
                ctx.settings,
                admin,
                backup_id,
                code_for(ctx, backup_id),
                options,
            )
    finally:
        await conn.close()
    return str(row.id)


async def restore_row(ctx: PipelineContext, restore_id: str) -> RestoreOperation:
    async with transaction(ctx.sessions) as session:
        row = await repository.get(session, uuid.UUID(restore_id))
    assert row is not None, restore_id
    return row


def as_role(ctx: PipelineContext, role: str) -> PipelineContext:
    """The same context, connecting to the target as `role` (trust auth: no password)."""
    parts = urlsplit(ctx.settings.target_database_url)
    url = urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))
    return replace(ctx, settings=ctx.settings.model_copy(update={"target_database_url": url}))


async def database_state(conn: asyncpg.Connection) -> dict[str, Any]:
    """Every table's rows, every sequence, and the tables' RLS, policies, triggers, indexes and
    constraints.

    `conn` must see every row (a superuser): equal states mean the same data, value for value,
    and the same table settings.
    """
    tables = [t.display_name for t in backup_scope(await list_tables(conn))]
    sequences = {}
    for row in await conn.fetch(
        "SELECT format('%I.%I', schemaname, sequencename) AS name FROM pg_sequences"
        " WHERE schemaname <> 'lifeboat'"
    ):
        value = await conn.fetchrow(f"SELECT last_value, is_called FROM {row['name']}")
        sequences[row["name"]] = (value["last_value"], value["is_called"])
    return {
        "rows": await table_fingerprints(conn, tables),
        "sequences": sequences,
        "row_security": await _rows(
            conn,
            "SELECT format('%I.%I', n.nspname, c.relname), c.relrowsecurity, c.relforcerowsecurity"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN"
            " ('pg_catalog', 'information_schema', 'lifeboat')",
        ),
        "policies": await _rows(
            conn,
            "SELECT schemaname, tablename, policyname, permissive, roles::text, cmd, qual,"
            " with_check FROM pg_policies",
        ),
        "triggers": await _rows(
            conn,
            "SELECT tgrelid::regclass::text, tgname, tgenabled::text FROM pg_trigger"
            " WHERE NOT tgisinternal",
        ),
        "indexes": await _rows(
            conn,
            "SELECT x.indrelid::regclass::text, i.relname, pg_get_indexdef(x.indexrelid),"
            " x.indisclustered, x.indisreplident, x.indisvalid,"
            " obj_description(x.indexrelid, 'pg_class'), t.relreplident::text"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'lifeboat', 'pg_toast')",
        ),
        "constraints": await _rows(
            conn,
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(k.oid),"
            " obj_description(k.oid, 'pg_constraint') FROM pg_constraint k"
            " JOIN pg_namespace n ON n.oid = k.connamespace WHERE conrelid <> 0"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'lifeboat')",
        ),
    }


async def _rows(conn: asyncpg.Connection, query: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(row) for row in await conn.fetch(query))


@asynccontextmanager
async def owner_role(target: asyncpg.Connection, *, bypassrls: bool = True) -> AsyncIterator[str]:
    """A non-superuser login role that may create schemas in the target (and BYPASSRLS)."""
    role = f"lbtest_{os.getpid()}_owner"
    database = await target.fetchval("SELECT current_database()")
    await target.execute(f"DROP ROLE IF EXISTS {role}")
    bypass = "BYPASSRLS" if bypassrls else "NOBYPASSRLS"
    await target.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER {bypass}")
    await target.execute(f'GRANT CREATE ON DATABASE "{database}" TO {role}')
    try:
        yield role
    finally:
        await target.execute(f"DROP OWNED BY {role} CASCADE")
        await target.execute(f"DROP ROLE {role}")


async def give_tables_to(target: asyncpg.Connection, role: str) -> None:
    """Make `role` own every table and sequence of the target, and use every schema."""
    for table in await list_tables(target):
        await target.execute(f"ALTER TABLE {quoted_table(table.qualified)} OWNER TO {role}")
    for row in await target.fetch(
        "SELECT format('%I.%I', schemaname, sequencename) AS name FROM pg_sequences"
        " WHERE schemaname <> 'lifeboat'"
    ):
        await target.execute(f"ALTER SEQUENCE {row['name']} OWNER TO {role}")
    for row in await target.fetch(
        "SELECT format('%I', nspname) AS name FROM pg_namespace"
        " WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'lifeboat')"
    ):
        await target.execute(f"GRANT USAGE ON SCHEMA {row['name']} TO {role}")


async def schema_dump(url: str) -> str:
    """`pg_dump --schema-only` of the database, without Lifeboat's own schema: two databases
    (or one at two moments) with the same text have the same definitions, owners and grants."""
    process = await asyncio.create_subprocess_exec(
        "pg_dump",
        "--schema-only",
        "--exclude-schema=lifeboat",
        f"--dbname={url}",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    # psql's \restrict lines carry a random key, different on every run.
    return re.sub(r"(?m)^\\(un)?restrict .*$", "", out.decode())
