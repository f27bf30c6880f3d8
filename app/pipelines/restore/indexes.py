"""Indexes of the restored tables: dropped before the load and rebuilt after, as pg_restore does.

Loading a table with its indexes in place updates every index row by row; loading it bare and
building each index once (sorted, in parallel where PostgreSQL may) is several times faster,
and rebuilding a unique index validates the restored rows. Only what can be rebuilt exactly
is dropped: indexes of plain tables (not partitioned, not partitions), valid, in the default
tablespace, in a schema where the role may create them, without per-column statistics
targets or other objects depending on them (foreign keys are already dropped by then). Their
names, definitions, comments, CLUSTER and REPLICA IDENTITY marks come back as they were;
every other index stays in place during the load.
"""

from dataclasses import dataclass

import asyncpg

from app.pipelines.restore import catalog
from app.tables.names import quote_identifier


@dataclass(frozen=True)
class Index:
    table: str
    name: str  # also the constraint's name for constraint indexes
    qualified: str  # schema-qualified index name
    definition: str  # pg_get_indexdef: CREATE [UNIQUE] INDEX … with its options
    constraint: str | None  # 'p' primary key, 'u' unique, 'x' exclusion, or None
    constraint_definition: str | None  # pg_get_constraintdef (exclusion constraints use it)
    deferrable: bool
    deferred: bool
    comment: str | None  # on the constraint for constraint indexes, else on the index
    clustered: bool
    replica_identity: bool


_SUSPENDABLE = """
SELECT format('%I.%I', tn.nspname, t.relname) AS table, i.relname AS name,
       format('%I.%I', n.nspname, i.relname) AS qualified,
       pg_get_indexdef(x.indexrelid) AS definition,
       k.contype::text AS constraint, pg_get_constraintdef(k.oid) AS constraint_definition,
       coalesce(k.condeferrable, false) AS deferrable, coalesce(k.condeferred, false) AS deferred,
       CASE WHEN k.oid IS NOT NULL THEN obj_description(k.oid, 'pg_constraint')
            ELSE obj_description(x.indexrelid, 'pg_class') END AS comment,
       x.indisclustered AS clustered, x.indisreplident AS replica_identity
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace
  JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
  LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.conrelid = x.indrelid
                           AND k.contype IN ('p', 'u', 'x')
 WHERE x.indrelid = ANY($1::oid[])
   AND t.relkind = 'r' AND NOT t.relispartition
   AND x.indisvalid AND x.indisready AND x.indislive AND i.reltablespace = 0
   -- Building an index needs CREATE on its schema, which a table's owner may lack.
   AND has_schema_privilege(i.relnamespace, 'CREATE')
   AND NOT EXISTS (SELECT FROM pg_attribute a
                    WHERE a.attrelid = x.indexrelid AND a.attstattarget >= 0)
   AND NOT EXISTS (SELECT FROM pg_depend d
                    WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid = x.indexrelid
                      AND d.deptype IN ('n', 'a'))
   AND NOT EXISTS (SELECT FROM pg_constraint other
                    WHERE other.conindid = x.indexrelid AND other.contype NOT IN ('p', 'u', 'x'))
   AND (k.oid IS NULL OR obj_description(x.indexrelid, 'pg_class') IS NULL)
   -- An exclusion constraint is rebuilt from its definition, which leaves storage options out.
   AND (k.contype IS DISTINCT FROM 'x' OR i.reloptions IS NULL)
 ORDER BY 1, 2
"""


async def suspendable(conn: asyncpg.Connection, rels: list[catalog.Relation]) -> list[Index]:
    """The indexes of these relations that can be dropped and rebuilt exactly."""
    top = [rel.oid for rel in rels if rel.level == 0]
    return [Index(**dict(row)) for row in await conn.fetch(_SUSPENDABLE, top)]


async def drop(conn: asyncpg.Connection, indexes: list[Index]) -> None:
    for index in indexes:
        if index.constraint:
            name = quote_identifier(index.name)
            await conn.execute(f"ALTER TABLE {index.table} DROP CONSTRAINT {name}")
        else:
            await conn.execute(f"DROP INDEX {index.qualified}")


async def rebuild(conn: asyncpg.Connection, indexes: list[Index]) -> None:
    """Build every index again, exactly as it was (names, options, comments, marks)."""
    for index in indexes:
        name = quote_identifier(index.name)
        if index.constraint == "x":
            definition = index.constraint_definition
            await conn.execute(f"ALTER TABLE {index.table} ADD CONSTRAINT {name} {definition}")
        else:
            await conn.execute(index.definition)  # with its storage options, unlike a constraint's
        if index.constraint in ("p", "u"):
            kind = "PRIMARY KEY" if index.constraint == "p" else "UNIQUE"
            timing = " DEFERRABLE" if index.deferrable else ""
            timing += " INITIALLY DEFERRED" if index.deferred else ""
            await conn.execute(
                f"ALTER TABLE {index.table} ADD CONSTRAINT {name} {kind} USING INDEX {name}{timing}"
            )
        if index.comment is not None:
            on = f"CONSTRAINT {name} ON {index.table}"
            what = on if index.constraint else f"INDEX {index.qualified}"
            comment = "SELECT format('COMMENT ON %s IS %L', $1::text, $2::text)"
            await conn.execute(await conn.fetchval(comment, what, index.comment))
        if index.clustered:
            await conn.execute(f"ALTER TABLE {index.table} CLUSTER ON {name}")
        if index.replica_identity:
            await conn.execute(f"ALTER TABLE {index.table} REPLICA IDENTITY USING INDEX {name}")


async def signatures(conn: asyncpg.Connection, oids: list[int]) -> list[tuple[object, ...]]:
    """Every index of these relations as comparable facts (to check the rebuild)."""
    rows = await conn.fetch(
        """
        SELECT x.indrelid::regclass::text, i.relname, pg_get_indexdef(x.indexrelid),
               x.indisclustered, x.indisreplident, x.indisvalid,
               obj_description(x.indexrelid, 'pg_class'),
               (SELECT pg_get_constraintdef(k.oid) || coalesce(' -- ' ||
                       obj_description(k.oid, 'pg_constraint'), '')
                  FROM pg_constraint k
                 WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid
                   AND k.contype IN ('p', 'u', 'x'))
          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = ANY($1::oid[])
        """,
        oids,
    )
    return sorted(tuple(row) for row in rows)
