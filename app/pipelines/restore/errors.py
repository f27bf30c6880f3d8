"""Why a restore failed, said so that the person reading the operation's error can act on it."""

import asyncio
from urllib.parse import urlsplit

import asyncpg

from app.archive.reader import ArchiveCorrupted
from app.errors import PreconditionFailed
from app.pipelines.storage_errors import describe_storage_error
from app.settings import Settings

UNCHANGED = "Nothing was restored: the database is unchanged."
WORKER_DIED = (
    "the worker running this restore stopped before it finished (killed, crashed or cut off "
    "from the database); its transaction died with its connection, so the restore was not "
    f"applied. {UNCHANGED} Start the restore again if you still want it."
)


class TableRestoreError(Exception):
    """Loading one table failed; names the table so the operation's error can."""

    def __init__(self, table: str, cause: BaseException) -> None:
        super().__init__(f"{table}: {cause}")
        self.table = table
        self.cause = cause


class ValueNotConverted(Exception):
    """An archived value that today's column does not take; names table, column and value."""


class BrokenReferences(Exception):
    """A foreign key touching the restored tables does not hold for the restored rows."""


class SnapshotFailed(Exception):
    """The pre-restore snapshot could not be taken."""


class StateMismatch(Exception):
    """After the restore a table's triggers, row-level security or keys are not as before."""


def describe_failure(error: BaseException, step: str, settings: Settings, role: str) -> str:
    """One actionable sentence or two about `error`, raised during `step` (before COMMIT)."""
    table = None
    if isinstance(error, TableRestoreError):
        table, error = error.table, error.cause
    if isinstance(error, ArchiveCorrupted):
        where = f" (table {table})" if table else ""
        return (
            f"the archive is corrupted{where}: {error}. {UNCHANGED} Restore another backup; "
            "this one cannot be trusted."
        )
    if isinstance(error, PreconditionFailed):
        said = "Nothing was" in error.message
        return error.message if said else f"{error.message}. {UNCHANGED}"
    if isinstance(error, BrokenReferences | SnapshotFailed | StateMismatch | ValueNotConverted):
        return f"{error} {UNCHANGED}"
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return (
            f"role {role} lacks a privilege the restore needs during the {step} step: {error}. "
            f"{UNCHANGED} See the README's section on restore privileges."
        )
    if isinstance(error, asyncpg.PostgresError):
        where = f" while loading {table}" if table else f" during the {step} step"
        return f"the target database refused the restore{where}: {error}. {UNCHANGED}"
    if isinstance(error, OSError | asyncpg.InterfaceError):
        target = urlsplit(settings.target_database_url)
        return (
            f"lost the target database at {target.hostname}:{target.port or 5432}{target.path} "
            f"during the {step} step: {error}. {UNCHANGED} Check that it is running."
        )
    storage = describe_storage_error(error, step, settings, _storage_advice(settings))
    if storage is not None:
        return storage
    if isinstance(error, asyncio.CancelledError):
        return f"the restore was cancelled during the {step} step (worker stopping?). {UNCHANGED}"
    where = f" while loading {table}" if table else ""
    return (
        f"the restore failed during the {step} step{where}: {type(error).__name__}: {error}. "
        f"{UNCHANGED}"
    )


def describe_after_commit(error: BaseException, settings: Settings) -> str:
    """The tables were restored and committed; putting the uploads back failed."""
    return (
        "the tables were restored (committed), but putting the uploads back into bucket "
        f"{settings.uploads_bucket} failed: {type(error).__name__}: {error}. The uploads bucket "
        "may be partly restored: restore this backup again to finish it, or restore the "
        "pre-restore snapshot to go back to how everything was before."
    )


def _storage_advice(settings: Settings) -> str:
    return (
        f"{UNCHANGED} Check that it is running and that LIFEBOAT_S3_BUCKET ({settings.s3_bucket}) "
        "is readable with the LIFEBOAT_S3_* credentials."
    )
