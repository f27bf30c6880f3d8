"""Restore into a new database: Lifeboat's `restoreBackup(targetDatabase)` against
`pg_restore -j 2` of the whole `pg_dump -Fc` dump into a new empty database.

Both build the same thing from nothing: a database, its schema, every row, the indexes, the
constraints, the sequence values. Each round runs the two back to back (the order flips every
round, AB then BA, so a machine getting busier or quieter does not favour one side), with the
load average before each; the ratio is taken per round, since on a shared machine a ratio of
two runs a few seconds apart says more than seconds compared across runs. Both are sampled
the same way (pg_stat_activity of the database being built), so their slowest statements can
be set side by side. Afterwards the rows are counted in Lifeboat's database, and its
`pg_dump --schema-only` is compared with pg_restore's (both without schema `lifeboat`).
"""

from pathlib import Path
from typing import Any

from bench import versus_pg_restore
from bench.dataset import EXPECTED_ROWS, count_rows, database_url, psql
from bench.graphql import GraphQL
from bench.lifeboat import NotAvailable, observed, restore_until_finished
from bench.measure import load_average, run
from bench.stack import Stack

# Names the bench owns (DESIGN.md's targetDatabase rule: lower case, not a reserved name).
LIFEBOAT_DB = "lifeboat_bench_new_lifeboat"
PG_RESTORE_DB = "lifeboat_bench_new_pg_restore"


def measure(
    stack: Stack,
    gql: GraphQL,
    backup_id: str,
    dump: Path | None,
    repeat: int,
    timeout: float,
    profile: Path | None = None,
) -> dict[str, Any]:
    """`repeat` rounds of (pg_restore -j 2 whole, Lifeboat into a new database), alternating;
    with `profile`, py-spy samples the worker in Lifeboat's rounds (the last round's kept)."""
    if "targetDatabase" not in _input_fields(gql, "RestoreBackupInput"):
        raise NotAvailable("restoreBackup has no targetDatabase yet")
    try:
        rounds = versus_pg_restore.alternate(
            "lifeboat",
            repeat,
            dump,
            lambda: _lifeboat(stack, gql, backup_id, timeout, profile),
            lambda path: versus_pg_restore.pg_restore_whole(PG_RESTORE_DB, path, statements=True),
            drop_before={"lifeboat": LIFEBOAT_DB, "pg_restore": PG_RESTORE_DB},
        )
        checks = _checks() if any("lifeboat" in r for r in rounds) else {}
    finally:
        versus_pg_restore.drop(LIFEBOAT_DB)
        versus_pg_restore.drop(PG_RESTORE_DB)
    return _summary(rounds, checks)


def _lifeboat(
    stack: Stack, gql: GraphQL, backup_id: str, timeout: float, profile: Path | None
) -> dict[str, Any]:
    load = load_average()
    watching = observed(stack, profile, database=LIFEBOAT_DB, api=False)
    done = restore_until_finished(gql, backup_id, timeout, watching, LIFEBOAT_DB)
    wall, final = done["wall_seconds"], done["final"]
    return {
        "restore_id": done["restore_id"],
        "seconds": round(wall, 2),
        "load_before": load,
        **done["figures"],  # rss, cpu, database
        "step_times": (final.get("progress") or {}).get("stepTimes"),
        "timeline": done["timeline"],
        "warnings": final.get("warnings"),
    }


def _checks() -> dict[str, Any]:
    """Every row back, and the same schema as pg_restore built (both without `lifeboat`)."""
    counts = count_rows(LIFEBOAT_DB)
    checks: dict[str, Any] = {"row_counts_match": counts == EXPECTED_ROWS, "row_counts": counts}
    if _exists(PG_RESTORE_DB):
        ours, theirs = _schema(LIFEBOAT_DB), _schema(PG_RESTORE_DB)
        checks["schema_equal_to_pg_restore"] = ours == theirs
        if ours != theirs:
            checks["schema_only_in_lifeboat"] = sorted(set(ours) - set(theirs))[:20]
            checks["schema_only_in_pg_restore"] = sorted(set(theirs) - set(ours))[:20]
    return checks


def _schema(database: str) -> list[str]:
    dumped = run(
        [
            "pg_dump",
            "--schema-only",
            "--no-comments",  # the dataset's completion marker is a database comment
            "--exclude-schema=lifeboat",
            "-d",
            database_url(database),
        ]
    )
    # pg_dump prints the server's random \restrict key on each run (PostgreSQL ≥ 17.6).
    return [line for line in dumped.splitlines() if not line.startswith("\\")]


def _summary(rounds: list[dict[str, Any]], checks: dict[str, Any]) -> dict[str, Any]:
    shared = versus_pg_restore.summary(rounds, "lifeboat")
    ratios = shared["ratios"]
    return {
        "how": "each round: pg_restore -j 2 of the whole pg_dump -Fc dump into a new empty "
        "database, and restoreBackup(targetDatabase) of the benchmark backup, back to back, "
        "order flipped every round; ratio per round",
        **shared,
        "best_ratio": min(ratios) if ratios else None,
        **checks,
    }


def _input_fields(gql: GraphQL, type_name: str) -> set[str]:
    found = gql(
        "query($name: String!) { __type(name: $name) { inputFields { name } } }", name=type_name
    )["__type"]
    return {field["name"] for field in (found or {}).get("inputFields") or []}


def _exists(database: str) -> bool:
    found = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    return found.strip() == "1"
