"""Why an export failed, said so that the person reading the backup's error can act on it."""

import asyncio
from urllib.parse import urlsplit

import asyncpg

from app.pgtools import ClientProgramMissing
from app.pipelines.storage_errors import describe_storage_error
from app.settings import Settings


class SnapshotChanged(Exception):
    """The target's tables changed between listing and locking them; try again."""


class TableGone(Exception):
    """A table a partial backup asks for no longer exists."""


class SchemaDumpFailed(Exception):
    """pg_dump failed; the message carries the end of what it printed on stderr."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class TableExportError(Exception):
    """Exporting one table failed; names the table so the backup's error can."""

    def __init__(self, table: str, cause: BaseException) -> None:
        super().__init__(f"{table}: {cause}")
        self.table = table
        self.cause = cause


class ExportFailed(Exception):
    """The export failed and its backup was marked failed with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe_failure(error: BaseException, step: str, settings: Settings, role: str) -> str:
    """One actionable sentence or two about `error`, raised during `step`."""
    table = None
    if isinstance(error, TableExportError):
        table, error = error.table, error.cause
    if isinstance(error, TableGone | SnapshotChanged | ClientProgramMissing):
        return str(error)
    if isinstance(error, SchemaDumpFailed):
        return _schema_dump(error, settings, role)
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return _privilege(error, table, role)
    if isinstance(error, asyncpg.PostgresError):
        where = f" while exporting {table}" if table else f" during the {step} step"
        return f"the target database refused the export{where}: {error}"
    if isinstance(error, OSError | asyncpg.InterfaceError) and step in ("starting", "snapshot"):
        target = urlsplit(settings.target_database_url)
        return (
            f"cannot reach the target database at {target.hostname}:{target.port or 5432}"
            f"{target.path}: {error}; check LIFEBOAT_TARGET_DATABASE_URL and that it is running"
        )
    storage = describe_storage_error(error, step, settings, _storage_advice(settings))
    if storage is not None:
        return storage
    if isinstance(error, asyncio.CancelledError):
        return f"the export was cancelled during the {step} step (worker shutting down?)"
    where = f" while exporting {table}" if table else ""
    return f"the export failed during the {step} step{where}: {type(error).__name__}: {error}"


def _schema_dump(error: SchemaDumpFailed, settings: Settings, role: str) -> str:
    if "permission denied" in str(error):
        return (
            f"{error}. pg_dump locks every table of the database to archive its schema, a "
            f"partial backup's too. Fix: GRANT SELECT on every table to {role}, or back up as "
            "a superuser"
        )
    if error.retryable:
        return (
            f"{error}. A schema change kept waiting for the backup's table locks (or held one "
            f"longer than LIFEBOAT_SCHEMA_LOCK_TIMEOUT_SECONDS, "
            f"{settings.schema_lock_timeout_seconds:g} s); retry when schema changes are done"
        )
    return str(error)


def _storage_advice(settings: Settings) -> str:
    return (
        "Check that it is running, that the buckets LIFEBOAT_S3_BUCKET "
        f"({settings.s3_bucket}) and LIFEBOAT_UPLOADS_BUCKET ({settings.uploads_bucket}) exist "
        "and that the LIFEBOAT_S3_* credentials may use them."
    )


def _privilege(error: asyncpg.PostgresError, table: str | None, role: str) -> str:
    subject = table or "every table of the backup"
    if "row-level security" in str(error):
        return (
            f"table {subject} has row-level security that would hide rows from role {role}, "
            "so it was not exported with rows missing. Fix: ALTER ROLE "
            f"{role} BYPASSRLS, or connect as the table's owner (if it does not FORCE ROW "
            "LEVEL SECURITY), or as a superuser."
        )
    return (
        f"role {role} may not read {subject}: {error}. Fix: GRANT SELECT on it to {role} "
        "(and USAGE on its schema), or connect as its owner or a superuser."
    )
