"""The plan: what a restore will do to the database it writes, worked out without changing it.

The restoreBackup mutation, the restorePlan query and the worker's validate step all build it
the same way, so a restore refused by one is refused by all, for the same reasons. Built
read-only; everything it finds wrong is in `problems` (a restore refuses them all at once).
"""

from dataclasses import dataclass, field

import asyncpg

from app.archive.manifest import Manifest, SequenceEntry, TableEntry
from app.pipelines.restore import catalog
from app.pipelines.restore.columns import ColumnMatch, match_columns, target_columns
from app.pipelines.restore.options import (
    BACKUP,
    RestoreOptions,
    chosen_sequences,
    chosen_tables,
)
from app.pipelines.restore.schema.work import SchemaWork
from app.tables.catalog import TableInfo, list_tables
from app.tables.names import QualifiedName


@dataclass
class PlannedTable:
    """A table that exists and whose rows the restore replaces."""

    entry: TableEntry
    info: TableInfo
    columns: ColumnMatch


@dataclass
class RestorePlan:
    manifest: Manifest
    options: RestoreOptions
    role: catalog.Role
    # Existing tables whose rows are replaced in place (schema: CURRENT).
    tables: list[PlannedTable]
    # Restored tables created from the archive first (missing ones; all of them for BACKUP).
    created: list[TableEntry]
    sequences: list[SequenceEntry]
    # Tables there now that the restore replaces: `tables`, or under BACKUP the re-created.
    replaced: list[tuple[TableEntry, TableInfo]] = field(default_factory=list)
    schema: SchemaWork | None = None
    # The replaced tables and their partitions, parents first; foreign keys touching them.
    relations: list[catalog.Relation] = field(default_factory=list)
    foreign_keys: list[catalog.ForeignKey] = field(default_factory=list)
    # The database holds none of the backup's tables (empty, or new): it gets the whole schema.
    holds_none: bool = False
    columns_added: list[str] = field(default_factory=list)
    columns_lost: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def table_names(self) -> list[str]:
        """Every restored table (display names, sorted)."""
        return sorted([t.entry.name for t in self.tables] + [t.name for t in self.created])

    @property
    def all_warnings(self) -> list[str]:
        return self.warnings + (self.schema.warnings if self.schema else [])

    @property
    def restores_uploads(self) -> bool:
        """Uploads are put back by a restore of a whole backup into the configured target."""
        options = self.options
        return (
            bool(self.manifest.uploads) and options.tables is None and not options.target_database
        )

    @property
    def replaced_names(self) -> list[str]:
        return sorted(entry.name for entry, _ in self.replaced)

    @property
    def rewinds(self) -> bool:
        return self.options.schema == BACKUP


async def build_plan(
    conn: asyncpg.Connection,
    manifest: Manifest,
    options: RestoreOptions,
    *,
    fresh: bool = False,
) -> RestorePlan:
    """Match the archive with the database `conn` is connected to (`fresh`: a database not
    created yet, which holds nothing; `conn` then only answers questions about roles).

    BadUserInput for `tables` the backup does not hold. The archived schema is not read here
    (schema/work.py adds it when the plan needs it).
    """
    tables = chosen_tables(manifest, options.tables)
    plan = RestorePlan(
        manifest=manifest,
        options=options,
        role=await catalog.current_role(conn),
        tables=[],
        created=[],
        sequences=chosen_sequences(manifest, tables),
    )
    existing = {} if fresh else {t.qualified: t for t in await list_tables(conn)}
    plan.holds_none = not any(QualifiedName(t.schema, t.table) in existing for t in manifest.tables)
    for entry in tables:
        info = existing.get(QualifiedName(entry.schema, entry.table))
        if info is None:
            plan.created.append(entry)
            continue
        if info.is_partition:
            plan.problems.append(f"{entry.name} is now a partition of {info.parent_display_name}")
            continue
        match = match_columns(entry.name, entry.columns, await target_columns(conn, info.oid))
        plan.replaced.append((entry, info))
        plan.columns_added += [f"{entry.name}.{name}" for name in match.added]
        plan.columns_lost += [f"{entry.name}.{name}" for name in match.lost]
        if plan.rewinds:
            plan.created.append(entry)  # dropped with its schema, created as archived
            continue
        plan.problems += match.problems
        plan.warnings += [
            f"column {name} of {entry.name} is {now} now but {was} in the backup: its values "
            "are converted as they load"
            for name, was, now in match.changed
        ]
        plan.tables.append(PlannedTable(entry, info, match))
    oids = [table.info.oid for table in plan.tables]
    plan.relations = await catalog.relations(conn, oids) if oids else []
    if plan.relations:
        plan.foreign_keys = await catalog.foreign_keys(conn, [rel.oid for rel in plan.relations])
    return plan
