"""Finalize and verify steps, inside the restore's transaction, before COMMIT.

finalize: sequences set from the manifest; indexes rebuilt (indexes.py); foreign keys
re-created (each validates every row, which is the foreign-key integrity check); triggers and
row-level security put back exactly as they were. verify: row counts match the manifest,
deferred constraints are checked now rather than at COMMIT, and the tables' state (RLS,
triggers, keys, indexes) reads back as it was before the restore.
"""

import asyncpg

from app.archive.manifest import SequenceEntry, TableEntry
from app.pipelines.restore import catalog
from app.pipelines.restore.errors import BrokenReferences, StateMismatch
from app.pipelines.restore.plan import RestorePlan
from app.pipelines.restore.prepare import TargetState, read_state
from app.tables.names import QualifiedName, quote_identifier, quoted_table

_TRIGGER_STATES = {
    "O": "ENABLE TRIGGER",
    "D": "DISABLE TRIGGER",
    "R": "ENABLE REPLICA TRIGGER",
    "A": "ENABLE ALWAYS TRIGGER",
}


async def set_sequences(conn: asyncpg.Connection, sequences: list[SequenceEntry]) -> None:
    """setval alone is never rolled back; after ALTER SEQUENCE … RESTART (which gives the
    sequence new storage in this transaction) it is, like everything else here."""
    for entry in sequences:
        name = quoted_table(QualifiedName(entry.schema, entry.sequence))
        await conn.execute(f"ALTER SEQUENCE {name} RESTART")
        await conn.execute(
            "SELECT pg_catalog.setval($1::regclass, $2, $3)",
            name,
            entry.last_value,
            entry.is_called,
        )


async def restore_foreign_keys(conn: asyncpg.Connection, keys: list[catalog.ForeignKey]) -> None:
    for key in keys:
        try:
            await conn.execute(
                f"ALTER TABLE {key.table} ADD CONSTRAINT {quote_identifier(key.name)} "
                f"{key.definition}"
            )
        except asyncpg.ForeignKeyViolationError as error:
            detail = (error.detail or str(error)).rstrip(".")
            raise BrokenReferences(
                f"the restored rows would break foreign key {key.name} of {key.table}, which "
                f"references {key.referenced}: {detail}. Restore the tables on both sides of it "
                "together (a backup that holds both), or fix those rows first."
            ) from error
        if key.comment is not None:
            await conn.execute(
                await conn.fetchval(
                    "SELECT format('COMMENT ON CONSTRAINT %I ON %s IS %L', $1::text, $2::text, "
                    "$3::text)",
                    key.name,
                    key.table,
                    key.comment,
                )
            )


async def restore_table_settings(conn: asyncpg.Connection, state: TargetState) -> None:
    """Row-level security flags and every user trigger's state, parents before partitions.

    Enabling a trigger on a partitioned table also sets its partitions' clones, so each
    trigger is set explicitly, parents first, to end exactly as it was.
    """
    for rel in state.relations:
        if rel.rls_enabled:
            await conn.execute(f"ALTER TABLE {rel.name} ENABLE ROW LEVEL SECURITY")
        if rel.rls_forced:
            await conn.execute(f"ALTER TABLE {rel.name} FORCE ROW LEVEL SECURITY")
    for trigger in state.triggers:
        action = _TRIGGER_STATES[trigger.enabled]
        name = quote_identifier(trigger.name)
        await conn.execute(f"ALTER TABLE {trigger.relation} {action} {name}")


async def verify(
    conn: asyncpg.Connection, plan: RestorePlan, before: TargetState, loaded: dict[str, int]
) -> None:
    """Row counts are the manifest's, constraints hold, the tables' state is what it was.

    COPY's count is the table's row count: the table was emptied in this transaction under an
    ACCESS EXCLUSIVE lock, and COPY fires no rules and (here) no triggers that could drop rows.
    """
    for entry in [table.entry for table in plan.tables] + plan.created:
        check_rows(entry, loaded.get(entry.name))
    # Deferred constraint checks run now, where a failure is an error we can explain.
    await conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
    after = await read_state(conn, plan)
    changed = _differences(before, after)
    if changed:
        raise StateMismatch(
            "after the load, the restored tables' row-level security, triggers, keys or indexes "
            f"did not read back as they were before ({changed}); the restore was rolled back."
        )


def check_rows(entry: TableEntry, loaded: int | None) -> None:
    if loaded != entry.rows:
        raise StateMismatch(
            f"{entry.name} received {loaded} rows but the manifest says {entry.rows}: the "
            "archive does not match its manifest."
        )


def _differences(before: TargetState, after: TargetState) -> str:
    said = []
    for name, was, now in zip(_FACETS, _comparable(before), _comparable(after), strict=True):
        if was != now:
            gone = sorted(set(was) - set(now), key=str)[:3]
            new = sorted(set(now) - set(was), key=str)[:3]
            said.append(f"{name}: was {gone}, now {new}")
    return "; ".join(said)


_FACETS = ("row-level security", "triggers", "foreign keys", "indexes")


def _comparable(state: TargetState) -> tuple[list[tuple[object, ...]], ...]:
    return (
        sorted((r.name, r.rls_enabled, r.rls_forced) for r in state.relations),
        sorted((t.relation, t.name, t.enabled) for t in state.triggers),
        sorted((k.table, k.name, k.definition, k.comment or "") for k in state.foreign_keys),
        state.index_facts,
    )
