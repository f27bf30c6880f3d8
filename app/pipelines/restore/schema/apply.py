"""Running the chosen archived entries' SQL on a connection, in pg_restore's order.

pg_restore's own SQL, as it emits it, with only the owner and grant statements left out that
name a role this server cannot use (roles.py). It runs in whatever transaction the caller
holds: the restore's one transaction, or a new database's loading connections.
"""

import asyncpg

from app.pipelines.restore.schema.roles import RoleFacts, read_role_facts, roles_named, with_roles
from app.pipelines.restore.schema.toc import TocEntry
from app.pipelines.restore.schema.work import SchemaWork


class SchemaObjectFailed(Exception):
    """Creating one archived object failed; names it."""

    def __init__(self, entry: TocEntry, cause: BaseException) -> None:
        super().__init__(f"creating {entry.label} from the archived schema failed: {cause}")
        self.entry = entry
        self.cause = cause


async def facts_for(conn: asyncpg.Connection, work: SchemaWork) -> RoleFacts:
    return await read_role_facts(conn, roles_named(work.entries()))


async def run_entry(conn: asyncpg.Connection, entry: TocEntry, facts: RoleFacts) -> list[str]:
    """Create one entry; returns its warnings (owner or grants not as archived)."""
    sql, warnings = with_roles(entry, facts)
    if _has_statements(sql):
        try:
            await conn.execute(sql)
        except asyncpg.PostgresError as error:
            raise SchemaObjectFailed(entry, error) from error
    return warnings


async def run_entries(
    conn: asyncpg.Connection, entries: list[TocEntry], facts: RoleFacts
) -> list[str]:
    warnings: list[str] = []
    for entry in entries:
        warnings += await run_entry(conn, entry, facts)
    return warnings


async def before_data(conn: asyncpg.Connection, work: SchemaWork, facts: RoleFacts) -> list[str]:
    """pg_restore's session settings, then what goes before the rows (types, tables, …)."""
    await conn.execute(work.archived.script.preamble)
    return await run_entries(conn, work.archived.before(work.chosen), facts)


async def after_data(conn: asyncpg.Connection, work: SchemaWork, facts: RoleFacts) -> list[str]:
    """What goes after the rows: indexes, constraints, triggers, policies, then grants."""
    return await run_entries(conn, work.archived.after(work.chosen), facts)


def _has_statements(sql: str) -> bool:
    """False for SQL that is only comments (PostgreSQL answers it with no result at all)."""
    return any(line.strip() and not line.lstrip().startswith("--") for line in sql.splitlines())
