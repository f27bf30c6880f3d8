"""The `tables` query: the target's tables for pickers, with their size and estimated rows."""

import asyncpg

from tests.conftest import GraphQLClient

TABLES = "{ tables { name estimatedRows sizeBytes } }"


async def test_tables_lists_the_target_with_sizes_and_leaves_lifeboat_out(
    gql: GraphQLClient, target: asyncpg.Connection
) -> None:
    await target.execute(
        '''
        CREATE SCHEMA lifeboat; CREATE TABLE lifeboat.applied_restores (id int);
        CREATE SCHEMA "Odd Schema"; CREATE TABLE "Odd Schema"."Meal ""Plans""" (id int);
        CREATE TABLE recipes (id int, title text);
        INSERT INTO recipes SELECT n, repeat('x', 200) FROM generate_series(1, 5000) n;
        CREATE TABLE fresh (id int);
        CREATE TABLE log (at date, note text) PARTITION BY RANGE (at);
        CREATE TABLE log_2026 PARTITION OF log FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
        CREATE TABLE log_2027 PARTITION OF log FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
        INSERT INTO log SELECT '2026-06-01'::date + (n % 400), 'n' FROM generate_series(1, 800) n;
        ANALYZE recipes; ANALYZE log;
        '''
    )

    body = await gql(TABLES)

    assert "errors" not in body, body
    tables = {table["name"]: table for table in body["data"]["tables"]}
    assert list(tables) == [
        '"Odd Schema"."Meal ""Plans"""',
        "public.fresh",
        "public.log",
        "public.recipes",
    ]  # sorted, quoted as PostgreSQL quotes, partitions under their root, lifeboat left out
    assert tables["public.recipes"]["estimatedRows"] == 5000
    assert tables["public.recipes"]["sizeBytes"] >= 5000 * 200
    assert tables["public.log"]["estimatedRows"] == 800
    assert tables["public.log"]["sizeBytes"] > 0
    assert tables["public.fresh"] == {"name": "public.fresh", "estimatedRows": None, "sizeBytes": 0}
