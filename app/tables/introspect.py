"""Details of the target's tables that export and restore both need: columns, sequences, RLS."""

from dataclasses import dataclass

import asyncpg

from app.archive.manifest import ColumnDef


async def copy_columns(conn: asyncpg.Connection, table_oid: int) -> list[ColumnDef]:
    """Columns COPY carries: live, not generated (PostgreSQL computes those), in table order."""
    rows = await conn.fetch(
        """
        SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
          FROM pg_attribute a
         WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
         ORDER BY a.attnum
        """,
        table_oid,
    )
    return [ColumnDef(name=row["name"], type=row["type"]) for row in rows]


@dataclass(frozen=True)
class SequenceInfo:
    oid: int
    schema: str
    name: str
    display_name: str
    owned_by_oid: int | None  # the table whose column owns it (serial / identity)


async def list_sequences(
    conn: asyncpg.Connection, excluded_schemas: list[str]
) -> list[SequenceInfo]:
    rows = await conn.fetch(
        """
        SELECT c.oid, n.nspname AS schema, c.relname AS name,
               quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display_name,
               (SELECT d.refobjid FROM pg_depend d
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                 LIMIT 1) AS owned_by_oid
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'S' AND n.nspname <> ALL($1::text[])
        """,
        excluded_schemas,
    )
    return [SequenceInfo(**dict(row)) for row in rows]


@dataclass(frozen=True)
class RowSecurity:
    enabled: bool  # relrowsecurity
    forced: bool  # relforcerowsecurity


async def row_security(conn: asyncpg.Connection, table_oid: int) -> RowSecurity:
    row = await conn.fetchrow(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = $1", table_oid
    )
    return RowSecurity(enabled=row["relrowsecurity"], forced=row["relforcerowsecurity"])
