"""Create Lifeboat's database if it is missing and bring its schema to the newest revision."""

import asyncio
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config

from app.db.urls import asyncpg_dsn, database_name, with_database

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


async def create_database_if_missing(url: str) -> bool:
    """CREATE DATABASE for the URL's database unless it exists; True if it was created."""
    name = database_name(url)
    admin = await asyncpg.connect(asyncpg_dsn(with_database(url, "postgres")))
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        quoted = await admin.fetchval("SELECT quote_ident($1)", name)
        try:
            await admin.execute(f"CREATE DATABASE {quoted}")
        except asyncpg.DuplicateDatabaseError:
            return False  # another process created it between our check and now
        return True
    finally:
        await admin.close()


def alembic_config(database_url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(database_url: str) -> None:
    """Run Alembic (its env.py runs its own event loop, so call this outside one)."""
    command.upgrade(alembic_config(database_url), "head")


def migrate(database_url: str) -> None:
    asyncio.run(create_database_if_missing(database_url))
    upgrade_to_head(database_url)
