"""Materialized views over restored tables show the restored rows, as after pg_restore."""

import asyncpg

from app.pipelines.context import PipelineContext
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.pipeline import run_restore
from tests.restores.support import completed_backup, request_restore, restore_row

MEALS = """
CREATE TABLE meals (id int PRIMARY KEY, kcal int);
INSERT INTO meals SELECT i, i * 10 FROM generate_series(1, 5) AS i;
CREATE VIEW big_meals AS SELECT * FROM meals WHERE kcal >= 30;
CREATE MATERIALIZED VIEW meal_stats AS SELECT count(*) AS n, sum(kcal) AS kcal FROM big_meals;
CREATE MATERIALIZED VIEW stats_of_stats AS SELECT n * 2 AS twice FROM meal_stats;
CREATE MATERIALIZED VIEW never_filled AS SELECT count(*) AS n FROM meals WITH NO DATA;
"""


async def test_populated_views_reading_restored_tables_are_refreshed_in_order(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(MEALS)
    backup_id = await completed_backup(ctx, target, "partial", ["meals"])
    await target.execute(
        "DELETE FROM meals WHERE id > 3;"
        "REFRESH MATERIALIZED VIEW meal_stats; REFRESH MATERIALIZED VIEW stats_of_stats"
    )
    assert await target.fetchval("SELECT twice FROM stats_of_stats") == 2

    restore_id = await request_restore(ctx, backup_id)
    await run_restore(ctx, restore_id)

    assert tuple(await target.fetchrow("SELECT n, kcal FROM meal_stats")) == (3, 120)
    assert await target.fetchval("SELECT twice FROM stats_of_stats") == 6
    populated = "SELECT relispopulated FROM pg_class WHERE relname = 'never_filled'"
    assert await target.fetchval(populated) is False  # it was not populated: it stays so
    steps = [t["step"] for t in (await restore_row(ctx, restore_id)).progress["stepTimes"]]
    assert steps.index("foreign keys") < steps.index("refresh") < steps.index("verify")


async def test_views_created_from_the_archive_are_filled_after_the_rows(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(MEALS)
    backup_id = await completed_backup(ctx, target)
    await target.execute("DROP TABLE meals CASCADE")  # the views go with it

    # The target now holds none of the backup's tables: it gets the whole schema back.
    restore_id = await request_restore(ctx, backup_id, RestoreOptions(tables=("meals",)))
    await run_restore(ctx, restore_id)

    assert tuple(await target.fetchrow("SELECT n, kcal FROM meal_stats")) == (3, 120)
    assert await target.fetchval("SELECT twice FROM stats_of_stats") == 6


async def test_views_are_not_part_of_a_table_brought_back_alone(
    pipeline_context: PipelineContext, target: asyncpg.Connection
) -> None:
    ctx = pipeline_context
    await target.execute(MEALS + "CREATE TABLE cooks (id int)")
    backup_id = await completed_backup(ctx, target)
    await target.execute("DROP TABLE meals CASCADE")

    restore_id = await request_restore(ctx, backup_id, RestoreOptions(tables=("meals",)))
    await run_restore(ctx, restore_id)

    # As pg_restore --table does: the table with its parts, not the views that read it.
    assert await target.fetchval("SELECT to_regclass('meal_stats')") is None
    assert await target.fetchval("SELECT count(*) FROM meals") == 5
