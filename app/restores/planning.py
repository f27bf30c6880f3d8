"""What a restore would do, asked by the API: restoreBackup checks it, restorePlan shows it.

Both read the same plan as the worker's validate step (app/pipelines/restore/validate.py),
against the database the restore would write: the configured target, an existing database
named by targetDatabase, or for a new one only the server (which must let the role create it).
"""

from dataclasses import dataclass, field

import asyncpg

from app.archive.manifest import Manifest
from app.db.models import SystemBackup
from app.db.urls import asyncpg_dsn
from app.errors import PreconditionFailed
from app.pipelines.restore import databases
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.plan import RestorePlan
from app.pipelines.restore.snapshot import snapshot_scope
from app.pipelines.restore.validate import assess_restore
from app.restores.targets import RestoreTarget
from app.settings import Settings
from app.storage.client import ObjectStore


async def assess(
    target: asyncpg.Connection,
    into: RestoreTarget,
    settings: Settings,
    archives: ObjectStore,
    manifest: Manifest,
    options: RestoreOptions,
) -> RestorePlan:
    """The plan with its problems. `target`: a connection to the configured target.

    PreconditionFailed for a database that exists and holds something already, or when the
    plan needs the archived schema and the archive has none."""
    if not into.other:
        return await assess_restore(target, settings, archives, manifest, options)
    if not await databases.exists(target, into.name):
        return await assess_restore(target, settings, archives, manifest, options, fresh=True)
    conn = await asyncpg.connect(asyncpg_dsn(into.url))
    try:
        if await databases.object_count(conn) > 0:
            raise PreconditionFailed(not_empty(into.name))
        return await assess_restore(conn, settings, archives, manifest, options)
    finally:
        await conn.close()


def not_empty(database: str) -> str:
    return f"database {database} exists and is not empty; name a new or empty database"


@dataclass(frozen=True)
class PlannedRows:
    name: str
    rows_now: int
    rows_in_backup: int


@dataclass
class PlanReport:
    """restorePlan's answer."""

    tables_replaced: list[PlannedRows] = field(default_factory=list)
    tables_created: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_lost: list[str] = field(default_factory=list)
    objects_dropped: list[str] = field(default_factory=list)
    uploads_replaced: bool = False
    pre_restore_snapshot: bool = False
    warnings: list[str] = field(default_factory=list)
    refusal: str | None = None


async def report(
    target: asyncpg.Connection, into: RestoreTarget, plan: RestorePlan, backup: SystemBackup
) -> PlanReport:
    """The plan as restorePlan tells it, rows counted now in the database it would write."""
    counted = []
    if plan.replaced:
        conn = target if not into.other else await asyncpg.connect(asyncpg_dsn(into.url))
        try:
            for entry, _ in sorted(plan.replaced, key=lambda pair: pair[0].name):
                rows = await conn.fetchval(f"SELECT count(*) FROM {entry.name}")
                counted.append(PlannedRows(entry.name, int(rows), entry.rows))
        finally:
            if conn is not target:
                await conn.close()
    work = plan.schema
    replaced = set(plan.replaced_names)
    created = work.tables_created if work else sorted(entry.name for entry in plan.created)
    return PlanReport(
        tables_replaced=counted,
        tables_created=[name for name in created if name not in replaced],
        columns_added=sorted(plan.columns_added),
        columns_lost=sorted(plan.columns_lost),
        objects_dropped=work.objects_dropped if work else [],
        uploads_replaced=plan.restores_uploads,
        pre_restore_snapshot=snapshot_scope(plan, backup) is not None,
        warnings=plan.all_warnings,
    )
