"""schema: CURRENT's column rules: archived rows go into today's columns, matched by name.

- a column added since the backup takes its default for every restored row (NULL when it has
  none and allows it); NOT NULL without a default refuses the restore;
- a column lost since the backup refuses it, naming the column (its values would be lost);
- a column whose type changed is converted by the load: COPY reads each archived value with
  the new type's input function, so `42` becomes a bigint or numeric, `2024-01-01` a
  timestamp; a value the new type does not accept fails the restore naming table, column and
  value (errors.ValueNotConverted).
"""

from dataclasses import dataclass, field

import asyncpg

from app.archive.manifest import ColumnDef


@dataclass(frozen=True)
class TargetColumn:
    name: str
    type: str  # format_type(), as the manifest writes it
    not_null: bool
    has_default: bool  # a DEFAULT or an identity: COPY fills it when left out
    generated: bool  # GENERATED ALWAYS AS (…) STORED: PostgreSQL computes it


async def target_columns(conn: asyncpg.Connection, table_oid: int) -> list[TargetColumn]:
    rows = await conn.fetch(
        """
        SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
               a.attnotnull AS not_null, a.atthasdef OR a.attidentity <> '' AS has_default,
               a.attgenerated <> '' AS generated
          FROM pg_attribute a
         WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
         ORDER BY a.attnum
        """,
        table_oid,
    )
    return [TargetColumn(**dict(row)) for row in rows]


@dataclass
class ColumnMatch:
    added: list[str] = field(default_factory=list)  # in the table now, not in the backup
    lost: list[str] = field(default_factory=list)  # in the backup, not in the table now
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # name, was, is
    problems: list[str] = field(default_factory=list)  # why CURRENT cannot load it


def match_columns(table: str, archived: list[ColumnDef], now: list[TargetColumn]) -> ColumnMatch:
    """How the archived columns of `table` map onto its columns now."""
    match = ColumnMatch()
    by_name = {column.name: column for column in now}
    archived_names = {column.name for column in archived}
    for column in archived:
        current = by_name.get(column.name)
        if current is None:
            match.lost.append(column.name)
            match.problems.append(
                f"column {column.name} ({column.type}) of {table} is in the backup but no "
                "longer in the table, so its values would be lost; add it back, or restore "
                "with schema: BACKUP"
            )
        elif current.generated:
            match.problems.append(
                f"column {column.name} of {table} is now generated, so its archived values "
                "cannot be loaded into it; restore with schema: BACKUP"
            )
        elif current.type != column.type:
            match.changed.append((column.name, column.type, current.type))
    for current in now:
        if current.name in archived_names or current.generated:
            continue
        match.added.append(current.name)
        if current.not_null and not current.has_default:
            match.problems.append(
                f"column {current.name} of {table} is NOT NULL without a default and not in "
                "the backup, so the restored rows would have no value for it; give it a "
                "default, or restore with schema: BACKUP"
            )
    return match
