"""What the target database holds: its tables, their columns and sequences.

Display names come from PostgreSQL's own quote_ident, so output matches what psql shows.
Partitioned tables are represented by their root: a partition is never listed on its own,
its rows travel with the root (COPY into the root routes them back to their partitions).
"""

from dataclasses import dataclass

import asyncpg

from app.errors import BadUserInput
from app.tables.names import QualifiedName, parse_table_name

# Schemas that never hold application data.
EXCLUDED_SCHEMAS = ("lifeboat", "pg_catalog", "information_schema", "pg_toast")


@dataclass(frozen=True)
class TableInfo:
    oid: int
    schema: str
    name: str
    display_name: str  # schema.table, each part quoted only when needed
    kind: str  # 'r' plain, 'p' partitioned root
    is_partition: bool
    parent_display_name: str | None

    @property
    def qualified(self) -> QualifiedName:
        return QualifiedName(self.schema, self.name)


_TABLES_SQL = """
SELECT c.oid,
       n.nspname AS schema,
       c.relname AS name,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS display_name,
       c.relkind::text AS kind,
       c.relispartition AS is_partition,
       (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
          FROM pg_inherits i
          JOIN pg_class pc ON pc.oid = i.inhparent
          JOIN pg_namespace pn ON pn.oid = pc.relnamespace
         WHERE i.inhrelid = c.oid AND c.relispartition) AS parent_display_name
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname <> ALL($1::text[])
   AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass
                      AND d.deptype = 'e')
"""


async def list_tables(conn: asyncpg.Connection) -> list[TableInfo]:
    """Every application table of the target (extension-owned tables excluded)."""
    rows = await conn.fetch(_TABLES_SQL, list(EXCLUDED_SCHEMAS))
    return [TableInfo(**dict(row)) for row in rows]


def backup_scope(tables: list[TableInfo]) -> list[TableInfo]:
    """The tables a full backup exports: every table except partitions (their root carries them)."""
    return sorted((t for t in tables if not t.is_partition), key=lambda t: t.display_name)


def resolve_requested(tables: list[TableInfo], requested: list[str]) -> list[TableInfo]:
    """Map a client's table names to the target's tables, or explain what is wrong."""
    if not requested:
        raise BadUserInput("a partial backup needs at least one table")
    by_name = {t.qualified: t for t in tables}
    chosen: dict[int, TableInfo] = {}
    unknown: list[str] = []
    for text in requested:
        table = by_name.get(parse_table_name(text))
        if table is None:
            unknown.append(text)
            continue
        if table.is_partition:
            raise BadUserInput(
                f"{table.display_name} is a partition of {table.parent_display_name}; "
                f"back up {table.parent_display_name} instead"
            )
        chosen[table.oid] = table
    if unknown:
        raise BadUserInput("unknown table(s): " + ", ".join(repr(name) for name in unknown))
    return sorted(chosen.values(), key=lambda t: t.display_name)
