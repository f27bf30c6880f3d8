"""`lifeboat catalog rebuild`: re-create backup records from the manifests in the bucket.

When Lifeboat's own database is lost with its server, the archives are still under
`backups/<id>/` in LIFEBOAT_S3_BUCKET, and each manifest holds what the record held (type,
tables, request time, requester, description, metadata). A whole archive (a readable manifest
whose objects are all stored with their sizes) becomes a `completed` record again; a record
that exists is never touched or duplicated; anything else is skipped and reported.

Decisions where the records cannot be re-created as they were:
- created_by: the admin with the manifest's e-mail if that account exists, else the `system`
  account that schedules use (re-creating people's accounts is `lifeboat admin create`'s job);
  the original e-mail is kept in metadata.originalCreatedBy then.
- metadata.scheduleId: schedules are re-created with new ids (the migration's seeds, or by
  hand); a backup whose schedule id is unknown but whose scheduleName names a schedule now is
  attached to it (old id in metadata.originalScheduleId), so that schedule's retention counts
  it. metadata.catalogRebuiltAt says when the record was re-created.
- completed_at: when the manifest was stored (it is written last); pins and deletions are not
  in archives and are not restored.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.archive.manifest import Manifest
from app.archive.sealing import recorded_encryption
from app.auth.repository import find_admin_by_email
from app.auth.service import SYSTEM_ACCOUNT_EMAIL, ensure_admin
from app.catalog import repository
from app.crypto.keyring import KeyRing
from app.db.models import SystemBackup
from app.errors import PreconditionFailed
from app.pipelines.restore.validate import read_manifest
from app.storage import keys
from app.storage.client import ObjectStore

logger = logging.getLogger("lifeboat.catalog")


@dataclass
class RebuildReport:
    added: list[str] = field(default_factory=list)
    already_recorded: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # prefix → why

    def summary(self) -> str:
        line = (
            f"catalog rebuilt: {len(self.added)} backup(s) added, "
            f"{len(self.already_recorded)} already recorded, {len(self.skipped)} skipped"
        )
        if self.skipped:
            line += " (" + ", ".join(sorted(self.skipped)) + ")"
        return line


@dataclass
class _Archive:
    manifest: Manifest
    stored_bytes: int
    stored_at: datetime | None


async def rebuild_catalog(
    session: AsyncSession, archives: ObjectStore, keyring: KeyRing
) -> RebuildReport:
    """Record every whole archive under backups/ that has no record; flushes, never commits.

    An encrypted archive is recorded only once its manifest authenticates with a configured
    key (LIFEBOAT_ENCRYPTION_KEY or _OLD_KEYS): a manifest is believed only when it can be.
    """
    report = RebuildReport()
    recorded = await repository.recorded_backup_ids(session)
    for prefix in sorted(await asyncio.to_thread(archives.list_folders, keys.BACKUPS_ROOT)):
        backup_id = keys.backup_id_of(prefix)
        if backup_id in recorded:
            report.already_recorded.append(backup_id)
            continue
        try:
            archive = await asyncio.to_thread(_read_archive, archives, backup_id, keyring)
        except PreconditionFailed as why:
            logger.warning("skipped %s: %s", prefix, why.message)
            report.skipped[prefix] = why.message
            continue
        if await repository.insert_if_absent(session, **await _record(session, archive)):
            logger.info("recorded backup %s (%s)", backup_id, archive.manifest.backup_type)
            report.added.append(backup_id)
        else:
            report.already_recorded.append(backup_id)
    return report


def _read_archive(archives: ObjectStore, backup_id: str, keyring: KeyRing) -> _Archive:
    """The archive's manifest, checked whole as a restore checks it (blocking)."""
    # No record to compare with (require_encrypted): the manifest alone must authenticate.
    manifest = read_manifest(archives, SystemBackup(backup_id=backup_id, metadata_={}), keyring)
    stored = archives.list(keys.backup_prefix(backup_id))
    manifest_object = next(o for o in stored if o.key == keys.manifest_key(backup_id))
    return _Archive(manifest, sum(o.size for o in stored), manifest_object.modified)


async def _record(session: AsyncSession, archive: _Archive) -> dict[str, Any]:
    """The system_backups row of an archive, as the export had it where the manifest says."""
    manifest = archive.manifest
    metadata = {**manifest.metadata, "catalogRebuiltAt": datetime.now(UTC).isoformat()}
    encryption = recorded_encryption(manifest)
    if encryption:  # as the export records it: a plain manifest in its place is refused later
        metadata["encryption"] = encryption
    creator = None
    if manifest.created_by:
        creator = await find_admin_by_email(session, manifest.created_by)
    if creator is None:
        creator = await ensure_admin(session, SYSTEM_ACCOUNT_EMAIL, role="system")
        if manifest.created_by:
            metadata["originalCreatedBy"] = manifest.created_by
    await _attach_to_schedule(session, metadata)
    requested_at = datetime.fromisoformat(manifest.requested_at or manifest.created_at)
    return {
        "backup_id": manifest.backup_id,
        "created_by": creator.id,
        "backup_type": manifest.backup_type,
        "status": "completed",
        "file_path": keys.backup_prefix(manifest.backup_id),
        "file_size_bytes": archive.stored_bytes,
        "tables_included": manifest.table_names,
        "description": manifest.description,
        "metadata_": metadata,
        "created_at": requested_at,
        # Object stores keep whole seconds: never before the request it completed.
        "completed_at": max(archive.stored_at or requested_at, requested_at),
        "progress": {"step": "completed"},
    }


async def _attach_to_schedule(session: AsyncSession, metadata: dict[str, Any]) -> None:
    old_id, name = metadata.get("scheduleId"), metadata.get("scheduleName")
    if not old_id or not name:
        return
    by_name = await repository.schedule_ids_by_name(session)
    if old_id in {str(id) for id in by_name.values()} or name not in by_name:
        return
    metadata["scheduleId"] = str(by_name[name])
    metadata["originalScheduleId"] = old_id
