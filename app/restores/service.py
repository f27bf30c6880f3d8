"""Restores: who may restore what, the record of each restore, and what the API reads."""

import asyncio
import logging
import uuid

import asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AdminUser, RestoreOperation, SystemBackup
from app.db.paging import decode_cursor
from app.errors import BadUserInput, Conflict, NotFound, PreconditionFailed, WrongConfirmationCode
from app.pipelines.restore.options import RestoreOptions, check_options
from app.pipelines.restore.validate import read_manifest, refusal
from app.restores import planning, repository
from app.restores.confirmation import code_matches
from app.restores.targets import restore_target
from app.settings import Settings
from app.storage.client import ObjectStore

logger = logging.getLogger("lifeboat.restores")

MAX_LIST_LIMIT = 500


def running_message(database: str) -> str:
    return f"a restore is already running on database {database}; wait until it ends"


Restore = tuple[RestoreOperation, SystemBackup]


async def request_restore(
    session: AsyncSession,
    target: asyncpg.Connection,
    archives: ObjectStore,
    settings: Settings,
    admin: AdminUser,
    backup_id: str,
    confirmation_code: str,
    options: RestoreOptions | None = None,
) -> Restore:
    """Record a new `in_progress` restore; the caller commits, then enqueues it.

    Checked in this order, each leaving nothing changed: targetDatabase is a name that may be
    used (BAD_USER_INPUT), the backup exists (NOT_FOUND), the code is its code
    (UNAUTHORIZED), the options fit the backup (BAD_USER_INPUT), it is completed and its
    archive present (PRECONDITION_FAILED), no restore runs on that database (CONFLICT), the
    archive fits the database and the role may restore it (PRECONDITION_FAILED). The INSERT
    decides CONFLICT race-free: a unique index admits one `in_progress` row per database.
    `target` is a connection to the configured target.
    """
    options = options or RestoreOptions()
    into = restore_target(settings, options.target_database)
    backup = await repository.lock_backup(session, backup_id)
    if backup is None:
        raise NotFound(f"no backup {backup_id!r}")
    secret = settings.secret_key.get_secret_value()
    if not code_matches(secret, backup.backup_id, confirmation_code):
        logger.warning(
            "restore refused: wrong confirmation code for backup %s from admin %s (%s)",
            backup.backup_id,
            admin.id,
            admin.email,
        )
        raise WrongConfirmationCode("wrong confirmation code for this backup")
    check_options(options, backup.backup_type)
    refused = not_restorable(backup)
    if refused:
        raise PreconditionFailed(refused)
    if await repository.running_id(session, into.key) is not None:
        raise Conflict(running_message(into.name))
    # The same checks as the worker's validate step, so most problems show up right here.
    manifest = await asyncio.to_thread(read_manifest, archives, backup, settings.keyring)
    plan = await planning.assess(target, into, settings, archives, manifest, options)
    if plan.problems:
        raise PreconditionFailed(refusal(manifest, plan.problems))
    requested = None if options.tables is None else plan.table_names
    try:
        async with session.begin_nested():
            row = await repository.insert(
                session,
                backup.backup_id,
                admin.id,
                into.key,
                target_database=options.target_database,
                schema_mode=options.schema,
                tables_requested=requested,
            )
    except IntegrityError as error:
        if repository.ONE_RUNNING_INDEX in str(error.orig):
            raise Conflict(running_message(into.name)) from None
        raise
    logger.info("restore %s of backup %s requested by %s", row.id, backup.backup_id, admin.email)
    return row, backup


def not_restorable(backup: SystemBackup) -> str | None:
    """Why this backup cannot be restored at all, or None."""
    if backup.status != "completed" or backup.deleted_at is not None:
        state = "deleted by retention" if backup.deleted_at else backup.status
        return f"invalid backup for restoration: backup {backup.backup_id} is {state}"
    return None


async def plan_report(
    session: AsyncSession,
    target: asyncpg.Connection,
    archives: ObjectStore,
    settings: Settings,
    backup_id: str,
    options: RestoreOptions,
) -> planning.PlanReport:
    """What request_restore with these arguments would do, changing nothing.

    BAD_USER_INPUT and NOT_FOUND are errors, as there; whatever would make request_restore
    answer PRECONDITION_FAILED or CONFLICT is the report's `refusal` instead.
    """
    into = restore_target(settings, options.target_database)
    backup = await repository.get_backup(session, backup_id)
    if backup is None:
        raise NotFound(f"no backup {backup_id!r}")
    check_options(options, backup.backup_type)
    refused = not_restorable(backup)
    if refused:
        return planning.PlanReport(refusal=refused)
    try:
        manifest = await asyncio.to_thread(read_manifest, archives, backup, settings.keyring)
        plan = await planning.assess(target, into, settings, archives, manifest, options)
    except PreconditionFailed as error:
        return planning.PlanReport(refusal=error.message)
    report = await planning.report(target, into, plan, backup)
    if plan.problems:
        report.refusal = refusal(manifest, plan.problems)
    elif await repository.running_id(session, into.key) is not None:
        report.refusal = running_message(into.name)
    return report


async def list_restores(
    session: AsyncSession, limit: int, *, status: str | None = None, before: str | None = None
) -> list[Restore]:
    """A page of restores, newest first, after the item whose cursor is `before`."""
    if not 1 <= limit <= MAX_LIST_LIMIT:
        raise BadUserInput(f"limit must be between 1 and {MAX_LIST_LIMIT}")
    cursor = decode_cursor(before) if before is not None else None
    return await repository.list_newest_first(session, limit, status=status, before=cursor)


def parse_restore_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise BadUserInput(f"{text!r} is not a restore operation id (a UUID)") from None


async def get_restore(session: AsyncSession, restore_id: str) -> Restore | None:
    """The restore and its backup; None when unknown; BAD_USER_INPUT for a malformed id."""
    return await repository.get_with_backup(session, parse_restore_id(restore_id))
