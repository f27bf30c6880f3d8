"""How big the target's tables are: PostgreSQL's own figures, read from the catalog.

Sizes are what the table takes on disk (heap and TOAST, not indexes), estimated rows are the
planner's `reltuples` (known once the table was vacuumed or analyzed). A partitioned table
counts its partitions. Nothing here scans a table, so it answers at once on any size.
"""

from dataclasses import dataclass

import asyncpg

from app.tables.catalog import TableInfo, backup_scope, list_tables

_SIZES_SQL = """
SELECT t.oid,
       sum(pg_table_size(c.oid))::bigint AS size_bytes,
       sum(greatest(c.reltuples, 0)) FILTER (WHERE c.relkind = 'r')::bigint AS rows_known,
       bool_or(c.reltuples >= 0) FILTER (WHERE c.relkind = 'r') AS any_known
  FROM unnest($1::oid[]) AS t(oid)
  CROSS JOIN LATERAL (
        SELECT t.oid AS relid
        UNION SELECT p.relid FROM pg_partition_tree(t.oid) AS p WHERE p.isleaf
       ) AS member
  JOIN pg_class c ON c.oid = member.relid
 GROUP BY t.oid
"""


@dataclass(frozen=True)
class TableSize:
    size_bytes: int
    estimated_rows: int | None  # None until PostgreSQL has counted (VACUUM, ANALYZE)


async def table_sizes(conn: asyncpg.Connection, tables: list[TableInfo]) -> dict[int, TableSize]:
    """Size and estimated rows of each table (by oid), partitions added to their root."""
    rows = await conn.fetch(_SIZES_SQL, [table.oid for table in tables])
    return {
        row["oid"]: TableSize(
            size_bytes=row["size_bytes"] or 0,
            estimated_rows=row["rows_known"] if row["any_known"] else None,
        )
        for row in rows
    }


@dataclass(frozen=True)
class TargetTable:
    name: str  # schema.table, each part quoted only when needed
    estimated_rows: int | None
    size_bytes: int


async def target_tables(conn: asyncpg.Connection) -> list[TargetTable]:
    """The tables a backup can name (partitions under their root), by name, with their size."""
    tables = backup_scope(await list_tables(conn))
    sizes = await table_sizes(conn, tables)
    unknown = TableSize(size_bytes=0, estimated_rows=None)  # dropped between the two reads
    return [
        TargetTable(
            name=table.display_name,
            estimated_rows=sizes.get(table.oid, unknown).estimated_rows,
            size_bytes=sizes.get(table.oid, unknown).size_bytes,
        )
        for table in tables
    ]
