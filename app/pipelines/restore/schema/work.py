"""The DDL part of a restore: which archived objects to create, and what that brings with it.

- schema: CURRENT, some restored tables (or sequences) missing: those, with their parts and
  what they need that the database lacks (select.select_missing);
- the database holds none of the backup's tables (empty or new), or schema: BACKUP after its
  schemas are dropped: every archived object the database lacks (select.select_whole).

The choice is made twice with the same code: read-only for the plan, and again inside the
restore's transaction (after BACKUP's drop), so it matches the database as it is then.
"""

from dataclasses import dataclass, field

import asyncpg

from app.pipelines.restore import catalog
from app.pipelines.restore.schema.dump import ArchivedSchema
from app.pipelines.restore.schema.present import present_objects
from app.pipelines.restore.schema.rewind import extensions_in
from app.pipelines.restore.schema.roles import read_role_facts, roles_named, with_roles
from app.pipelines.restore.schema.select import Selection, select_missing, select_whole
from app.pipelines.restore.schema.toc import TocEntry


@dataclass
class SchemaWork:
    archived: ArchivedSchema
    whole: bool  # every object the database lacks
    rewind: list[str]  # schemas schema: BACKUP drops first (none for CURRENT)
    # Restored tables to create, as (schema, table); their TOC entries are the roots.
    tables: list[tuple[str, str]] = field(default_factory=list)
    sequences: list[tuple[str, str]] = field(default_factory=list)  # missing, restored
    chosen: set[int] = field(default_factory=set)
    tables_created: list[str] = field(default_factory=list)  # display names
    objects_dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # owners, grants, keys not as archived

    def entries(self, ids: set[int] | None = None) -> list[TocEntry]:
        wanted = self.chosen if ids is None else ids
        return [entry for entry in self.archived.script.entries if entry.id in wanted]


async def choose(
    conn: asyncpg.Connection, work: SchemaWork, *, fresh: bool = False, dropped: bool = False
) -> Selection:
    """Set work.chosen for the database `conn` holds (`fresh`: one not created yet, empty;
    `dropped`: BACKUP's schemas already dropped); returns the selection with its problems."""
    graph = work.archived.graph
    present = set() if fresh else await _present(conn, work, dropped)
    if work.whole:
        selection = select_whole(graph, present)
    else:
        roots: list[int] = []
        missing: list[str] = []
        for schema, name in work.tables:
            found = graph.table(schema, name)
            if found is None:
                missing.append(f"{schema}.{name}")
            else:
                roots.append(found.id)
        for schema, name in work.sequences:
            found = graph.sequence(schema, name)
            if found:
                roots.append(found.id)
        selection = select_missing(graph, roots, present, restored=set(roots))
        selection.problems += [
            f"the archived schema has no table {name} (the archive is inconsistent)"
            for name in missing
        ]
    work.chosen = selection.chosen
    work.tables_created = await _display_names(
        conn,
        [e for e in work.entries() if e.kind == "TABLE" and not graph.is_part(e)],
    )
    return selection


async def _present(conn: asyncpg.Connection, work: SchemaWork, dropped: bool) -> set[int]:
    standalone = [e for e in work.archived.script.entries if not work.archived.graph.is_part(e)]
    present = await present_objects(conn, standalone)
    if work.rewind and not dropped:  # the plan, before the drop: what the drop takes away
        gone_extensions = await extensions_in(conn, work.rewind)
        present -= {
            e.id
            for e in standalone
            if e.schema in work.rewind
            or (e.kind == "SCHEMA" and e.tag in work.rewind)
            or (e.kind == "EXTENSION" and e.tag in gone_extensions)
        }
    return present


async def role_warnings(conn: asyncpg.Connection, work: SchemaWork) -> list[str]:
    """One line per owner or grant of the chosen objects that cannot be as archived."""
    entries = work.entries()
    facts = await read_role_facts(conn, roles_named(entries))
    return [line for entry in entries for line in with_roles(entry, facts)[1]]


def skipped_key_warnings(selection: Selection) -> list[str]:
    return [
        f"{key.label} was not re-created: it belongs to a table this restore leaves as it is, "
        "and references a table it creates"
        for key in selection.skipped_keys
    ]


async def ddl_problems(
    conn: asyncpg.Connection, work: SchemaWork, role: catalog.Role, *, fresh: bool = False
) -> list[str]:
    """Privileges a non-superuser lacks to create (and for BACKUP, first drop) the objects."""
    if role.superuser or fresh:  # a new database is owned by the role that creates it
        return []
    entries = work.entries()
    schemas = sorted({e.schema for e in entries if e.schema} | set(work.rewind))
    rows = await conn.fetch(
        """
        SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner,
               pg_has_role(current_user, n.nspowner, 'MEMBER') AS owns,
               has_schema_privilege(n.oid, 'CREATE') AS may_create
          FROM pg_namespace n WHERE n.nspname = ANY($1::text[])
        """,
        schemas,
    )
    problems: list[str] = []
    database = await conn.fetchval("SELECT current_database()")
    for row in rows:
        if row["name"] in work.rewind and not row["owns"]:
            problems.append(
                f"schema: BACKUP drops schema {row['name']}, which role {role.name} does not "
                f"own (owner {row['owner']}). Fix: ALTER SCHEMA {row['name']} OWNER TO "
                f"{role.name}, or connect as a superuser"
            )
        elif row["name"] not in work.rewind and not row["may_create"]:
            problems.append(
                f"role {role.name} may not create objects in schema {row['name']}. Fix: GRANT "
                f"CREATE ON SCHEMA {row['name']} TO {role.name}"
            )
    creates_schemas = work.rewind or any(e.kind == "SCHEMA" for e in entries)
    if creates_schemas and not await conn.fetchval(
        "SELECT has_database_privilege(current_database(), 'CREATE')"
    ):
        problems.append(
            f"role {role.name} may not create schemas in database {database}. Fix: GRANT "
            f'CREATE ON DATABASE "{database}" TO {role.name}'
        )
    if "public" in work.rewind and not await conn.fetchval(
        "SELECT pg_has_role(current_user, 'pg_database_owner', 'MEMBER')"
    ):
        problems.append(
            f"schema: BACKUP re-creates schema public, owned by the database's owner, which "
            f'role {role.name} is not. Fix: ALTER DATABASE "{database}" OWNER TO '
            f"{role.name}, or connect as a superuser"
        )
    return problems


async def _display_names(conn: asyncpg.Connection, entries: list[TocEntry]) -> list[str]:
    if not entries:
        return []
    rows = await conn.fetch(
        "SELECT quote_ident(s) || '.' || quote_ident(t) AS name"
        " FROM unnest($1::text[], $2::text[]) AS x(s, t)",
        [e.schema or "public" for e in entries],
        [e.tag for e in entries],
    )
    return sorted(row["name"] for row in rows)
