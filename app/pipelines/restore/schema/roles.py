"""Ownership and grants of what a restore creates: as archived where the role exists.

pg_restore ends each object's SQL with `ALTER … OWNER TO role;` and writes grants as one
`GRANT`/`REVOKE` per line. A role the target server lacks (or one the restoring role may not
give objects to) would fail those statements, as it makes pg_restore print errors; here the
statement is left out instead, the restoring role keeps the object (it created it), and each
such case becomes one line in the restore's warnings.
"""

import re
from dataclasses import dataclass

import asyncpg

from app.pipelines.restore.schema.toc import TocEntry

_ROLE = r'(PUBLIC|"(?:[^"]|"")+"|[^\s";,]+)'
_OWNER = re.compile(rf"^ALTER .+ OWNER TO {_ROLE};$")
_GRANT = re.compile(rf"^GRANT .+ TO {_ROLE}( WITH GRANT OPTION)?;$")
_REVOKE = re.compile(rf"^REVOKE .+ FROM {_ROLE}( CASCADE)?;$")
_FOR_ROLE = re.compile(rf"^ALTER DEFAULT PRIVILEGES FOR ROLE {_ROLE} ")
_SET_AUTHORIZATION = re.compile(rf"^SET SESSION AUTHORIZATION {_ROLE};$")
GRANT_KINDS = ("ACL", "DEFAULT ACL")


def role_name(token: str) -> str:
    """A role as SQL writes it → its name (PUBLIC stays PUBLIC)."""
    if token.startswith('"'):
        return token[1:-1].replace('""', '"')
    return token


@dataclass(frozen=True)
class RoleFacts:
    me: str
    superuser: bool
    existing: frozenset[str]
    # Roles the restoring role may give objects to (it is a member of them).
    assumable: frozenset[str]

    def why_not_owner(self, role: str) -> str | None:
        if role not in self.existing:
            return f"role {role} does not exist"
        if role not in self.assumable:
            return f"role {self.me} is not a member of {role}"
        return None


def roles_named(entries: list[TocEntry]) -> set[str]:
    """Every role the entries' owners and grants name."""
    names = {entry.owner for entry in entries if entry.owner}
    for entry in entries:
        if entry.kind in GRANT_KINDS:
            for line in entry.sql.splitlines():
                for pattern in (_GRANT, _REVOKE, _FOR_ROLE, _SET_AUTHORIZATION):
                    found = pattern.match(line)
                    if found:
                        names.add(role_name(found.group(1)))
    names.discard("PUBLIC")
    return names


async def read_role_facts(conn: asyncpg.Connection, names: set[str]) -> RoleFacts:
    row = await conn.fetchrow(
        """
        SELECT current_user AS me, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
                 AS superuser,
               coalesce(array_agg(r.rolname) FILTER (WHERE r.rolname IS NOT NULL), '{}')
                 AS existing,
               coalesce(array_agg(r.rolname) FILTER (
                 WHERE pg_has_role(current_user, r.oid, 'MEMBER')), '{}') AS assumable
          FROM unnest($1::text[]) AS n(name) LEFT JOIN pg_roles r ON r.rolname = n.name
        """,
        sorted(names),
    )
    return RoleFacts(
        me=row["me"],
        superuser=row["superuser"],
        existing=frozenset(row["existing"]),
        assumable=frozenset(row["assumable"]),
    )


def with_roles(entry: TocEntry, facts: RoleFacts) -> tuple[str, list[str]]:
    """The entry's SQL without what names a role it cannot use; and a warning for each."""
    if entry.kind in GRANT_KINDS:
        return _grants(entry, facts)
    lines = entry.sql.rstrip("\n").split("\n")
    found = _OWNER.match(lines[-1])
    if found is None or entry.owner is None or role_name(found.group(1)) != entry.owner:
        return entry.sql, []
    why = facts.why_not_owner(entry.owner)
    if why is None:
        return entry.sql, []
    warning = f"{describe(entry)}: owned by {facts.me}, not {entry.owner} as archived ({why})"
    return "\n".join(lines[:-1]) + "\n", [warning]


def _grants(entry: TocEntry, facts: RoleFacts) -> tuple[str, list[str]]:
    kept: list[str] = []
    warnings: list[str] = []
    for line in entry.sql.split("\n"):
        why = _why_not(line, facts)
        if why is None:
            kept.append(line)
        elif line.startswith("SET SESSION AUTHORIZATION"):
            warnings.append(f"{describe(entry)}: granted by {facts.me}, not as archived ({why})")
        else:
            warnings.append(f"{describe(entry)}: `{line}` left out ({why})")
    return "\n".join(kept), warnings


def _why_not(line: str, facts: RoleFacts) -> str | None:
    """Why this grant line cannot run here, or None (RESET SESSION AUTHORIZATION always can)."""
    found = _SET_AUTHORIZATION.match(line)
    if found:
        grantor = role_name(found.group(1))
        if not facts.superuser:
            return f"only a superuser may act as {grantor}"
        return None if grantor in facts.existing else f"role {grantor} does not exist"
    found = _FOR_ROLE.match(line)
    if found:
        why = facts.why_not_owner(role_name(found.group(1)))
        if why is not None:
            return why
    for pattern in (_GRANT, _REVOKE):
        found = pattern.match(line)
        if found:
            grantee = role_name(found.group(1))
            if grantee != "PUBLIC" and grantee not in facts.existing:
                return f"role {grantee} does not exist"
    return None


def describe(entry: TocEntry) -> str:
    """`TABLE public.a`; `grants on TABLE a (schema public)` for a part named after its object."""
    if entry.kind in ("ACL", "COMMENT", "SECURITY LABEL"):
        what = {"ACL": "grants", "COMMENT": "comment", "SECURITY LABEL": "security label"}
        where = f" (schema {entry.schema})" if entry.schema else ""
        return f"{what[entry.kind]} on {entry.tag}{where}"
    return entry.label
