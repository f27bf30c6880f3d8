"""`lifeboat keys rewrap`: everything sealed under an old key, sealed under the current one.

Each backup's data key is unwrapped (with whichever configured key wrapped it) and wrapped
again under LIFEBOAT_ENCRYPTION_KEY; its manifest, re-signed, replaces the old one in a single
PUT, so a restore reading it meanwhile sees the old manifest or the new one, both valid while
the old key is still configured. The archive's objects are untouched: the data key is the
same. Every webhook secret is resealed likewise. Afterwards no backup or secret needs an old
key, and it can be dropped from LIFEBOAT_ENCRYPTION_OLD_KEYS.

Backups are found in the bucket (so those Lifeboat's database does not know are covered too).
A backup's row, when there is one, is held FOR KEY SHARE from before its manifest is read to
the caller's commit: retention, which deletes under FOR UPDATE, cannot delete the archive in
between and leave a lone rewritten manifest behind. The caller's transaction also holds the
resealed webhook secrets and the audit row (app/cli/audited.py).
"""

import asyncio
import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.archive.sealing import open_manifest, recorded_encryption, rewrap_manifest
from app.errors import AppError, PreconditionFailed
from app.notifications import repository as webhooks
from app.notifications import secrets as webhook_secrets
from app.restores.repository import lock_backup
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore

logger = logging.getLogger("lifeboat.keys")


@dataclass
class RewrapReport:
    rewrapped: list[str] = field(default_factory=list)  # backup ids now under the current key
    already_current: list[str] = field(default_factory=list)
    not_encrypted: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # backup id or webhook → why
    webhooks_resealed: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


async def rewrap_all(
    settings: Settings, session: AsyncSession, archives: ObjectStore
) -> RewrapReport:
    """Rewrap every backup's data key and reseal every webhook secret under the current key."""
    keyring = settings.keyring
    if not keyring.enabled:
        raise PreconditionFailed(
            "there is no current key to rewrap under: set LIFEBOAT_ENCRYPTION_KEY (and not "
            "LIFEBOAT_ENCRYPTION=off)"
        )
    report = RewrapReport()
    for prefix in await asyncio.to_thread(archives.list_folders, keys.BACKUPS_ROOT):
        await _rewrap_backup(settings, session, archives, keys.backup_id_of(prefix), report)
    await _reseal_webhooks(settings, session, report)
    return report


async def _rewrap_backup(
    settings: Settings,
    session: AsyncSession,
    archives: ObjectStore,
    backup_id: str,
    report: RewrapReport,
) -> None:
    row = await lock_backup(session, backup_id)
    if row is not None and row.deleted_at is not None:
        return  # retention deleted it; what is left in the bucket is going too
    manifest_key = keys.manifest_key(backup_id)
    if not await asyncio.to_thread(archives.exists, manifest_key):
        return  # an export in progress, or one that failed: not a backup
    try:
        stored = await asyncio.to_thread(archives.get_bytes, manifest_key)
        manifest = open_manifest(stored, settings.keyring)
    except AppError as error:
        report.failed[backup_id] = error.message
        logger.error("backup %s: not rewrapped: %s", backup_id, error.message)
        return
    if manifest.encryption is None:
        report.not_encrypted.append(backup_id)
        return
    fresh = rewrap_manifest(manifest, settings.keyring)
    if fresh is None:
        report.already_current.append(backup_id)
        return
    await asyncio.to_thread(archives.put_bytes, manifest_key, fresh)
    if row is not None:  # the record says which key the backup needs now
        row.metadata_ = {**(row.metadata_ or {}), "encryption": recorded_encryption(manifest)}
    report.rewrapped.append(backup_id)
    logger.info("backup %s: data key rewrapped under %s", backup_id, settings.keyring.current_id)


async def _reseal_webhooks(settings: Settings, session: AsyncSession, report: RewrapReport) -> None:
    for hook in await webhooks.list_webhooks(session):
        try:
            if webhook_secrets.reseal(settings.keyring, hook):
                report.webhooks_resealed += 1
        except AppError as error:
            report.failed[f"webhook {hook.id}"] = error.message
    await session.flush()
