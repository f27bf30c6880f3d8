"""Which database a restore writes: the configured target, or another one on its server.

One restore at a time per database, keyed on server and name (`database_key`), so restores
into two different databases may run side by side while two into the same one never do.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.db.urls import database_name, with_database
from app.errors import BadUserInput
from app.settings import Settings

# What restoreBackup's targetDatabase may be: an unquoted lower-case identifier, so the name
# needs no quoting anywhere and cannot be confused with another spelling of it.
TARGET_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SYSTEM_DATABASES = ("postgres", "template0", "template1")


@dataclass(frozen=True)
class RestoreTarget:
    url: str  # a connection URL for the database restored into
    name: str
    key: str  # server and database name: what one-restore-at-a-time is keyed on
    # True for restoreBackup's targetDatabase (never the configured target).
    other: bool


def server_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or 'localhost').lower()}:{parts.port or 5432}"


def database_key(url: str) -> str:
    """`host:port/name`, the same for every spelling of a URL to that database."""
    return f"{server_of(url)}/{database_name(url)}"


def configured_target(settings: Settings) -> RestoreTarget:
    url = settings.target_database_url
    return RestoreTarget(url, database_name(url), database_key(url), other=False)


def restore_target(settings: Settings, target_database: str | None) -> RestoreTarget:
    """The database a restore writes; BadUserInput for a name that may not be used."""
    if target_database is None:
        return configured_target(settings)
    if not TARGET_DATABASE_NAME.fullmatch(target_database):
        raise BadUserInput(
            f"targetDatabase {target_database!r} is not a valid name: use 1 to 63 lower-case "
            "letters, digits and underscores, not starting with a digit"
        )
    url = with_database(settings.target_database_url, target_database)
    reserved = {database_key(settings.target_database_url): "the configured target database"}
    reserved[database_key(settings.database_url)] = "Lifeboat's own database"
    for name in SYSTEM_DATABASES:
        reserved[database_key(with_database(url, name))] = "a PostgreSQL system database"
    why = reserved.get(database_key(url))
    if why is not None:
        raise BadUserInput(
            f"targetDatabase {target_database!r} is {why}; restore into a new or empty "
            "database of another name (or leave targetDatabase out to restore the target)"
        )
    return RestoreTarget(url, target_database, database_key(url), other=True)
