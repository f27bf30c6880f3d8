"""The fixture schema of tests/support/fixture_schema.sql and a fingerprint of table rows.

Export and restore tests compare fingerprints taken before and after: equal fingerprints mean
the same rows, value for value (generated columns included, since they are part of a row).
"""

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import asyncpg

from app.tables.catalog import backup_scope, list_tables

_SQL = (Path(__file__).parent / "fixture_schema.sql").read_text()
_DDL, _DATA = _SQL.split("-- DATA --", 1)

# What a full backup of the fixture schema holds (display names, sorted as tablesIncluded is).
FIXTURE_TABLES = sorted(
    [
        '"Odd Schema"."A ""B"""',
        '"Odd Schema"."Mixed Case"',
        "billing.invoices",
        "public.audit_log",
        "public.categories",
        "public.empty_table",
        "public.households",
        "public.ingredients",
        "public.kitchen_sink",
        "public.meal_log",
        "public.members",
        "public.private_notes",
        "public.recipes",
        "public.sessions_cache",
        "public.with_dropped",
        "public.zero_columns",
    ]
)

# Settings that make a row's text form independent of the server's and session's defaults.
_STABLE_TEXT = """
SET LOCAL DateStyle = ISO, YMD; SET LOCAL IntervalStyle = postgres; SET LOCAL TimeZone = 'UTC';
SET LOCAL extra_float_digits = 3; SET LOCAL bytea_output = hex; SET LOCAL lc_monetary = 'C';
SET LOCAL row_security = off;
"""


async def create_fixture_schema(conn: asyncpg.Connection, *, with_data: bool = True) -> None:
    """Create the fixture's types and tables in the connected database, filled unless told not."""
    await conn.execute(_DDL)
    if with_data:
        await conn.execute(_DATA)


class Fingerprint(NamedTuple):
    rows: int
    md5: str


async def table_fingerprints(
    conn: asyncpg.Connection, tables: Iterable[str] | None = None
) -> dict[str, Fingerprint]:
    """Rows and an order-independent checksum of every table (or of the given display names).

    Partitioned tables are read through their root. Needs a role that sees every row (a
    superuser, or the owner without FORCE RLS): RLS errors out rather than hiding rows here.
    """
    if tables is None:
        tables = [t.display_name for t in backup_scope(await list_tables(conn))]
    prints: dict[str, Fingerprint] = {}
    # In a transaction of its own, so the caller's session settings are left as they were.
    async with conn.transaction():
        await conn.execute(_STABLE_TEXT)
        for name in tables:
            # Display names are quote_ident'ed by PostgreSQL: valid SQL as they are.
            row = await conn.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg(t::text, E'\\n'"
                f" ORDER BY t::text), '')) AS md5 FROM {name} AS t"
            )
            prints[name] = Fingerprint(row["n"], row["md5"])
    return prints
