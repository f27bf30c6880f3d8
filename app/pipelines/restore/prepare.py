"""Prepare step, inside the restore's transaction: lock, remember, suspend, empty.

The tables are locked ACCESS EXCLUSIVE first and their state read again under that lock, so
what finalize puts back is exactly what was there when nobody else could change it. Nothing
here is visible to anyone until the transaction commits, and a rollback undoes all of it.
"""

from dataclasses import dataclass, field, replace

import asyncpg

from app.archive.manifest import Manifest
from app.pipelines.restore import catalog
from app.pipelines.restore import indexes as restore_indexes
from app.pipelines.restore.plan import RestorePlan
from app.tables.names import quote_identifier, quoted_table


@dataclass(frozen=True)
class TargetState:
    """The restored relations as they were: row-level security, triggers, keys, indexes."""

    relations: list[catalog.Relation]
    triggers: list[catalog.Trigger]
    foreign_keys: list[catalog.ForeignKey]
    index_facts: list[tuple[object, ...]]
    # The indexes dropped for the load, to rebuild after it.
    indexes: list[restore_indexes.Index] = field(default_factory=list)


async def apply_session_settings(conn: asyncpg.Connection, manifest: Manifest) -> None:
    """The settings the archive was written with (text COPY parses by them), for this transaction.

    An empty search_path also makes pg_get_constraintdef qualify every table it names, so the
    foreign keys re-created from it mean the same tables.
    """
    for name, value in {**manifest.session_settings, "search_path": ""}.items():
        await conn.execute("SELECT set_config($1, $2, true)", name, value)


async def lock_tables(conn: asyncpg.Connection, plan: RestorePlan, mode: str) -> None:
    """Lock the tables there now that the restore replaces (rows, or under BACKUP, all)."""
    if plan.replaced:
        names = ", ".join(quoted_table(info.qualified) for _, info in plan.replaced)
        await conn.execute(f"LOCK TABLE {names} IN {mode} MODE")


async def read_state(conn: asyncpg.Connection, plan: RestorePlan) -> TargetState:
    relations = await catalog.relations(conn, [table.info.oid for table in plan.tables])
    oids = [rel.oid for rel in relations]
    return TargetState(
        relations=relations,
        triggers=await catalog.user_triggers(conn, relations),
        foreign_keys=await catalog.foreign_keys(conn, oids),
        index_facts=await restore_indexes.signatures(conn, oids),
    )


async def prepare(conn: asyncpg.Connection, plan: RestorePlan) -> TargetState:
    """Lock, record the state, suspend RLS, user triggers, foreign keys and indexes, empty."""
    if plan.tables:
        names = ", ".join(quoted_table(table.info.qualified) for table in plan.tables)
        await conn.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
    state = await read_state(conn, plan)
    # Dropped, not deferred: TRUNCATE refuses tables that others reference whatever the
    # deferral, and re-creating each key after the load validates every row at once.
    for key in state.foreign_keys:
        await conn.execute(f"ALTER TABLE {key.table} DROP CONSTRAINT {quote_identifier(key.name)}")
    # After the foreign keys: a unique index they used has no dependents left.
    state = replace(state, indexes=await restore_indexes.suspendable(conn, state.relations))
    await restore_indexes.drop(conn, state.indexes)
    with_triggers = {trigger.relation for trigger in state.triggers}
    for rel in state.relations:
        if rel.rls_enabled or rel.rls_forced:
            await conn.execute(
                f"ALTER TABLE {rel.name} NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY"
            )
        if rel.name in with_triggers:
            await conn.execute(f"ALTER TABLE {rel.name} DISABLE TRIGGER USER")
    await truncate(conn, plan)
    return state


async def truncate(conn: asyncpg.Connection, plan: RestorePlan) -> None:
    """Empty the restored tables: partitioned ones with their partitions, others ONLY themselves.

    ONLY keeps the children of a table with (legacy) inheritance out of it: they are tables of
    their own in a backup. Never CASCADE: that would empty tables the restore does not cover.
    """
    plain = [quoted_table(t.info.qualified) for t in plan.tables if t.info.kind != "p"]
    partitioned = [quoted_table(t.info.qualified) for t in plan.tables if t.info.kind == "p"]
    if plain:
        await conn.execute(f"TRUNCATE ONLY {', '.join(plain)}")
    if partitioned:
        await conn.execute(f"TRUNCATE {', '.join(partitioned)}")
