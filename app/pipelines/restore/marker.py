"""The marker: which restores were applied, recorded in the target inside their transaction.

The row commits with the restored data or not at all, so a worker that dies between the
target's COMMIT and recording `completed` in Lifeboat's database leaves proof behind: a retry
or the reaper finds it and completes the operation instead of restoring twice or calling a
restored database unchanged. It lives in the target's `lifeboat` schema, which no backup
includes. Created on first use, which needs CREATE on the database (or create it at setup
with MARKER_DDL as the table owner's role).
"""

import json
import uuid
from dataclasses import dataclass

import asyncpg

MARKER_TABLE = "lifeboat.applied_restores"
_TABLE_DDL = """
CREATE TABLE lifeboat.applied_restores (
  restore_id uuid PRIMARY KEY,
  backup_id text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  tables_restored jsonb NOT NULL,
  records_count jsonb NOT NULL,
  -- true until the uploads of a full backup are back in the uploads bucket
  uploads_pending boolean NOT NULL DEFAULT false
)
"""
# What an admin runs once, as the restoring role, when that role may not create schemas.
MARKER_DDL = "CREATE SCHEMA IF NOT EXISTS lifeboat;\n" + _TABLE_DDL.replace(
    "CREATE TABLE", "CREATE TABLE IF NOT EXISTS"
)


@dataclass(frozen=True)
class AppliedRestore:
    restore_id: uuid.UUID
    backup_id: str
    tables_restored: list[str]
    records_count: dict[str, int]
    uploads_pending: bool


async def marker_problem(conn: asyncpg.Connection, role: str) -> str | None:
    """Why this role could not use the marker table, or None."""
    row = await conn.fetchrow(
        """
        SELECT to_regclass($1) IS NOT NULL AS has_table,
               EXISTS (SELECT FROM pg_namespace WHERE nspname = 'lifeboat') AS has_schema,
               CASE WHEN to_regclass($1) IS NOT NULL
                    THEN has_table_privilege($1, 'SELECT, INSERT, UPDATE') END AS may_use,
               has_database_privilege(current_database(), 'CREATE') AS may_create_schema,
               current_database() AS database
        """,
        MARKER_TABLE,
    )
    if row["has_table"]:
        if row["may_use"]:
            return None
        return (
            f"role {role} may not write {MARKER_TABLE}, where restores are recorded. Fix: "
            f"GRANT SELECT, INSERT, UPDATE ON {MARKER_TABLE} TO {role}"
        )
    if row["has_schema"]:
        if await conn.fetchval("SELECT has_schema_privilege('lifeboat', 'CREATE')"):
            return None
        return (
            f"role {role} may not create {MARKER_TABLE} in schema lifeboat. Fix: GRANT "
            f"CREATE ON SCHEMA lifeboat TO {role}, or create the table once as an admin"
        )
    if row["may_create_schema"]:
        return None
    return (
        f"role {role} may not create schema lifeboat, which holds {MARKER_TABLE} (where restores "
        f'are recorded). Fix: GRANT CREATE ON DATABASE "{row["database"]}" TO {role}, or create '
        f"schema lifeboat and the table once, owned by {role} (see README)"
    )


async def ensure_table(conn: asyncpg.Connection) -> None:
    """Create the marker table if missing (inside the restore's transaction)."""
    # Checked first: CREATE … IF NOT EXISTS still needs the CREATE privilege.
    if await conn.fetchval("SELECT to_regclass($1) IS NULL", MARKER_TABLE):
        if not await conn.fetchval(
            "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = 'lifeboat')"
        ):
            await conn.execute("CREATE SCHEMA lifeboat")
        await conn.execute(_TABLE_DDL)


async def record(
    conn: asyncpg.Connection,
    restore_id: uuid.UUID,
    backup_id: str,
    records_count: dict[str, int],
    uploads_pending: bool,
) -> None:
    await conn.execute(
        f"INSERT INTO {MARKER_TABLE} (restore_id, backup_id, tables_restored, records_count,"
        " uploads_pending) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)",
        restore_id,
        backup_id,
        json.dumps(sorted(records_count)),
        json.dumps(records_count),
        uploads_pending,
    )


async def find(conn: asyncpg.Connection, restore_id: uuid.UUID) -> AppliedRestore | None:
    if await conn.fetchval("SELECT to_regclass($1) IS NULL", MARKER_TABLE):
        return None
    row = await conn.fetchrow(
        f"SELECT backup_id, tables_restored::text, records_count::text, uploads_pending"
        f" FROM {MARKER_TABLE} WHERE restore_id = $1",
        restore_id,
    )
    if row is None:
        return None
    return AppliedRestore(
        restore_id=restore_id,
        backup_id=row["backup_id"],
        tables_restored=json.loads(row["tables_restored"]),
        records_count=json.loads(row["records_count"]),
        uploads_pending=row["uploads_pending"],
    )


async def uploads_done(conn: asyncpg.Connection, restore_id: uuid.UUID) -> None:
    await conn.execute(
        f"UPDATE {MARKER_TABLE} SET uploads_pending = false WHERE restore_id = $1", restore_id
    )
