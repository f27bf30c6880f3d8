"""Restore into a new database: created, then loaded on several connections, like pg_restore -j.

Nobody can see a database before it exists, so its load need not be one transaction: the
archived schema's objects are created on one connection, then every table is loaded and
every index, constraint, trigger and policy built on `jobs` connections at once, each as
soon as what it needs is there (parallel.py), then grants, sequence values, materialized
views and the database's settings. Any failure drops the database again.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg

from app.archive.manifest import Manifest, TableEntry
from app.db.urls import asyncpg_dsn, with_database
from app.errors import PreconditionFailed
from app.pipelines.context import PipelineContext
from app.pipelines.restore import databases, matviews
from app.pipelines.restore.finalize import check_rows, set_sequences
from app.pipelines.restore.load import load_table
from app.pipelines.restore.options import RestoreOptions
from app.pipelines.restore.parallel import Job, run_jobs
from app.pipelines.restore.plan import RestorePlan
from app.pipelines.restore.progress import RestoreProgress
from app.pipelines.restore.schema import apply
from app.pipelines.restore.schema.roles import RoleFacts
from app.pipelines.restore.schema.select import TABLE_LIKE
from app.pipelines.restore.schema.toc import TocEntry
from app.pipelines.restore.schema.work import SchemaWork
from app.pipelines.restore.validate import plan_restore
from app.tables.names import QualifiedName, quoted_table

logger = logging.getLogger("lifeboat.restore")

_GRANTS = ("ACL", "DEFAULT ACL")
_LAST = ("EVENT TRIGGER", "MATERIALIZED VIEW DATA")  # pg_restore's pass after the grants
# Entries whose work is building an index over the table's rows: started largest table first.
_INDEX_BUILDS = ("INDEX", "CONSTRAINT")
# A foreign key's validation waits for every index build on the tables it names. The rows
# were loaded FREEZE (all-visible), so with an index on the referencing columns there,
# PostgreSQL checks the key by merging two index-only scans: on the bench 0.7 s, against
# 3.2 s for the hash join it runs without that index (and, started beside the index builds,
# it slowed them: 4.3 s for one that takes 1.1 s alone).
_VALIDATIONS = ("FK CONSTRAINT",)


@dataclass(frozen=True)
class NewDatabase:
    records_count: dict[str, int]  # rows loaded per table (display names)
    warnings: list[str]  # owners, grants, settings not as archived


async def restore_into_new_database(
    ctx: PipelineContext,
    manifest: Manifest,
    server_url: str,
    database: str,
    progress: RestoreProgress,
    *,
    tables: tuple[str, ...] | None = None,
    jobs: int | None = None,
    plan: RestorePlan | None = None,
) -> NewDatabase:
    """Create `database` on the server of `server_url` from the backup `manifest` describes,
    and load it; returns rows per table and the warnings.

    Contract (restoreBackup's targetDatabase and the restore drills both rely on it):
    - `server_url` is a postgresql:// URL whose role creates and owns the database (it needs
      CREATEDB) and whose database exists; `database` must not exist. The caller has read and
      checked `manifest` (read_manifest); its archive must hold the schema (format 2+).
    - The database is created TEMPLATE template0 with the archived encoding and locale, the
      whole archived schema is created in it (owners and grants as archived where the role
      exists, else owned by this role and said in `warnings`), every table (or only
      `tables`, display names) is loaded with its checksum verified while streaming, then
      indexes, constraints and foreign keys are built (a unique or foreign-key violation in
      the archive raises), sequences set, materialized views refreshed, and the archived
      database settings applied. Each table is one COPY (FREEZE), so it reads back in the
      order it was archived (the drills compare that order's digest).
    - It touches nothing else: no restore operation, no lock on the configured target, no
      uploads, no pre-restore snapshot. Progress goes only to `progress` (step, tables,
      rows, bytes).
    - Failures raise: PreconditionFailed (the archive or the role cannot do it, nothing was
      created); TableRestoreError(table, cause) for a table's rows (cause ArchiveCorrupted
      for a damaged object, or the storage or PostgreSQL error); SchemaObjectFailed(entry,
      cause) for an archived object PostgreSQL refused; StateMismatch for row counts that
      differ from the manifest; asyncpg errors as they come (no CREATEDB, disk full, too
      many connections). After any failure, or cancellation, the database is dropped again
      (best effort: a caller that must be sure drops it IF EXISTS itself).
    """
    jobs = jobs or ctx.settings.restore_jobs
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        if plan is None:
            progress.step = "validate"
            options = RestoreOptions(tables=tables, target_database=database)
            plan = await plan_restore(
                admin, ctx.settings, ctx.archives, manifest, options, fresh=True
            )
        if await databases.exists(admin, database):
            raise PreconditionFailed(f"database {database} exists already")
        progress.tables_total = len(plan.created)
        progress.table_bytes = [entry.raw_bytes for entry in plan.created]
        progress.step = "create database"
        await databases.create(admin, database, manifest.database)
        try:
            url = with_database(server_url, database)
            return await _load(ctx, plan, url, progress, max(1, jobs))
        except BaseException:
            try:
                await databases.drop(admin, database)
            except Exception as error:  # never hides why the restore failed
                logger.error("could not drop database %s after a failure: %s", database, error)
            raise
    finally:
        await admin.close()


async def _load(
    ctx: PipelineContext, plan: RestorePlan, url: str, progress: RestoreProgress, jobs: int
) -> NewDatabase:
    work = plan.schema
    assert work is not None  # a new database always gets the whole schema
    session = {
        **plan.manifest.session_settings,
        "application_name": "lifeboat-restore",
        "client_connection_check_interval": "1000",
    }
    connections = [
        await asyncpg.connect(asyncpg_dsn(url), server_settings=session) for _ in range(jobs)
    ]
    try:
        for conn in connections:
            await conn.execute(work.archived.script.preamble)
        first = connections[0]
        progress.step = "schema"
        facts = await apply.facts_for(first, work)
        warnings = list(plan.warnings)
        warnings += await apply.run_entries(first, work.archived.before(work.chosen), facts)
        progress.step = "load"
        counts: dict[str, int] = {}
        load_jobs, after = _jobs(ctx, plan, work, facts, progress, counts, warnings)
        await run_jobs(connections, load_jobs)
        progress.step = "finalize"
        await set_sequences(first, plan.sequences)
        warnings += await apply.run_entries(first, [e for e in after if e.kind in _GRANTS], facts)
        created = [(e.schema or "", e.tag) for e in work.entries() if e.kind == "MATERIALIZED VIEW"]
        views = await matviews.to_refresh(first, [], await matviews.created_views(first, created))
        await matviews.refresh(first, views)
        warnings += await apply.run_entries(first, [e for e in after if e.kind in _LAST], facts)
        progress.step = "verify"
        for entry in plan.created:
            check_rows(entry, counts.get(entry.name))
        if plan.manifest.database and plan.manifest.database.settings:
            warnings += await databases.apply_settings(url, plan.manifest.database.settings)
        return NewDatabase(counts, warnings)
    finally:
        await asyncio.gather(*(conn.close() for conn in connections), return_exceptions=True)


def _jobs(
    ctx: PipelineContext,
    plan: RestorePlan,
    work: SchemaWork,
    facts: RoleFacts,
    progress: RestoreProgress,
    counts: dict[str, int],
    warnings: list[str],
) -> tuple[list[Job], list[TocEntry]]:
    """The parallel jobs (every table's rows, what comes after them but the grants), and the
    entries left for after them (grants, event triggers)."""
    graph = work.archived.graph
    loaded: dict[int, TableEntry] = {}
    for table in plan.created:
        found = graph.table(table.schema, table.table)
        if found is not None:
            loaded[found.id] = table

    def rows_of(table_id: int) -> str | None:
        root = graph.owning_table(table_id)
        return f"data:{root}" if root in loaded else None

    sized: list[tuple[int, Job]] = []
    for table_id, table in loaded.items():
        sized.append(
            (table.raw_bytes, Job(f"data:{table_id}", _copy(ctx, plan, table, progress, counts)))
        )
    after = work.archived.after(work.chosen)
    in_jobs = [e for e in after if e.kind not in _GRANTS + _LAST]
    keys = {e.id for e in in_jobs}

    def tables_of(entry: TocEntry) -> list[int]:
        return [
            dep
            for dep in entry.dependencies
            if graph.by_id.get(dep) is not None and graph.by_id[dep].kind in TABLE_LIKE
        ]

    builds: dict[int, set[str]] = {}  # table id → its index builds' job keys
    for entry in in_jobs:
        if entry.kind in _INDEX_BUILDS:
            for table_id in tables_of(entry):
                builds.setdefault(graph.owning_table(table_id), set()).add(f"toc:{entry.id}")
    for entry in in_jobs:
        needs = {f"toc:{dep}" for dep in entry.dependencies if dep in keys}
        tables = tables_of(entry)
        needs |= {key for dep in tables if (key := rows_of(dep))}
        if entry.kind in _VALIDATIONS:
            for table_id in tables:
                needs |= builds.get(graph.owning_table(table_id), set())
        named = {f"table:{dep}" for dep in tables}
        locks, shares = (set(), named) if entry.kind == "INDEX" else (named, set())
        size = max(
            (
                loaded[graph.owning_table(t)].raw_bytes
                for t in tables
                if graph.owning_table(t) in loaded
            ),
            default=0,
        )
        job = Job(f"toc:{entry.id}", _create(entry, facts, warnings), needs, locks, shares)
        sized.append((size if entry.kind in _INDEX_BUILDS else 0, job))
    ordered = [job for _, job in sorted(sized, key=lambda pair: -pair[0])]
    return ordered, [e for e in after if e.kind in _GRANTS + _LAST]


def _copy(
    ctx: PipelineContext,
    plan: RestorePlan,
    entry: TableEntry,
    progress: RestoreProgress,
    counts: dict[str, int],
) -> Callable[[asyncpg.Connection], Awaitable[None]]:
    async def run(conn: asyncpg.Connection) -> None:
        progress.current = entry.name
        async with conn.transaction():
            if entry.kind == "r":  # emptied in this transaction, so COPY may FREEZE
                name = quoted_table(QualifiedName(entry.schema, entry.table))
                await conn.execute(f"TRUNCATE ONLY {name}")
            counts[entry.name] = await load_table(
                conn,
                ctx.archives,
                entry,
                plan.manifest,
                progress,
                freeze=entry.kind == "r",
            )
        progress.tables_done += 1

    return run


def _create(
    entry: TocEntry, facts: RoleFacts, warnings: list[str]
) -> Callable[[asyncpg.Connection], Awaitable[None]]:
    async def run(conn: asyncpg.Connection) -> None:
        warnings.extend(await apply.run_entry(conn, entry, facts))

    return run
