"""Which of the archived schema's objects the database holds already (by kind and name).

Asked for objects that stand on their own (schemas, types, functions, tables, sequences,
extensions, …): the parts of an object (its indexes, constraints, comments) are created with
it or not at all, so nobody asks about them. A kind not known here is None: the caller
decides what an unknown means.
"""

import asyncpg

from app.pipelines.restore.schema.toc import TocEntry
from app.tables.names import quote_identifier

RELATION_KINDS = ("TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE")
FUNCTION_KINDS = ("FUNCTION", "PROCEDURE", "AGGREGATE")
TYPE_KINDS = ("TYPE", "DOMAIN", "SHELL TYPE")

# One lookup per kind: $1 is the entry's schema, $2 its name (tag), $3 a regprocedure text.
_LOOKUPS = {
    "SCHEMA": "SELECT FROM pg_namespace WHERE nspname = e.tag",
    "EXTENSION": "SELECT FROM pg_extension WHERE extname = e.tag",
    "PROCEDURAL LANGUAGE": "SELECT FROM pg_language WHERE lanname = e.tag",
    "FOREIGN DATA WRAPPER": "SELECT FROM pg_foreign_data_wrapper WHERE fdwname = e.tag",
    "SERVER": "SELECT FROM pg_foreign_server WHERE srvname = e.tag",
    "EVENT TRIGGER": "SELECT FROM pg_event_trigger WHERE evtname = e.tag",
    "PUBLICATION": "SELECT FROM pg_publication WHERE pubname = e.tag",
    "SUBSCRIPTION": "SELECT FROM pg_subscription WHERE subname = e.tag",
    "ACCESS METHOD": "SELECT FROM pg_am WHERE amname = e.tag",
    "CAST": (
        "SELECT FROM pg_cast WHERE format('CAST (%s AS %s)', format_type(castsource, NULL),"
        " format_type(casttarget, NULL)) = e.tag"
    ),
    **{
        kind: "SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = e.schema AND c.relname = e.tag"
        for kind in RELATION_KINDS
    },
    **{
        kind: "SELECT FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
        " WHERE n.nspname = e.schema AND t.typname = e.tag"
        for kind in TYPE_KINDS
    },
    **{kind: "SELECT WHERE to_regprocedure(e.signature) IS NOT NULL" for kind in FUNCTION_KINDS},
    "COLLATION": "SELECT FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace"
    " WHERE n.nspname = e.schema AND c.collname = e.tag",
    "CONVERSION": "SELECT FROM pg_conversion c JOIN pg_namespace n ON n.oid = c.connamespace"
    " WHERE n.nspname = e.schema AND c.conname = e.tag",
    "TEXT SEARCH CONFIGURATION": "SELECT FROM pg_ts_config c JOIN pg_namespace n"
    " ON n.oid = c.cfgnamespace WHERE n.nspname = e.schema AND c.cfgname = e.tag",
    "TEXT SEARCH DICTIONARY": "SELECT FROM pg_ts_dict d JOIN pg_namespace n"
    " ON n.oid = d.dictnamespace WHERE n.nspname = e.schema AND d.dictname = e.tag",
}
_QUERY = (
    "SELECT e.id, CASE e.kind "
    + " ".join(f"WHEN '{kind}' THEN EXISTS ({lookup})" for kind, lookup in _LOOKUPS.items())
    + " END AS present"
    " FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])"
    " AS e(id, kind, schema, tag, signature)"
)


def knows(kind: str) -> bool:
    return kind in _LOOKUPS


async def present_objects(conn: asyncpg.Connection, entries: list[TocEntry]) -> set[int]:
    """The ids of `entries` whose object exists in the connected database.

    Run with an empty search_path: pg_dump names types and functions as they print then.
    """
    asked = [entry for entry in entries if knows(entry.kind)]
    if not asked:
        return set()
    rows = await conn.fetch(
        _QUERY,
        [entry.id for entry in asked],
        [entry.kind for entry in asked],
        [entry.schema or "" for entry in asked],
        [entry.tag for entry in asked],
        [_signature(entry) for entry in asked],
    )
    return {row["id"] for row in rows if row["present"]}


def _signature(entry: TocEntry) -> str:
    """`"schema"."name"(argument types)` for a function's tag `name(argument types)`."""
    if entry.kind not in FUNCTION_KINDS or not entry.tag.endswith(")"):
        return ""
    depth = 0
    for i in range(len(entry.tag) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(entry.tag[i], 0)
        if depth == 0:
            name, arguments = entry.tag[:i], entry.tag[i:]
            return (
                f"{quote_identifier(entry.schema or 'public')}.{quote_identifier(name)}{arguments}"
            )
    return ""
