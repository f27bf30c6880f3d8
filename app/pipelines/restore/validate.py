"""Validate step: the archive is whole and readable, and the database can take it.

Everything here only reads (object storage, the archived schema, the database's catalog), so
a restore refused here has changed nothing. The restoreBackup mutation runs the same checks,
so most problems surface as PRECONDITION_FAILED before a worker is involved, and the
restorePlan query shows them as its refusal. Checksums are verified while loading, inside
the restore's transaction: a mismatch found there rolls everything back.
"""

import asyncpg

from app.archive.manifest import Manifest
from app.archive.sealing import open_manifest, recorded_key_id, require_encrypted
from app.crypto.keyring import KeyRing
from app.db.models import SystemBackup
from app.errors import PreconditionFailed
from app.pipelines.restore import catalog, databases
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.plan import RestorePlan, build_plan
from app.pipelines.restore.privileges import privilege_problems
from app.pipelines.restore.schema.dump import read_archived_schema
from app.pipelines.restore.schema.rewind import objects_dropped, rewound_schemas
from app.pipelines.restore.schema.work import (
    SchemaWork,
    choose,
    ddl_problems,
    role_warnings,
    skipped_key_warnings,
)
from app.settings import Settings
from app.storage import keys
from app.storage.client import ObjectStore

# What Lifeboat writes (export/tables.py says why not binary); nothing else was ever tested.
COPY_FORMATS = ("text",)


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


async def plan_restore(
    conn: asyncpg.Connection,
    settings: Settings,
    archives: ObjectStore,
    manifest: Manifest,
    options: RestoreOptions | None = None,
    *,
    fresh: bool = False,
) -> RestorePlan:
    """The plan, or PreconditionFailed listing everything that stands in its way."""
    plan = await assess_restore(conn, settings, archives, manifest, options, fresh=fresh)
    if plan.problems:
        raise PreconditionFailed(refusal(manifest, plan.problems))
    return plan


async def assess_restore(
    conn: asyncpg.Connection,
    settings: Settings,
    archives: ObjectStore,
    manifest: Manifest,
    options: RestoreOptions | None = None,
    *,
    fresh: bool = False,
) -> RestorePlan:
    """The plan with its problems (the restore would refuse them); `conn` reads the database
    restored into, or for `fresh` (one not created yet) only the server's roles."""
    async with conn.transaction(readonly=True):
        # format_type() names types as the search_path shows them: the export's, to compare;
        # empty while matching the archived schema, as pg_dump names things then.
        search_path = manifest.session_settings.get("search_path", "")
        await conn.execute("SELECT set_config('search_path', $1, true)", search_path)
        plan = await build_plan(conn, manifest, options or RestoreOptions(), fresh=fresh)
        if fresh and not await databases.may_create_databases(conn):
            plan.problems.append(
                f"role {plan.role.name} may not create databases. Fix: ALTER ROLE "
                f"{plan.role.name} CREATEDB, or restore into an existing empty database"
            )
        if plan.problems:
            return plan
        await conn.execute("SELECT set_config('search_path', '', true)")
        await _add_schema_work(conn, settings, archives, plan, fresh=fresh)
        if not plan.problems and not fresh:  # a new database's objects are all its creator's
            plan.problems += await privilege_problems(conn, plan)
    return plan


async def _add_schema_work(
    conn: asyncpg.Connection,
    settings: Settings,
    archives: ObjectStore,
    plan: RestorePlan,
    *,
    fresh: bool,
) -> None:
    missing_sequences = [
        seq
        for seq in plan.sequences
        if fresh or await catalog.sequence(conn, seq.schema, seq.sequence) is None
    ]
    whole = plan.rewinds or plan.holds_none
    if not (whole or plan.created or missing_sequences):
        return
    archived = await read_archived_schema(settings, archives, plan.manifest, _why(plan))
    work = SchemaWork(
        archived,
        whole=whole,
        rewind=rewound_schemas(archived) if plan.rewinds else [],
        tables=[(t.schema, t.table) for t in plan.created],
        sequences=[(s.schema, s.sequence) for s in missing_sequences],
    )
    selection = await choose(conn, work, fresh=fresh)
    plan.schema = work
    plan.problems += selection.problems
    work.warnings = skipped_key_warnings(selection) + await role_warnings(conn, work)
    plan.problems += await ddl_problems(conn, work, plan.role, fresh=fresh)
    if work.rewind:
        work.objects_dropped = await objects_dropped(conn, archived, work.rewind)


def _why(plan: RestorePlan) -> str:
    """What needs the archived schema, for the refusal of an archive without one."""
    if plan.rewinds:
        return "schema: BACKUP"
    if plan.options.target_database:
        return "a targetDatabase"
    if plan.holds_none:
        return "a database that holds none of its tables (it would get the whole schema)"
    names = ", ".join(table.name for table in plan.created) or "its sequences"
    return f"tables the database no longer has ({names}), which would be created from it"


def refusal(manifest: Manifest, problems: list[str]) -> str:
    return (
        f"backup {manifest.backup_id} cannot be restored into the database as it is now: "
        + "; ".join(problems)
        + ". Nothing was changed."
    )
