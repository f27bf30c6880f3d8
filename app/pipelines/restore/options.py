"""What a restore was asked to do (restoreBackup's input), and what of the archive that covers.

- schema: CURRENT (rows into today's definitions) or BACKUP (FULL/SCHEDULED only, without
  `tables`: the backed-up schemas become what they were);
- tables: only these tables of the backup (any type), or None for all it holds;
- target_database: another database on the target's server, or None for the target.
"""

from dataclasses import dataclass

from app.archive.manifest import Manifest, SequenceEntry, TableEntry
from app.errors import BadUserInput
from app.tables.names import parse_table_name

CURRENT = "current"
BACKUP = "backup"


@dataclass(frozen=True)
class RestoreOptions:
    schema: str = CURRENT
    tables: tuple[str, ...] | None = None
    target_database: str | None = None


def check_options(options: RestoreOptions, backup_type: str) -> None:
    """BadUserInput for combinations the contract refuses, whatever the archive holds."""
    if options.schema == BACKUP and backup_type == "partial":
        raise BadUserInput(
            "schema: BACKUP rewinds the whole schema, so it needs a FULL or SCHEDULED backup; "
            "restore a PARTIAL backup with schema: CURRENT"
        )
    if options.schema == BACKUP and options.tables is not None:
        raise BadUserInput(
            "schema: BACKUP rewinds every backed-up schema and cannot be limited to `tables`; "
            "use schema: CURRENT to restore some tables"
        )
    if options.tables is not None and not options.tables:
        raise BadUserInput("`tables` is empty: name at least one table, or leave it out")


def chosen_tables(manifest: Manifest, requested: tuple[str, ...] | None) -> list[TableEntry]:
    """The archived tables to restore: those named (BadUserInput if the backup lacks one)."""
    if requested is None:
        return list(manifest.tables)
    by_name = {(table.schema, table.table): table for table in manifest.tables}
    chosen: dict[str, TableEntry] = {}
    unknown: list[str] = []
    for text in requested:
        name = parse_table_name(text)
        entry = by_name.get((name.schema, name.name))
        if entry is None:
            unknown.append(text)
        else:
            chosen[entry.name] = entry
    if unknown:
        raise BadUserInput(
            f"backup {manifest.backup_id} does not hold "
            + ", ".join(repr(name) for name in unknown)
            + " (a partition is restored with its partitioned table)"
        )
    return sorted(chosen.values(), key=lambda table: table.name)


def chosen_sequences(manifest: Manifest, tables: list[TableEntry]) -> list[SequenceEntry]:
    """Every archived sequence when all tables are restored; else those the tables own."""
    if len(tables) == len(manifest.tables):
        return list(manifest.sequences)
    names = {table.name for table in tables}
    return [seq for seq in manifest.sequences if seq.owned_by in names]
