"""What to create from the archived schema: whole objects, with their parts and their needs.

Every TOC entry is either an object that stands on its own (a schema, type, function, table,
sequence, view, extension, …) or a part of one: a table's indexes, constraints, defaults,
triggers, policies, row-level security, partitions, owned sequences; any object's comment or
grants. A part is created exactly when its owner is: a missing table comes back with all that
belongs to it, and nothing is added to a table that is there (today's definitions stay).

An object is created with what it needs: every entry it (or one of its parts) depends on that
the database lacks, and those entries' parts and needs in turn, as pg_restore would need them.
A needed table that is missing and not being restored is refused: its rows would be missing.

pg_dump names a part's owner in the part's own tag (`b b_a_id_fkey` is constraint b_a_id_fkey
of table b) or as its only dependency (a comment, an ACL); both are read here.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.pipelines.restore.schema.present import RELATION_KINDS, knows
from app.pipelines.restore.schema.toc import TocEntry

# Parts named `<table> <name>` in their tag.
_TABLE_PARTS = {"CONSTRAINT", "CHECK CONSTRAINT", "FK CONSTRAINT", "TRIGGER", "POLICY", "RULE"}
_TABLE_PARTS |= {"DEFAULT"}  # `<table> <column>`
# Parts owned by the one object they depend on.
_SOLE_DEPENDENCY_PARTS = {"COMMENT", "ACL", "SECURITY LABEL", "SEQUENCE OWNED BY"}
_SOLE_DEPENDENCY_PARTS |= {"ROW SECURITY", "STATISTICS", "INDEX"}
PART_KINDS = _TABLE_PARTS | _SOLE_DEPENDENCY_PARTS | {"INDEX ATTACH", "TABLE ATTACH"}
TABLE_LIKE = set(RELATION_KINDS) - {"SEQUENCE"}
# Tables whose rows a restore loads: a missing one cannot be created empty to satisfy a need.
DATA_KINDS = {"TABLE"}


@dataclass
class Selection:
    chosen: set[int] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)
    # Foreign keys of tables that stay as they are, to tables created now: not re-created.
    skipped_keys: list[TocEntry] = field(default_factory=list)


class SchemaGraph:
    """The entries of an archived schema, who owns each part, and what belongs to what."""

    def __init__(self, entries: list[TocEntry]) -> None:
        self.entries = entries
        self.by_id = {entry.id: entry for entry in entries}
        self._partition_parent = self._partitions()
        self.owner = {entry.id: self._owner(entry) for entry in entries}
        self.parts: dict[int, list[int]] = {}
        for part, owner in self.owner.items():
            if owner is not None:
                self.parts.setdefault(owner, []).append(part)

    def is_part(self, entry: TocEntry) -> bool:
        if entry.kind in PART_KINDS or entry.id in self._partition_parent:
            return True
        # A sequence a table owns (serial, identity) depends on that table.
        return entry.kind == "SEQUENCE" and any(
            self._kind(dep) in TABLE_LIKE for dep in entry.dependencies
        )

    def table(self, schema: str, name: str) -> TocEntry | None:
        for entry in self.entries:
            if entry.kind == "TABLE" and (entry.schema, entry.tag) == (schema, name):
                return entry
        return None

    def sequence(self, schema: str, name: str) -> TocEntry | None:
        for entry in self.entries:
            if entry.kind == "SEQUENCE" and (entry.schema, entry.tag) == (schema, name):
                return entry
        return None

    def with_parts(self, entry_id: int) -> list[int]:
        """The entry and everything that belongs to it, at any depth."""
        found, stack = [], [entry_id]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(self.parts.get(current, []))
        return found

    def owning_table(self, entry_id: int) -> int:
        """The object a part belongs to in the end (a partition's root, an index's table)."""
        seen = {entry_id}
        while (owner := self.owner.get(entry_id)) is not None and owner not in seen:
            seen.add(owner)
            entry_id = owner
        return entry_id

    def _kind(self, entry_id: int) -> str | None:
        entry = self.by_id.get(entry_id)
        return entry.kind if entry else None

    def _partitions(self) -> dict[int, int]:
        """partition id → parent id, from the TABLE ATTACH entries."""
        parents: dict[int, int] = {}
        for entry in self.entries:
            if entry.kind != "TABLE ATTACH":
                continue
            tables = [self.by_id[dep] for dep in entry.dependencies if self._kind(dep) == "TABLE"]
            child = [t for t in tables if (t.schema, t.tag) == (entry.schema, entry.tag)]
            parent = [t for t in tables if t not in child]
            if child and parent:
                parents[child[0].id] = parent[0].id
        return parents

    def _owner(self, entry: TocEntry) -> int | None:
        if entry.id in self._partition_parent:
            return self._partition_parent[entry.id]
        deps = list(dict.fromkeys(dep for dep in entry.dependencies if dep in self.by_id))
        if entry.kind == "TABLE ATTACH":
            return self._partition_parent.get(self._by_name(deps, entry.tag) or -1)
        if entry.kind == "INDEX ATTACH":
            # Owned by the partition's index it attaches (named like the entry).
            return self._by_name(deps, entry.tag)
        if entry.kind == "SEQUENCE" and self.is_part(entry):
            return next(dep for dep in deps if self._kind(dep) in TABLE_LIKE)
        if entry.kind in _TABLE_PARTS:
            owners = [
                self.by_id[dep]
                for dep in deps
                if entry.tag.startswith(self.by_id[dep].tag + " ")
                and self.by_id[dep].schema == entry.schema
            ]
            if owners:
                return max(owners, key=lambda owner: len(owner.tag)).id
        if entry.kind == "INDEX":
            tables = [dep for dep in deps if self._kind(dep) in TABLE_LIKE]
            return tables[0] if tables else None
        if entry.kind in PART_KINDS and len(deps) == 1:
            return deps[0]
        return None

    def _by_name(self, deps: list[int], name: str) -> int | None:
        for dep in deps:
            tag = self.by_id[dep].tag
            if tag == self._table_tag(dep, name):
                return dep
        return None

    def _table_tag(self, entry_id: int, name: str) -> str:
        entry = self.by_id[entry_id]
        return entry.tag if entry.kind != "CONSTRAINT" else f"{entry.tag.rsplit(' ', 1)[0]} {name}"


def select_missing(
    graph: SchemaGraph, roots: Iterable[int], present: set[int], restored: set[int]
) -> Selection:
    """`roots` (missing tables and sequences being restored) with their parts and needs.

    `present`: entries whose object the database holds. `restored`: the TABLE entries whose
    rows this restore loads (a need among them is fine, it is created anyway).
    """
    selection = Selection()
    _close(graph, list(roots), present, restored, selection, assume_present=True)
    for entry in graph.entries:
        if entry.kind == "FK CONSTRAINT" and entry.id not in selection.chosen:
            owner = graph.owner.get(entry.id)
            if owner not in selection.chosen and any(
                dep in selection.chosen for dep in entry.dependencies
            ):
                selection.skipped_keys.append(entry)
    return selection


def select_whole(graph: SchemaGraph, present: set[int]) -> Selection:
    """Every object the database lacks, with its parts: the whole schema into an empty one.

    Schema public is in every database, and pg_dump writes only how the archived one differs
    from a new database's (its owner, comment, grants; no CREATE): that always applies, as
    do parts whose owner pg_dump does not list at all.
    """
    roots = [
        entry.id
        for entry in graph.entries
        if (not graph.is_part(entry) and entry.id not in present)
        or (graph.is_part(entry) and graph.owner[entry.id] is None)
        or (entry.kind == "SCHEMA" and entry.tag == "public")
    ]
    selection = Selection()
    _close(graph, roots, present, set(), selection, assume_present=False)
    return selection


def _close(
    graph: SchemaGraph,
    roots: list[int],
    present: set[int],
    restored: set[int],
    selection: Selection,
    *,
    assume_present: bool,
) -> None:
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current in selection.chosen:
            continue
        for member in graph.with_parts(current):
            selection.chosen.add(member)
            for dep in graph.by_id[member].dependencies:
                needed = graph.by_id.get(dep)
                if needed is None or dep in selection.chosen or graph.is_part(needed):
                    continue  # a part comes with its owner, or is there with it
                if dep in present or (assume_present and not knows(needed.kind)):
                    continue
                if needed.kind in DATA_KINDS and dep not in restored and assume_present:
                    selection.problems.append(
                        f"{graph.by_id[member].label} needs {needed.label}, which is missing "
                        "in the target database and not among the tables restored; restore "
                        "it too (in `tables`, from a backup that holds it)"
                    )
                    continue
                stack.append(dep)
