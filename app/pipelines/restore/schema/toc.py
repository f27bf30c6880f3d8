"""The archived schema as pg_restore prints it: one entry per TOC item, with its SQL.

`pg_restore --verbose --file=-` writes the whole dump as SQL, in the order pg_restore itself
restores it (pre-data, post-data, then grants, then what must come after grants), and heads
every item with a comment that names it:

    --
    -- TOC entry 216 (class 1259 OID 34391)
    -- Dependencies: 846
    -- Name: a; Type: TABLE; Schema: public; Owner: root
    --

That header is the one place pg_restore shows both an item's dependencies and its exact SQL,
so the script is cut into entries at these headers. What pg_restore emits once for all
(the session settings at the top) is kept apart as the preamble; the `SET default_tablespace`
and `SET default_table_access_method` it emits only when they change are given to every entry
they apply to, so each entry runs correctly on any connection, in any order we choose.
"""

import re
from dataclasses import dataclass

_HEADER = re.compile(r"^-- TOC entry (\d+) \(class \d+ OID \d+\)$")
_DEPENDENCIES = "-- Dependencies: "
_NAME = "-- Name: "
# Session state pg_restore sets between items, only when it changes.
_STATE = re.compile(r"^SET (default_tablespace|default_table_access_method) = .*;$")
_RESTRICT = re.compile(r"^\\restrict (\S+)$")
# pg_restore's closing comments (after the last item).
_TRAILER = ("-- Completed on ", "-- PostgreSQL database dump complete")


@dataclass(frozen=True)
class TocEntry:
    id: int
    kind: str  # pg_restore's "Type": TABLE, INDEX, FK CONSTRAINT, ACL, COMMENT, …
    schema: str | None  # None for objects outside schemas
    tag: str  # pg_restore's "Name": `a`, `b b_a_id_fkey`, `TABLE a`, `noop()`, …
    owner: str | None
    dependencies: tuple[int, ...]
    sql: str  # the statements that create it, with the session state they need first

    @property
    def label(self) -> str:
        """How messages name it: `TABLE public.a`, `FK CONSTRAINT billing.b b_a_id_fkey`."""
        where = f"{self.schema}." if self.schema else ""
        return f"{self.kind} {where}{self.tag}"


@dataclass(frozen=True)
class Script:
    preamble: str  # session settings for every connection that runs entries
    entries: list[TocEntry]  # in pg_restore's restore order


def parse_script(text: str) -> Script:
    """Cut `pg_restore --verbose --file=-` output into its preamble and entries."""
    lines = _without_restrict_lines(text.split("\n"))
    starts = [i for i in range(1, len(lines)) if lines[i - 1] == "--" and _HEADER.match(lines[i])]
    preamble = "\n".join(lines[: starts[0] - 1] if starts else lines)
    state: dict[str, str] = {}
    entries: list[TocEntry] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else len(lines)
        header, body = _split_header(lines[start:end])
        body = [line for line in body if not line.startswith(_TRAILER)]
        # State set at the end of this block belongs to the entries after it.
        changed: dict[str, str] = {}
        while body and (body[-1].strip() in ("", "--") or _STATE.match(body[-1])):
            found = _STATE.match(body[-1])
            if found:
                changed.setdefault(found.group(1), body[-1])  # the last one set wins
            body.pop()
        entries.append(_entry(header, "\n".join([*state.values(), *body]).strip() + "\n"))
        state = {**state, **changed}
    return Script(preamble=preamble.strip() + "\n", entries=entries)


def _without_restrict_lines(lines: list[str]) -> list[str]:
    """Drop psql's `\\restrict KEY` / `\\unrestrict KEY` (newer pg_restore emits them)."""
    for i, line in enumerate(lines):
        found = _RESTRICT.match(line)
        if found:
            closing = f"\\unrestrict {found.group(1)}"
            return [kept for j, kept in enumerate(lines) if j != i and kept != closing]
    return lines


def _split_header(block: list[str]) -> tuple[list[str], list[str]]:
    """The header comment lines (from `-- TOC entry`), and the rest."""
    for i in range(1, len(block)):
        if block[i] == "--":
            return block[:i], block[i + 1 :]
    return block, []


def _entry(header: list[str], sql: str) -> TocEntry:
    found = _HEADER.match(header[0])
    assert found is not None
    dependencies: tuple[int, ...] = ()
    name = ""
    for line in header[1:]:
        if line.startswith(_DEPENDENCIES):
            dependencies = tuple(int(dep) for dep in line[len(_DEPENDENCIES) :].split())
        elif line.startswith(_NAME):
            name = line[len(_NAME) :]
    tag, _, rest = name.partition("; Type: ")
    kind, _, rest = rest.partition("; Schema: ")
    schema, _, owner = rest.partition("; Owner: ")
    owner = owner.split("; Tablespace: ")[0]
    return TocEntry(
        id=int(found.group(1)),
        kind=kind,
        schema=None if schema == "-" else schema,
        tag=tag,
        owner=None if owner in ("", "-") else owner,
        dependencies=dependencies,
        sql=sql,
    )
