"""Restore steps on their own: what they change, and that a rollback undoes it."""

import asyncpg

from app.archive.manifest import SequenceEntry
from app.pipelines.restore import catalog
from app.pipelines.restore import indexes as restore_indexes
from app.pipelines.restore.finalize import set_sequences
from tests.restores.scenario import TABLE_SETTINGS
from tests.support.fixture_schema import create_fixture_schema


async def sequence_value(conn: asyncpg.Connection, name: str) -> tuple[int, bool]:
    row = await conn.fetchrow(f"SELECT last_value, is_called FROM {name}")
    return row["last_value"], row["is_called"]


async def test_sequences_set_by_a_restore_that_rolls_back_keep_their_values(
    target: asyncpg.Connection,
) -> None:
    await target.execute("CREATE SEQUENCE tickets; SELECT nextval('tickets'), nextval('tickets')")
    entry = SequenceEntry("public.tickets", "public", "tickets", last_value=500, is_called=False)

    failing = target.transaction()
    await failing.start()
    await set_sequences(target, [entry])
    assert await sequence_value(target, "tickets") == (500, False)
    await target.execute("SELECT setval('tickets', 900)")  # after the RESTART: undone too
    await failing.rollback()

    assert await sequence_value(target, "tickets") == (2, True)
    async with target.transaction():
        await set_sequences(target, [entry])
    assert await sequence_value(target, "tickets") == (500, False)


async def test_indexes_are_suspended_only_where_they_can_be_rebuilt_exactly(
    target: asyncpg.Connection,
) -> None:
    await create_fixture_schema(target)
    await target.execute(TABLE_SETTINGS)
    oid = await target.fetchval("SELECT 'public.bookings'::regclass::oid")
    rels = await catalog.relations(target, [oid])
    before = await restore_indexes.signatures(target, [oid])

    restoring = target.transaction()
    await restoring.start()
    try:
        # While booking_notes' foreign key uses the primary key, the key stays.
        held = {index.name for index in await restore_indexes.suspendable(target, rels)}
        assert "bookings_pk" not in held
        await target.execute(
            "ALTER TABLE booking_notes DROP CONSTRAINT booking_notes_booking_id_fkey"
        )
        indexes = await restore_indexes.suspendable(target, rels)
        names = sorted(index.name for index in indexes)
        # bookings_stats has a statistics target that a rebuild would lose: kept in place.
        assert names == [
            "bookings_code_key",
            "bookings_lower_room",
            "bookings_pk",
            "bookings_room_code",
            "no_double_booking",
        ]
        await restore_indexes.drop(target, indexes)
        remaining = await target.fetch(
            "SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = $1", oid
        )
        assert [row["name"] for row in remaining] == ["bookings_stats"]
        await target.execute("TRUNCATE booking_notes, bookings")
        await restore_indexes.rebuild(target, indexes)
        assert await restore_indexes.signatures(target, [oid]) == before
    finally:
        await restoring.rollback()
