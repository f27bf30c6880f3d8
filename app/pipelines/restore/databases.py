"""Databases a restore writes other than the configured target: found, checked, created, dropped.

A new one is created `TEMPLATE template0` with the archive's encoding and locale (as
`pg_dump --create` would have it), owned by the restoring role; its archived `ALTER DATABASE
… SET` settings are applied once it is loaded, since a setting such as
default_transaction_read_only must not apply to the load itself.
"""

import asyncpg

from app.archive.manifest import DatabaseEntry
from app.db.urls import asyncpg_dsn
from app.tables.names import quote_identifier

# What an "empty" database may hold: what CREATE DATABASE gives it (schema public, plpgsql).
_CONTENTS = """
SELECT (SELECT count(*) FROM pg_namespace
         WHERE nspname NOT IN ('public', 'information_schema') AND nspname NOT LIKE 'pg\\_%')
     + (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public')
     + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public')
     + (SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'public')
     + (SELECT count(*) FROM pg_extension WHERE extname <> 'plpgsql')
"""


async def exists(conn: asyncpg.Connection, name: str) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name)
    )


async def object_count(conn: asyncpg.Connection) -> int:
    """How many objects the connected database holds beyond what a new database has."""
    return int(await conn.fetchval(_CONTENTS))


async def may_create_databases(conn: asyncpg.Connection) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
    )


async def create(conn: asyncpg.Connection, name: str, archived: DatabaseEntry | None) -> None:
    """CREATE DATABASE `name` TEMPLATE template0, encoded and sorted as the archive's was."""
    options = ["TEMPLATE template0"]
    if archived is not None:
        literal = await _literals(conn, archived)
        options += [f"ENCODING {literal['encoding']}"]
        options += [f"LC_COLLATE {literal['collate']}", f"LC_CTYPE {literal['ctype']}"]
        options += [f"LOCALE_PROVIDER {archived.locale_provider}"]
        if archived.icu_locale and archived.locale_provider == "icu":
            options += [f"ICU_LOCALE {literal['icu_locale']}"]
    await conn.execute(f"CREATE DATABASE {quote_identifier(name)} {' '.join(options)}")


async def drop(conn: asyncpg.Connection, name: str) -> None:
    """Drop it, even with sessions still connected (they are ours, failing)."""
    await conn.execute(f"DROP DATABASE IF EXISTS {quote_identifier(name)} WITH (FORCE)")


async def apply_settings(url: str, settings: list[str]) -> list[str]:
    """The archived `ALTER DATABASE … SET`s, each `name=value` as PostgreSQL stored it; returns
    a warning for each one this server refuses.

    Each value is set in the session first and stored FROM CURRENT: PostgreSQL parses the
    stored text itself (lists such as search_path included), so nothing is re-quoted here.
    """
    warnings: list[str] = []
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        name_of_db = await conn.fetchval("SELECT current_database()")
        for setting in settings:
            name, _, value = setting.partition("=")
            try:
                async with conn.transaction():
                    await conn.execute("SELECT set_config($1, $2, true)", name, value)
                    await conn.execute(
                        f"ALTER DATABASE {quote_identifier(name_of_db)} SET "
                        f"{quote_identifier(name)} FROM CURRENT"
                    )
            except asyncpg.PostgresError as error:
                warnings.append(f"database setting {setting} was not applied: {error}")
    finally:
        await conn.close()
    return warnings


async def _literals(conn: asyncpg.Connection, archived: DatabaseEntry) -> dict[str, str]:
    row = await conn.fetchrow(
        "SELECT quote_literal($1) AS encoding, quote_literal($2) AS collate,"
        " quote_literal($3) AS ctype, quote_literal($4) AS icu_locale",
        archived.encoding,
        archived.collate,
        archived.ctype,
        archived.icu_locale or "",
    )
    return dict(row)
