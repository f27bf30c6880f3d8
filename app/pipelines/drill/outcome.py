"""A drill's verdict from what went wrong: FAILED when the backup is damaged, ERROR when the
drill could not run (and the backup's soundness is unknown).

FAILED is said only when the fault is the archive's: a checksum, a missing object, rows that
break a constraint or read back different. Everything else (privileges, a full disk, an
unreachable server, a bug) is ERROR with what to fix, because calling a sound backup damaged
would make an operator throw it away.
"""

import asyncio
import re

import asyncpg
import urllib3.exceptions
from minio.error import MinioException, S3Error

from app.archive.reader import ArchiveCorrupted
from app.drills.lifecycle import ERROR, FAILED, DrillResult
from app.pipelines.restore.errors import StateMismatch, TableRestoreError
from app.pipelines.restore.schema.apply import SchemaObjectFailed

_MISSING_OBJECT = ("NoSuchKey", "NoSuchObject", "NotFound")


class BackupDamaged(Exception):
    """What the drill found wrong with the backup; the message names the table or object."""


class DrillCannotRun(Exception):
    """What kept the drill from running; the message says what to fix."""


class DrillServerBusy(Exception):
    """Another drill holds the drill server: this one waits in the queue."""


class DrillBusy(Exception):
    """Another worker runs this very drill."""


def judge(error: BaseException, step: str, role: str, server: str) -> DrillResult:
    """The verdict and its one-paragraph explanation for `error`, raised during `step`."""
    damaged = _damage(error)
    if damaged is not None:
        return DrillResult(FAILED, f"the backup is damaged: {damaged}")
    return DrillResult(ERROR, f"the drill could not run: {_cause(error, step, role, server)}")


def _damage(error: BaseException) -> str | None:
    """What is wrong with the backup, if `error` says it is the backup's fault."""
    table = None
    if isinstance(error, TableRestoreError):
        table, error = error.table, error.cause
    if isinstance(error, SchemaObjectFailed) and isinstance(
        error.cause, asyncpg.IntegrityConstraintViolationError
    ):
        # An index or constraint the archived rows break (a duplicate key, a dangling
        # foreign key); any other object refused is the drill server's business (ERROR).
        error = error.cause
    where = f"table {table}: " if table else ""
    if isinstance(error, BackupDamaged | StateMismatch):
        # StateMismatch here: a table's archived rows are not as many as its manifest says.
        return str(error)
    if isinstance(error, ArchiveCorrupted):
        return f"{where}{error}"
    if isinstance(error, S3Error) and error.code in _MISSING_OBJECT:
        return f"{where}object {error.object_name} is missing from the archive"
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        constraint = getattr(error, "constraint_name", None)
        relation = getattr(error, "table_name", None)
        schema = getattr(error, "schema_name", None)
        named = f"{_ident(schema)}.{_ident(relation)}" if schema and relation else table
        what = f"constraint {constraint} of table {named}" if constraint else f"table {named}"
        return f"the restored rows break {what}: {_said(error)}"
    if isinstance(error, asyncpg.DataError) and table:
        # Bad input syntax while loading archived rows: the archive holds what no column takes.
        return f"{where}the archived rows do not load: {_said(error)}"
    return None


def _said(error: asyncpg.PostgresError) -> str:
    """PostgreSQL's message and detail on one line."""
    message = getattr(error, "message", None) or str(error).split("\n", 1)[0]
    detail = getattr(error, "detail", None)
    return f"{message} ({detail.rstrip('.')})" if detail else message


def _ident(part: str) -> str:
    """A name part as quote_ident writes it (reserved words aside): quoted only when needed."""
    return part if re.fullmatch(r"[a-z_][a-z0-9_$]*", part) else '"' + part.replace('"', '""') + '"'


def _cause(error: BaseException, step: str, role: str, server: str) -> str:
    if isinstance(error, DrillCannotRun):
        return str(error)
    if isinstance(error, TableRestoreError):
        error = error.cause
    if isinstance(error, asyncpg.InsufficientPrivilegeError):
        return (
            f"role {role} on the drill server {server} lacks a privilege during the {step} "
            f"step: {error}. A drill needs a role that may create databases (ALTER ROLE {role} "
            "CREATEDB), or set LIFEBOAT_DRILL_DATABASE_URL to a server where one may."
        )
    if isinstance(error, asyncpg.InsufficientResourcesError):
        return (
            f"the drill server {server} is out of resources during the {step} step: {error}. "
            "Free disk space or connections there, or set LIFEBOAT_DRILL_DATABASE_URL to a "
            "spare server with room for a copy of the database."
        )
    if isinstance(error, OSError | asyncpg.InterfaceError | asyncpg.CannotConnectNowError):
        return (
            f"lost or could not reach the drill server {server} during the {step} step: "
            f"{error}. Check that it is running (LIFEBOAT_DRILL_DATABASE_URL, or the target's "
            "server when unset)."
        )
    if isinstance(error, S3Error | MinioException | urllib3.exceptions.HTTPError):
        return (
            f"object storage failed during the {step} step: {error}. Check that it is running "
            "and that the LIFEBOAT_S3_* settings can read the backups bucket."
        )
    if isinstance(error, asyncio.CancelledError):
        return f"the worker stopped during the {step} step. Run verifyBackup again."
    if isinstance(error, asyncpg.PostgresError):
        return f"the drill server {server} refused the {step} step: {_said(error)}"
    return f"{type(error).__name__} during the {step} step: {error}"
