"""The events Lifeboat announces and the JSON body each one carries."""

import json
import uuid
from datetime import datetime
from typing import Any

from app.db.drill_models import Verification
from app.db.models import RestoreOperation, SystemBackup

BACKUP_COMPLETED = "backup.completed"
BACKUP_FAILED = "backup.failed"
RESTORE_COMPLETED = "restore.completed"
RESTORE_FAILED = "restore.failed"
# A drill found the backup damaged (FAILED), or could not run (ERROR); a PASSED one is news
# to nobody, so it announces nothing.
BACKUP_VERIFICATION_FAILED = "backup.verification_failed"
BACKUP_VERIFICATION_ERROR = "backup.verification_error"
EVENTS = (
    BACKUP_COMPLETED,
    BACKUP_FAILED,
    RESTORE_COMPLETED,
    RESTORE_FAILED,
    BACKUP_VERIFICATION_FAILED,
    BACKUP_VERIFICATION_ERROR,
)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def backup_event(backup: SystemBackup) -> str | None:
    """The event a backup in this state announces; None while it is still being created."""
    return {"completed": BACKUP_COMPLETED, "failed": BACKUP_FAILED}.get(backup.status)


def restore_event(restore: RestoreOperation) -> str | None:
    return {"completed": RESTORE_COMPLETED, "failed": RESTORE_FAILED}.get(restore.status)


def verification_event(verification: Verification) -> str | None:
    """The event a finished drill announces; None for one running or passed."""
    return {"failed": BACKUP_VERIFICATION_FAILED, "error": BACKUP_VERIFICATION_ERROR}.get(
        verification.status
    )


def verification_subject(backup: SystemBackup, verification: Verification) -> dict[str, Any]:
    """The backup, with the drill that judged it under `verification`."""
    return {
        **backup_subject(backup),
        "verification": {
            "id": str(verification.id),
            "status": verification.status,
            "startedAt": _iso(verification.started_at),
            "finishedAt": _iso(verification.finished_at),
            "error": verification.error,
            "tablesChecked": verification.tables_checked,
            "rowsChecked": verification.rows_checked,
        },
    }


def backup_subject(backup: SystemBackup) -> dict[str, Any]:
    return {
        "backupId": backup.backup_id,
        "type": backup.backup_type,
        "status": backup.status,
        "sizeBytes": backup.file_size_bytes,
        "filePath": backup.file_path,
        "tablesIncluded": list(backup.tables_included or []),
        "description": backup.description,
        "metadata": backup.metadata_ or {},
        "createdAt": _iso(backup.created_at),
        "completedAt": _iso(backup.completed_at),
        "errorMessage": backup.error_message,
    }


def restore_subject(restore: RestoreOperation) -> dict[str, Any]:
    return {
        "id": str(restore.id),
        "backupId": restore.backup_id,
        "status": restore.status,
        "startedAt": _iso(restore.started_at),
        "completedAt": _iso(restore.completed_at),
        "tablesRestored": restore.tables_restored,
        "recordsCount": restore.records_count,
        "errorLog": restore.error_log,
        "preRestoreBackupId": restore.pre_restore_backup_id,
    }


def render_body(
    delivery_id: uuid.UUID, event: str, occurred_at: datetime | None, subject: dict[str, Any]
) -> str:
    """The exact JSON text sent; `id` lets a receiver drop a delivery it already handled."""
    key = "backup" if event.startswith("backup.") else "restore"
    document = {
        "id": str(delivery_id),
        "event": event,
        "occurredAt": _iso(occurred_at),
        key: subject,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True)
