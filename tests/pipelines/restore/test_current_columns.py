"""schema: CURRENT after a deploy changed columns: rows go into today's columns, by name."""

from typing import Any

import asyncpg
import pytest

from app.errors import PreconditionFailed
from app.pipelines.context import PipelineContext
from app.pipelines.restore.pipeline import RestoreFailed, run_restore
from tests.restores.support import (
    completed_backup,
    database_state,
    request_restore,
    restore_row,
    schema_dump,
)

MEALS_ROWS = "(1, 'soup', 90, '2024-03-01'), (2, 'bread', 250, NULL)"
MEALS = f"""
CREATE TABLE meals (id int PRIMARY KEY, title text, kcal int, served text);
INSERT INTO meals VALUES {MEALS_ROWS};
"""


async def state_with_rows_replaced(target: asyncpg.Connection, rows: str) -> dict[str, Any]:
    """database_state() as if meals' rows were replaced by `rows` (its backed-up columns given,
    the others left to their defaults), worked out in a transaction that is rolled back. The
    identity sequence is put back after: nextval is not undone by a rollback."""
    sequence = await target.fetchval("SELECT pg_get_serial_sequence('meals', 'seq')")
    last_value, is_called = await target.fetchrow(f"SELECT last_value, is_called FROM {sequence}")
    trying = target.transaction()
    await trying.start()
    try:
        await target.execute(
            f"DELETE FROM meals; INSERT INTO meals (id, title, kcal, served) VALUES {rows}"
        )
        state = await database_state(target)
    finally:
        await trying.rollback()
        await target.execute("SELECT setval($1, $2, $3)", sequence, last_value, is_called)
    return state


async def test_a_column_added_since_the_backup_takes_its_default(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(MEALS)
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await target.execute(
        "ALTER TABLE meals ADD COLUMN nickname text NOT NULL DEFAULT 'anon',"
        " ADD COLUMN note text, ADD COLUMN seq int GENERATED ALWAYS AS IDENTITY;"
        "INSERT INTO meals (id, title) VALUES (3, 'added after the backup')"
    )
    definitions = await schema_dump(ctx.settings.target_database_url)
    expected = await state_with_rows_replaced(target, MEALS_ROWS)

    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)

    rows = await target.fetch("SELECT id, title, nickname, note, seq IS NOT NULL AS s FROM meals")
    assert sorted(tuple(row) for row in rows) == [
        (1, "soup", "anon", None, True),
        (2, "bread", "anon", None, True),
    ]
    assert await schema_dump(ctx.settings.target_database_url) == definitions
    # The whole fingerprint (rows, sequences, RLS, policies, triggers, indexes, constraints):
    # nothing else changed, and the identity column drew its values as an INSERT would.
    assert await database_state(target) == expected
    assert (await restore_row(ctx, restore_id)).warnings == []


async def test_a_changed_type_is_converted_as_the_rows_load(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(MEALS)
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await target.execute(
        "ALTER TABLE meals ALTER COLUMN kcal TYPE numeric(8, 2),"
        " ALTER COLUMN served TYPE date USING served::date"
    )

    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)

    rows = await target.fetch("SELECT id, kcal::text, served::text FROM meals ORDER BY id")
    assert [tuple(row) for row in rows] == [(1, "90.00", "2024-03-01"), (2, "250.00", None)]
    warnings = (await restore_row(ctx, restore_id)).warnings
    assert any("column kcal of public.meals is numeric(8,2) now but integer" in w for w in warnings)
    assert any("column served of public.meals is date now but text" in w for w in warnings)


async def test_a_value_the_new_type_refuses_fails_naming_table_column_and_value(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(MEALS)
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await target.execute(
        "DELETE FROM meals; ALTER TABLE meals ALTER COLUMN title TYPE integer USING length(title)"
    )
    before = await database_state(target)
    restore_id = await request_restore(ctx, backup_id)

    with pytest.raises(RestoreFailed) as failure:
        await run_restore(ctx, restore_id)

    message = failure.value.message
    assert "table public.meals, column title: the value 'soup'" in message
    assert "does not convert from text (its type in the backup) to integer" in message
    assert "the database is unchanged" in message
    assert await database_state(target) == before


async def test_a_not_null_column_without_default_refuses_naming_it(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(MEALS)
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await target.execute(
        "ALTER TABLE meals ADD COLUMN chef text NOT NULL DEFAULT 'x';"
        "ALTER TABLE meals ALTER COLUMN chef DROP DEFAULT"
    )

    with pytest.raises(PreconditionFailed, match=r"column chef of public\.meals is NOT NULL"):
        await request_restore(ctx, backup_id)
