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

import logging
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.dataset import EXPECTED_ROWS, count_rows, database_url, psql, recreate_database
from bench.graphql import GraphQL, poll
from bench.lifeboat import PROGRESS, NotAvailable, Timeline, scalar_fields
from bench.measure import BenchError, CpuSampler, RssSampler, load_average, run, timed
from bench.stack import Stack
from bench.statements import StatementSampler

log = logging.getLogger("bench.new_database")

# Names the bench owns (DESIGN.md's targetDatabase rule: lower case, not a reserved name).
LIFEBOAT_DB = "lifeboat_bench_new_lifeboat"
PG_RESTORE_DB = "lifeboat_bench_new_pg_restore"


def measure(
    stack: Stack, gql: GraphQL, backup_id: str, dump: Path | None, repeat: int, timeout: float
) -> dict[str, Any]:
    """`repeat` rounds of (pg_restore -j 2 whole, Lifeboat into a new database), alternating."""
    if "targetDatabase" not in _input_fields(gql, "RestoreBackupInput"):
        raise NotAvailable("restoreBackup has no targetDatabase yet")
    rounds = []
    try:
        for number in range(max(repeat, 1)):
            sides = ["pg_restore", "lifeboat"] if number % 2 == 0 else ["lifeboat", "pg_restore"]
            figures: dict[str, Any] = {"order": sides}
            for side in sides:
                if side == "pg_restore" and dump is None:
                    continue  # --no-baseline: no dump to restore
                _drop(LIFEBOAT_DB if side == "lifeboat" else PG_RESTORE_DB)
                psql("postgres", "CHECKPOINT")  # nobody pays for the other's dirty pages
                if side == "lifeboat":
                    figures["lifeboat"] = _lifeboat(stack, gql, backup_id, timeout)
                else:
                    assert dump is not None
                    figures["pg_restore"] = _pg_restore(dump)
            figures["ratio"] = _ratio(figures)
            log.info("new database, round %d: %s", number + 1, _line(figures))
            rounds.append(figures)
        checks = _checks() if any("lifeboat" in r for r in rounds) else {}
    finally:
        _drop(LIFEBOAT_DB)
        _drop(PG_RESTORE_DB)
    return _summary(rounds, checks)


def _lifeboat(stack: Stack, gql: GraphQL, backup_id: str, timeout: float) -> dict[str, Any]:
    fields = " ".join([*scalar_fields(gql, "RestoreOperation"), PROGRESS])
    mutation = (
        f"mutation($input: RestoreBackupInput!) {{ restoreBackup(input: $input) {{ {fields} }} }}"
    )
    get = f"query($id: ID!) {{ restoreOperation(id: $id) {{ {fields} }} }}"
    code = gql("query($id: String!) { restoreConfirmationCode(backupId: $id) }", id=backup_id)[
        "restoreConfirmationCode"
    ]
    timeline = Timeline()
    load = load_average()
    groups: dict[str, set[int] | str] = {
        "worker": {stack.worker.pid},
        "postgres": "postgres",
        "seaweedfs": "weed",
    }
    with ExitStack() as exits:
        rss = exits.enter_context(RssSampler(stack.worker.pid))
        cpu = exits.enter_context(CpuSampler(groups))
        activity = exits.enter_context(StatementSampler(LIFEBOAT_DB))
        started = time.perf_counter()
        restore_input = {
            "backupId": backup_id,
            "confirmationCode": code,
            "targetDatabase": LIFEBOAT_DB,
        }
        operation = gql(mutation, input=restore_input)["restoreBackup"]
        final = poll(
            lambda: gql(get, id=operation["id"])["restoreOperation"],
            lambda op: op["status"] != "IN_PROGRESS",
            timeout,
            on_sample=timeline.sample,
        )
        wall = time.perf_counter() - started
    if final["status"] != "COMPLETED":
        raise BenchError(f"restore {operation['id']} {final['status']}: {final.get('errorLog')}")
    return {
        "restore_id": operation["id"],
        "seconds": round(wall, 2),
        "load_before": load,
        "rss": rss.summary(),
        "cpu": cpu.summary(wall),
        "database": activity.summary(),
        "step_times": (final.get("progress") or {}).get("stepTimes"),
        "timeline": timeline.durations(wall),
        "warnings": final.get("warnings"),
    }


def _pg_restore(dump: Path) -> dict[str, Any]:
    """The whole dump (schema, data, indexes, constraints) into a new empty database."""
    recreate_database(PG_RESTORE_DB)
    load = load_average()
    # --exit-on-error: a restore that silently skips an object must not be timed as a success.
    command = ["pg_restore", "--exit-on-error", "-j", "2", "-d", database_url(PG_RESTORE_DB)]
    groups: dict[str, set[int] | str] = {"pg_restore": "pg_restore", "postgres": "postgres"}
    with CpuSampler(groups) as cpu, StatementSampler(PG_RESTORE_DB) as activity:
        started = time.perf_counter()
        seconds = timed([*command, str(dump)])
        wall = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "load_before": load,
        "cpu": cpu.summary(wall),
        "database": activity.summary(),
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
    ratios = [r["ratio"] for r in rounds if r["ratio"] is not None]
    ours = [r["lifeboat"] for r in rounds if "lifeboat" in r]
    theirs = [r["pg_restore"] for r in rounds if "pg_restore" in r]
    peaks = [r["rss"].get("worker_peak_rss_mb") or 0.0 for r in ours]
    return {
        "how": "each round: pg_restore -j 2 of the whole pg_dump -Fc dump into a new empty "
        "database, and restoreBackup(targetDatabase) of the benchmark backup, back to back, "
        "order flipped every round; ratio per round",
        "rounds": rounds,
        "ratios": ratios,
        "best_ratio": min(ratios) if ratios else None,
        "median_ratio": sorted(ratios)[len(ratios) // 2] if ratios else None,
        "lifeboat_best_seconds": min((r["seconds"] for r in ours), default=None),
        "pg_restore_best_seconds": min((r["seconds"] for r in theirs), default=None),
        "worker_peak_rss_mb": max(peaks) if peaks else None,
        **checks,
    }


def _ratio(figures: dict[str, Any]) -> float | None:
    if "lifeboat" not in figures or "pg_restore" not in figures:
        return None
    return round(figures["lifeboat"]["seconds"] / figures["pg_restore"]["seconds"], 3)


def _line(figures: dict[str, Any]) -> str:
    parts = [
        f"{side} {figures[side]['seconds']}s (load {figures[side]['load_before'][0]})"
        for side in figures["order"]
        if side in figures
    ]
    return ", ".join(parts) + f", ratio {figures['ratio']}"


def _input_fields(gql: GraphQL, type_name: str) -> set[str]:
    found = gql(
        "query($name: String!) { __type(name: $name) { inputFields { name } } }", name=type_name
    )["__type"]
    return {field["name"] for field in (found or {}).get("inputFields") or []}


def _exists(database: str) -> bool:
    found = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    return found.strip() == "1"


def _drop(database: str) -> None:
    psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
