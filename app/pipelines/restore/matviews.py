"""Materialized views over restored tables are refreshed before the commit, as pg_restore does.

A populated materialized view that reads a restored table (directly, or through views and
other materialized views) would otherwise keep showing the rows the restore replaced; those
created from the archive are refreshed too (pg_dump creates them WITH NO DATA and pg_restore
fills them last). Each is refreshed after the ones it reads. REFRESH needs its owner.
"""

from dataclasses import dataclass

import asyncpg

_READS = """
SELECT DISTINCT r.ev_class AS reader, d.refobjid AS read
  FROM pg_rewrite r
  JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
 WHERE d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class
"""
_VIEWS = """
SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS kind,
       c.relispopulated AS populated, pg_get_userbyid(c.relowner) AS owner,
       pg_has_role(current_user, c.relowner, 'USAGE') AS may_refresh
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = ANY($1::oid[])
"""


@dataclass(frozen=True)
class MaterializedView:
    oid: int
    name: str
    owner: str
    may_refresh: bool


async def to_refresh(
    conn: asyncpg.Connection, restored: list[int], created: list[int] | None = None
) -> list[MaterializedView]:
    """Populated materialized views reading the `restored` relations, and the `created` ones,
    each after those it reads."""
    created = created or []
    readers: dict[int, set[int]] = {}
    reads: dict[int, set[int]] = {}
    for row in await conn.fetch(_READS):
        readers.setdefault(row["read"], set()).add(row["reader"])
        reads.setdefault(row["reader"], set()).add(row["read"])
    affected: set[int] = set(created)
    stack = list(restored) + list(created)
    while stack:
        for reader in readers.get(stack.pop(), ()):
            if reader not in affected:
                affected.add(reader)
                stack.append(reader)
    rows = {row["oid"]: row for row in await conn.fetch(_VIEWS, list(affected))}
    chosen = {
        oid
        for oid, row in rows.items()
        if row["kind"] == "m" and (row["populated"] or oid in created)
    }
    ordered: list[int] = []

    def visit(oid: int, seen: set[int]) -> None:
        if oid in seen:
            return
        seen.add(oid)
        for read in sorted(reads.get(oid, ())):
            visit(read, seen)
        if oid in chosen:
            ordered.append(oid)

    seen: set[int] = set()
    for oid in sorted(chosen, key=lambda oid: rows[oid]["name"]):
        visit(oid, seen)
    return [
        MaterializedView(oid, rows[oid]["name"], rows[oid]["owner"], rows[oid]["may_refresh"])
        for oid in ordered
    ]


async def refresh(conn: asyncpg.Connection, views: list[MaterializedView]) -> None:
    for view in views:
        await conn.execute(f"REFRESH MATERIALIZED VIEW {view.name}")


async def created_views(conn: asyncpg.Connection, names: list[tuple[str, str]]) -> list[int]:
    """The oids of these (schema, name) materialized views."""
    rows = await conn.fetch(
        "SELECT c.oid FROM unnest($1::text[], $2::text[]) AS m(s, n)"
        " JOIN pg_namespace ns ON ns.nspname = m.s"
        " JOIN pg_class c ON c.relnamespace = ns.oid AND c.relname = m.n AND c.relkind = 'm'",
        [schema for schema, _ in names],
        [name for _, name in names],
    )
    return [row["oid"] for row in rows]
