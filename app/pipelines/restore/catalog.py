"""What a restore reads from the target's catalog: relations, triggers, foreign keys, the role.

Names are built with format('%I.%I'), so they are valid SQL whatever the search_path and read
like the display names of app/tables/catalog.py.
"""

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Role:
    name: str
    superuser: bool
    bypassrls: bool


async def current_role(conn: asyncpg.Connection) -> Role:
    row = await conn.fetchrow(
        "SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )
    return Role(row["rolname"], row["rolsuper"], row["rolbypassrls"])


@dataclass(frozen=True)
class Relation:
    """A restored table, or one of its partitions (level > 0, parents before children)."""

    oid: int
    name: str
    kind: str
    level: int
    owner: str
    may_alter: bool  # the role owns it (or is a member of its owner, or a superuser)
    rls_enabled: bool
    rls_forced: bool


_RELATIONS = """
WITH tree AS (
  SELECT r.oid AS relid, 0 AS level FROM unnest($1::oid[]) AS r(oid)
  UNION
  SELECT t.relid, t.level FROM unnest($1::oid[]) AS r(oid), pg_partition_tree(r.oid) AS t
   WHERE t.level > 0
)
SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS kind,
       min(tree.level) AS level, pg_get_userbyid(c.relowner) AS owner,
       pg_has_role(current_user, c.relowner, 'USAGE') AS may_alter,
       c.relrowsecurity AS rls_enabled, c.relforcerowsecurity AS rls_forced
  FROM tree JOIN pg_class c ON c.oid = tree.relid JOIN pg_namespace n ON n.oid = c.relnamespace
 GROUP BY c.oid, n.nspname
 ORDER BY min(tree.level), 2
"""


async def relations(conn: asyncpg.Connection, table_oids: list[int]) -> list[Relation]:
    """The tables and all their partitions, parents first."""
    return [Relation(**dict(row)) for row in await conn.fetch(_RELATIONS, table_oids)]


@dataclass(frozen=True)
class Trigger:
    relation: str
    level: int
    name: str
    enabled: str  # pg_trigger.tgenabled: O origin, D disabled, R replica, A always


async def user_triggers(conn: asyncpg.Connection, rels: list[Relation]) -> list[Trigger]:
    """Every user trigger of these relations (internal ones, like foreign keys', excluded)."""
    rows = await conn.fetch(
        """
        SELECT t.tgrelid AS oid, t.tgname AS name, t.tgenabled::text AS enabled
          FROM pg_trigger t WHERE t.tgrelid = ANY($1::oid[]) AND NOT t.tgisinternal
         ORDER BY t.tgname
        """,
        [rel.oid for rel in rels],
    )
    by_oid = {rel.oid: rel for rel in rels}
    found = [
        Trigger(by_oid[row["oid"]].name, by_oid[row["oid"]].level, row["name"], row["enabled"])
        for row in rows
    ]
    return sorted(found, key=lambda t: (t.level, t.relation, t.name))


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: str  # the referencing table
    table_oid: int
    referenced: str
    referenced_oid: int
    definition: str  # pg_get_constraintdef: fully qualified when search_path is empty
    comment: str | None
    may_alter_table: bool  # the role may drop and re-create it (owns the referencing table)
    may_reference: bool  # the role holds REFERENCES on the referenced table


async def foreign_keys(conn: asyncpg.Connection, oids: list[int]) -> list[ForeignKey]:
    """Top-level foreign keys from or to any of these relations (clones on partitions follow)."""
    rows = await conn.fetch(
        """
        SELECT k.conname AS name,
               format('%I.%I', tn.nspname, t.relname) AS table, k.conrelid AS table_oid,
               format('%I.%I', rn.nspname, r.relname) AS referenced,
               k.confrelid AS referenced_oid,
               pg_get_constraintdef(k.oid) AS definition,
               obj_description(k.oid, 'pg_constraint') AS comment,
               pg_has_role(current_user, t.relowner, 'USAGE') AS may_alter_table,
               has_table_privilege(k.confrelid, 'REFERENCES') AS may_reference
          FROM pg_constraint k
          JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
          JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
         WHERE k.contype = 'f' AND k.conparentid = 0
           AND (k.conrelid = ANY($1::oid[]) OR k.confrelid = ANY($1::oid[]))
         ORDER BY 2, 1
        """,
        oids,
    )
    return [ForeignKey(**dict(row)) for row in rows]


@dataclass(frozen=True)
class Sequence:
    oid: int
    name: str
    owner: str
    may_alter: bool


async def sequence(conn: asyncpg.Connection, schema: str, name: str) -> Sequence | None:
    row = await conn.fetchrow(
        """
        SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name,
               pg_get_userbyid(c.relowner) AS owner,
               pg_has_role(current_user, c.relowner, 'USAGE') AS may_alter
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'S'
        """,
        schema,
        name,
    )
    return Sequence(**dict(row)) if row else None
