"""schema: BACKUP: the backed-up schemas become exactly what they were.

Every schema the archive describes is dropped with all it holds (CASCADE), then created again
from the archive, in the restore's one transaction: objects created since the backup are gone,
changed ones come back as they were. `public` is in every database and pg_dump describes only
how it differs from a fresh one, so it is re-created as PostgreSQL creates it (owned by
pg_database_owner, USAGE for everyone, its standard comment) and the archive's grants and
comment on it then apply as in a fresh database. Schemas created after the backup, and
objects outside schemas (roles, extensions' catalogs, publications…), are left alone.
"""

import asyncpg

from app.pipelines.restore.schema.dump import ArchivedSchema
from app.tables.names import quote_identifier

_NEVER = ("pg_catalog", "information_schema", "pg_toast", "lifeboat")
_FRESH_PUBLIC = """
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';
"""


def rewound_schemas(archived: ArchivedSchema) -> list[str]:
    """The schemas the archive describes, public included."""
    names = {"public"}
    for entry in archived.script.entries:
        if entry.kind == "SCHEMA":
            names.add(entry.tag)
        elif entry.schema:
            names.add(entry.schema)
    return sorted(names - set(_NEVER))


async def drop_schemas(conn: asyncpg.Connection, schemas: list[str]) -> None:
    """Drop them with everything in them, and put back a fresh `public`."""
    existing = await conn.fetch(
        "SELECT nspname FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY nspname",
        schemas,
    )
    for row in existing:
        await conn.execute(f"DROP SCHEMA {quote_identifier(row['nspname'])} CASCADE")
    if "public" in schemas:
        await conn.execute(_FRESH_PUBLIC)


async def extensions_in(conn: asyncpg.Connection, schemas: list[str]) -> set[str]:
    """Extensions whose objects live in these schemas (dropped with them)."""
    rows = await conn.fetch(
        "SELECT e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE n.nspname = ANY($1::text[])",
        schemas,
    )
    return {row["extname"] for row in rows}


_STANDALONE_NOW = """
SELECT kind, schema, tag, format('%I.%s', schema, shown) AS shown FROM (
  SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
              WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind,
         n.nspname AS schema, c.relname AS tag, quote_ident(c.relname) AS shown, c.oid,
         'pg_class'::regclass AS catalog
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
  SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
         n.nspname, p.proname || '(' || args.list || ')',
         quote_ident(p.proname) || '(' || args.list || ')', p.oid, 'pg_proc'::regclass
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace,
         LATERAL (SELECT coalesce(string_agg(format_type(t, NULL), ', ' ORDER BY i), '') AS list
                    FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t, i)) AS args
  UNION ALL
  SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, n.nspname, t.typname,
         quote_ident(t.typname), t.oid, 'pg_type'::regclass
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
   WHERE t.typtype IN ('b', 'd', 'e', 'r', 'm')
      OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
) AS o
 WHERE schema = ANY($1::text[])
   AND NOT EXISTS (SELECT FROM pg_depend d
                    WHERE d.classid = o.catalog AND d.objid = o.oid AND d.deptype = 'e')
   AND NOT (kind = 'TYPE' AND EXISTS (SELECT FROM pg_type a WHERE a.oid = o.oid
                                        AND a.typcategory = 'A'))
"""


async def objects_dropped(
    conn: asyncpg.Connection, archived: ArchivedSchema, schemas: list[str]
) -> list[str]:
    """Objects in the rewound schemas that the archive does not hold: created since, they go
    for good (`table public.added_later`). Run with an empty search_path."""
    archived_objects = {(e.kind, e.schema, e.tag) for e in archived.script.entries}
    rows = await conn.fetch(_STANDALONE_NOW, schemas)
    gone = [
        f"{row['kind'].lower()} {row['shown']}"
        for row in rows
        if (row["kind"], row["schema"], row["tag"]) not in archived_objects
    ]
    return sorted(gone)
