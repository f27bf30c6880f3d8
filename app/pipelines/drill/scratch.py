"""Scratch databases: where a drill restores a backup, named so a reaper can always find them.

Name: `lifeboat_drill_<installation>_<drill id>`. The installation part (a digest of Lifeboat's
own database) keeps two Lifeboat installations sharing a drill server (or two test runs on one
machine) from ever dropping each other's scratch databases; the drill id tells the reaper
whether a live worker still owns it.
"""

import hashlib
import re
import uuid

import asyncpg

from app.db.urls import asyncpg_dsn, database_name, with_database
from app.restores.targets import server_of
from app.settings import Settings

PREFIX = "lifeboat_drill_"
# Where CREATE DATABASE runs when LIFEBOAT_DRILL_DATABASE_URL is unset: the target's server,
# never the target database itself.
MAINTENANCE_DATABASE = "postgres"
_SESSION = {"application_name": "lifeboat-drill"}


def installation_tag(settings: Settings) -> str:
    own = f"{server_of(settings.database_url)}/{database_name(settings.database_url)}"
    return hashlib.sha256(own.encode()).hexdigest()[:8]


def scratch_name(settings: Settings, verification_id: uuid.UUID) -> str:
    return f"{PREFIX}{installation_tag(settings)}_{verification_id.hex}"


def drill_id_of(settings: Settings, name: str) -> uuid.UUID | None:
    """The drill a scratch database of this installation belongs to; None for any other name."""
    pattern = re.escape(f"{PREFIX}{installation_tag(settings)}_") + r"([0-9a-f]{32})"
    match = re.fullmatch(pattern, name)
    return uuid.UUID(match.group(1)) if match else None


def server_url(settings: Settings) -> str:
    """A URL on the drill server: its role creates the scratch databases, its database is
    where CREATE and DROP DATABASE run."""
    if settings.drill_database_url:
        return settings.drill_database_url
    return with_database(settings.target_database_url, MAINTENANCE_DATABASE)


def drill_server(settings: Settings) -> str:
    """`host:port` of the drill server: what one-drill-at-a-time is keyed on."""
    return server_of(server_url(settings))


async def connect_server(settings: Settings) -> asyncpg.Connection:
    return await asyncpg.connect(
        asyncpg_dsn(server_url(settings)), server_settings=_SESSION, timeout=30
    )


async def drop(conn: asyncpg.Connection, name: str) -> None:
    """Drop a scratch database, ending any session still in it; nothing if it is gone."""
    if not name.startswith(PREFIX):
        raise ValueError(f"refusing to drop {name!r}: not a scratch database")
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def list_scratch(conn: asyncpg.Connection, settings: Settings) -> list[str]:
    """This installation's scratch databases on the drill server."""
    rows = await conn.fetch(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname",
        f"{PREFIX}{installation_tag(settings)}_",
    )
    return [row["datname"] for row in rows]
