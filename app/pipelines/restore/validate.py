"""Validate step: the archive is whole and readable, and the target can take it unchanged.

Everything here only reads (object storage and the target's catalog), so a restore refused
here has changed nothing. The createBackup-like preflight of the restoreBackup mutation runs
the same checks, so most problems surface as PRECONDITION_FAILED before a worker is involved.
Checksums are verified while loading, inside the restore's transaction: a mismatch found
there rolls everything back.
"""

from dataclasses import dataclass, field

import asyncpg

from app.archive.manifest import ColumnDef, Manifest, SequenceEntry, TableEntry
from app.archive.sealing import open_manifest, recorded_key_id, require_encrypted
from app.crypto.keyring import KeyRing
from app.db.models import SystemBackup
from app.errors import PreconditionFailed
from app.pipelines.restore import catalog
from app.pipelines.restore.privileges import privilege_problems
from app.storage import keys
from app.storage.client import ObjectStore
from app.tables.catalog import TableInfo, list_tables
from app.tables.introspect import copy_columns
from app.tables.names import QualifiedName

# What Lifeboat writes (export/tables.py says why not binary); nothing else was ever tested.
COPY_FORMATS = ("text",)


@dataclass
class PlannedTable:
    entry: TableEntry
    info: TableInfo


@dataclass
class RestorePlan:
    manifest: Manifest
    role: catalog.Role
    tables: list[PlannedTable]
    sequences: list[SequenceEntry]
    # The restored tables and their partitions, parents first.
    relations: list[catalog.Relation] = field(default_factory=list)
    foreign_keys: list[catalog.ForeignKey] = field(default_factory=list)

    @property
    def table_names(self) -> list[str]:
        return [table.entry.name for table in self.tables]


def read_manifest(archives: ObjectStore, backup: SystemBackup, keyring: KeyRing) -> Manifest:
    """The backup's manifest, authenticated and checked against its objects (blocking call).

    An encrypted archive's data key is opened here (Manifest.data_key): a key that is not
    configured, a manifest altered since it was written, or a plain one where Lifeboat's
    record of the backup says it was encrypted, is PreconditionFailed before anything is
    changed.
    """
    backup_id = backup.backup_id
    key = keys.manifest_key(backup_id)
    if not archives.exists(key):
        raise PreconditionFailed(
            f"invalid backup for restoration: backup {backup_id} has no manifest ({key}) in "
            f"bucket {archives.bucket}; its archive is incomplete or was deleted"
        )
    manifest = open_manifest(archives.get_bytes(key), keyring)
    require_encrypted(manifest, recorded_key_id(backup.metadata_))
    if manifest.backup_id != backup_id:
        raise PreconditionFailed(
            f"the manifest at {key} describes backup {manifest.backup_id}, not {backup_id}"
        )
    if manifest.copy_format not in COPY_FORMATS:
        raise PreconditionFailed(f"the manifest's COPY format {manifest.copy_format!r} is unknown")
    stored = {obj.key: obj.size for obj in archives.list(keys.backup_prefix(backup_id))}
    for key, (what, size) in manifest.objects().items():
        if stored.get(key) != size:
            found = "is missing" if key not in stored else f"holds {stored[key]} bytes"
            raise PreconditionFailed(
                f"the archive is damaged: {key} ({what}) {found}; the manifest says {size} bytes"
            )
    return manifest


async def plan_restore(conn: asyncpg.Connection, manifest: Manifest) -> RestorePlan:
    """Match the archive with the target; PreconditionFailed lists everything that differs."""
    async with conn.transaction(readonly=True):
        # format_type() names types as the search_path shows them: the export's, to compare.
        search_path = manifest.session_settings.get("search_path", "")
        await conn.execute("SELECT set_config('search_path', $1, true)", search_path)
        return await _plan(conn, manifest)


async def _plan(conn: asyncpg.Connection, manifest: Manifest) -> RestorePlan:
    problems: list[str] = []
    by_name = {table.qualified: table for table in await list_tables(conn)}
    planned: list[PlannedTable] = []
    for entry in manifest.tables:
        info = by_name.get(QualifiedName(entry.schema, entry.table))
        if info is None:
            problems.append(f"table {entry.name} no longer exists in the target database")
            continue
        if info.is_partition:
            problems.append(f"{entry.name} is now a partition of {info.parent_display_name}")
            continue
        difference = _column_difference(entry.columns, await copy_columns(conn, info.oid))
        if difference:
            problems.append(f"table {entry.name} has other columns than the backup: {difference}")
        planned.append(PlannedTable(entry, info))
    for seq in manifest.sequences:
        if await catalog.sequence(conn, seq.schema, seq.sequence) is None:
            problems.append(f"sequence {seq.name} no longer exists in the target database")
    if problems:
        raise PreconditionFailed(_refusal(manifest, problems))
    oids = [table.info.oid for table in planned]
    plan = RestorePlan(
        manifest=manifest,
        role=await catalog.current_role(conn),
        tables=planned,
        sequences=list(manifest.sequences),
        relations=await catalog.relations(conn, oids),
    )
    plan.foreign_keys = await catalog.foreign_keys(conn, [rel.oid for rel in plan.relations])
    problems = await privilege_problems(conn, plan)
    if problems:
        raise PreconditionFailed(_refusal(manifest, problems))
    return plan


def _column_difference(archived: list[ColumnDef], present: list[ColumnDef]) -> str:
    """What differs between the archive's columns and the table's, or '' if they match."""
    before = {column.name: column.type for column in archived}
    now = {column.name: column.type for column in present}
    parts = []
    missing = [f"{name} ({kind})" for name, kind in before.items() if name not in now]
    if missing:
        parts.append("missing in the database: " + ", ".join(missing))
    extra = [f"{name} ({kind})" for name, kind in now.items() if name not in before]
    if extra:
        parts.append("not in the backup: " + ", ".join(extra))
    changed = [
        f"{name} is {now[name]} in the database but {kind} in the backup"
        for name, kind in before.items()
        if name in now and now[name] != kind
    ]
    if changed:
        parts.append("type changed: " + ", ".join(changed))
    return "; ".join(parts)


def _refusal(manifest: Manifest, problems: list[str]) -> str:
    return (
        f"backup {manifest.backup_id} cannot be restored into the target database as it is now: "
        + "; ".join(problems)
        + ". Nothing was changed."
    )
