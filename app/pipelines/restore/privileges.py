"""What the target role must be allowed, checked before anything changes.

The restore works the same way for a superuser and for a role that owns the tables: it takes
no superuser-only shortcut (session_replication_role = replica), but changes each table the
way its owner may, inside the restore's transaction, and puts it back as it was:
- ALTER TABLE … DISABLE TRIGGER USER / ENABLE [REPLICA | ALWAYS] TRIGGER (ownership);
- ALTER TABLE … NO FORCE / DISABLE ROW LEVEL SECURITY and back (ownership);
- foreign keys touching the restored tables dropped and re-created, which validates every
  row (ownership of the referencing table, REFERENCES on the referenced one);
- TRUNCATE, COPY, and ALTER SEQUENCE … RESTART + setval (transactional, unlike a bare setval).
The pre-restore snapshot reads the tables with row_security off: a table that FORCEs row-level
security needs BYPASSRLS (or a superuser). The restore's marker table needs CREATE on the
database once (see marker.py). Materialized views that read restored tables are refreshed:
the role must own them. What a restore creates from the archived schema needs more (CREATE on
schemas, and for schema: BACKUP ownership of the dropped ones): schema/work.py checks that.
"""

from typing import TYPE_CHECKING

import asyncpg

from app.pipelines.restore import catalog
from app.pipelines.restore.marker import marker_problem
from app.pipelines.restore.matviews import to_refresh

if TYPE_CHECKING:
    from app.pipelines.restore.plan import RestorePlan


async def privilege_problems(conn: asyncpg.Connection, plan: "RestorePlan") -> list[str]:
    """Every privilege the role lacks for this restore, each with its fix."""
    role = plan.role
    if role.superuser:
        return []
    who = role.name
    problems: list[str] = []
    for rel in plan.relations:
        if not rel.may_alter:
            problems.append(
                f"role {who} does not own {rel.name} (owner {rel.owner}), so it cannot suspend "
                f"its triggers and row-level security for the load. Fix: ALTER TABLE {rel.name} "
                f"OWNER TO {who}, or GRANT {rel.owner} TO {who}, or connect as a superuser"
            )
        elif rel.rls_enabled and rel.rls_forced and not role.bypassrls:
            problems.append(
                f"{rel.name} forces row-level security and role {who} has no BYPASSRLS, so the "
                f"pre-restore snapshot could not read all its rows. Fix: ALTER ROLE {who} "
                "BYPASSRLS, or connect as a superuser"
            )
    restored = {rel.oid for rel in plan.relations}
    for key in plan.foreign_keys:
        if not key.may_alter_table and key.table_oid not in restored:
            problems.append(
                f"role {who} cannot suspend foreign key {key.name} of {key.table} (it references "
                f"the restored table {key.referenced}) because it does not own {key.table}. Fix: "
                f"ALTER TABLE {key.table} OWNER TO {who}, restore {key.table} too, or connect as "
                "a superuser"
            )
        elif not key.may_reference:
            problems.append(
                f"role {who} may not re-create foreign key {key.name} of {key.table}: it lacks "
                f"REFERENCES on {key.referenced}. Fix: GRANT REFERENCES ON {key.referenced} "
                f"TO {who}"
            )
    for entry in plan.sequences:
        found = await catalog.sequence(conn, entry.schema, entry.sequence)
        if found is not None and not found.may_alter:
            problems.append(
                f"role {who} does not own sequence {found.name} (owner {found.owner}), so it "
                f"cannot set its value. Fix: ALTER SEQUENCE {found.name} OWNER TO {who}"
            )
    for view in await to_refresh(conn, [rel.oid for rel in plan.relations]):
        if not view.may_refresh:
            problems.append(
                f"role {who} does not own materialized view {view.name} (owner {view.owner}), "
                "which reads restored tables and must be refreshed. Fix: ALTER MATERIALIZED "
                f"VIEW {view.name} OWNER TO {who}, or connect as a superuser"
            )
    marker = await marker_problem(conn, who)
    if marker:
        problems.append(marker)
    return problems
