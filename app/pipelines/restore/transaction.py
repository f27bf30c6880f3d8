"""A restore in one transaction: into the configured target, or into an existing empty database.

Steps, on one connection and in one transaction from the snapshot to COMMIT:
snapshot → schema (BACKUP drops its schemas; what the archive must create before the rows) →
prepare (existing tables: suspend, empty) → load → indexes (sequences, rebuilt indexes, then
the created objects' indexes, constraints, triggers, policies and grants, as pg_restore
orders them) → foreign keys → refresh (materialized views) → verify → commit.
Any failure rolls it all back: the database is exactly as it was.
"""

import asyncio
import uuid
from dataclasses import dataclass

import asyncpg

from app.db.models import SystemBackup
from app.errors import PreconditionFailed
from app.pipelines.context import PipelineContext
from app.pipelines.restore import marker, matviews
from app.pipelines.restore.finalize import (
    restore_foreign_keys,
    restore_table_settings,
    set_sequences,
    verify,
)
from app.pipelines.restore.indexes import rebuild
from app.pipelines.restore.load import load_tables
from app.pipelines.restore.plan import RestorePlan
from app.pipelines.restore.prepare import apply_session_settings, lock_tables, prepare
from app.pipelines.restore.progress import RestoreProgress
from app.pipelines.restore.schema import apply
from app.pipelines.restore.schema.rewind import drop_schemas
from app.pipelines.restore.schema.work import choose, skipped_key_warnings
from app.pipelines.restore.snapshot import snapshot_scope, take_snapshot
from app.pipelines.restore.validate import refusal
from app.restores import lifecycle


@dataclass(frozen=True)
class Restored:
    counts: dict[str, int]
    warnings: list[str]


async def restore_in_one_transaction(
    ctx: PipelineContext,
    conn: asyncpg.Connection,
    rid: uuid.UUID,
    backup: SystemBackup,
    admin_id: uuid.UUID,
    plan: RestorePlan,
    progress: RestoreProgress,
    uploads_check: "asyncio.Task[None] | None",
) -> Restored:
    """Everything up to and including COMMIT; returns rows per table and the warnings."""
    warnings = list(plan.warnings)
    async with conn.transaction():
        await apply_session_settings(conn, plan.manifest)
        scope = snapshot_scope(plan, backup)
        if scope is not None:
            progress.step = "snapshot"
            # Writers wait from here on, so the snapshot holds exactly what the load replaces.
            await lock_tables(conn, plan, "SHARE")
            progress.pre_restore_backup_id = await take_snapshot(
                ctx, conn, rid, admin_id, backup, scope
            )
        work, facts = plan.schema, None
        if work is not None:
            progress.step = "schema"
            if work.rewind:
                await drop_schemas(conn, work.rewind)
            selection = await choose(conn, work, dropped=True)
            if selection.problems:
                raise PreconditionFailed(refusal(plan.manifest, selection.problems))
            warnings += skipped_key_warnings(selection)
            facts = await apply.facts_for(conn, work)
            warnings += await apply.before_data(conn, work, facts)
        progress.step = "prepare"
        state = await prepare(conn, plan)
        progress.step = "load"
        counts = await load_tables(conn, ctx.archives, plan, progress)
        progress.step = "indexes"
        await set_sequences(conn, plan.sequences)
        await rebuild(conn, state.indexes)
        if work is not None and facts is not None:
            warnings += await apply.after_data(conn, work, facts)
        progress.step = "foreign keys"
        await restore_foreign_keys(conn, state.foreign_keys)
        await restore_table_settings(conn, state)
        views = await matviews.to_refresh(
            conn,
            [rel.oid for rel in state.relations],
            await matviews.created_views(conn, _created_views(plan)),
        )
        if views:
            progress.step = "refresh"
            await matviews.refresh(conn, views)
        progress.step = "verify"
        await verify(conn, plan, state, counts)
        if uploads_check is not None:
            await uploads_check
        await lifecycle.set_warnings(ctx.sessions, rid, warnings)
        await marker.ensure_table(conn)
        await marker.record(conn, rid, backup.backup_id, counts, plan.restores_uploads)
        progress.step = "commit"
    return Restored(counts, warnings)


def _created_views(plan: RestorePlan) -> list[tuple[str, str]]:
    if plan.schema is None:
        return []
    entries = plan.schema.entries()
    return [(e.schema or "", e.tag) for e in entries if e.kind == "MATERIALIZED VIEW"]
