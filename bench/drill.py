"""Restore drill: Lifeboat's `verifyBackup` of the benchmark backup against `pg_restore -j 2`
of the whole `pg_dump -Fc` dump into a new empty database, in the same rounds.

A drill restores the backup into a scratch database (the same restore as restoreBackup's
targetDatabase), then reads every table back with COPY and compares it with the digests the
backup recorded, then drops the scratch database. pg_restore only restores; the issue's goal
(at most 1.5 times its wall time) allows for the read-back. Each round runs the two back to back,
the order flipped every round, with the load average before each; the ratio is per round.
The drill's own step times split its wall time into the restore, the read-back (read back,
sequences, uploads) and the drop.
"""

import time
from pathlib import Path
from typing import Any

from bench import versus_pg_restore
from bench.graphql import GraphQL, finished_seconds, poll
from bench.lifeboat import NotAvailable, observed
from bench.measure import BenchError, load_average
from bench.stack import Stack

PG_RESTORE_DB = "lifeboat_bench_drill_pg_restore"
# The drill's own steps after its restore; everything before them is the restore.
READ_BACK_STEPS = ("read back", "sequences", "uploads")
DROP_STEPS = ("drop",)
VERIFICATION = (
    "verification { status startedAt finishedAt error tablesChecked rowsChecked "
    "stepTimes { step seconds } progress { step } }"
)


def measure(
    stack: Stack, gql: GraphQL, backup_id: str, dump: Path | None, repeat: int, timeout: float
) -> dict[str, Any]:
    """`repeat` rounds of (pg_restore -j 2 whole into a new database, Lifeboat's drill)."""
    if "verification" not in gql.type_fields("Backup"):
        raise NotAvailable("Backup has no verification (verifyBackup) yet")
    try:
        rounds = versus_pg_restore.alternate(
            "drill",
            repeat,
            dump,
            lambda: _drill(stack, gql, backup_id, timeout),
            # No statement sampling on either side: the worker names the drill's scratch
            # database itself, so there is nothing to set pg_restore's statements beside.
            lambda path: versus_pg_restore.pg_restore_whole(PG_RESTORE_DB, path, statements=False),
            # The drill's scratch database is its own to drop; pg_restore's goes before either
            # side, so neither runs beside the other's leftover database.
            drop_before={"drill": PG_RESTORE_DB, "pg_restore": PG_RESTORE_DB},
        )
    finally:
        versus_pg_restore.drop(PG_RESTORE_DB)
    return summary(rounds)


def _drill(stack: Stack, gql: GraphQL, backup_id: str, timeout: float) -> dict[str, Any]:
    mutation = f"mutation($id: String!) {{ verifyBackup(backupId: $id) {{ {VERIFICATION} }} }}"
    get = f"query($id: String!) {{ backup(backupId: $id) {{ {VERIFICATION} }} }}"
    load = load_average()
    with observed(stack, statements=False, api=False) as figures:
        started, sent_at = time.perf_counter(), time.time()
        asked = gql(mutation, id=backup_id)["verifyBackup"]["verification"]
        if asked["status"] != "RUNNING":
            raise BenchError(f"verifyBackup answered {asked['status']}")
        final = poll(
            lambda: gql(get, id=backup_id)["backup"]["verification"],
            lambda drill: drill["status"] != "RUNNING",
            timeout,
        )
        noticed = time.perf_counter() - started
    wall = finished_seconds(sent_at, final.get("finishedAt"), noticed)
    if final["status"] != "PASSED":
        raise BenchError(f"the drill of {backup_id} is {final['status']}: {final['error']}")
    steps = final.get("stepTimes") or []
    return {
        "seconds": round(wall, 2),
        "load_before": load,
        "restore_seconds": _sum(steps, lambda s: s not in READ_BACK_STEPS + DROP_STEPS),
        "read_back_seconds": _sum(steps, lambda s: s in READ_BACK_STEPS),
        "drop_seconds": _sum(steps, lambda s: s in DROP_STEPS),
        "tables_checked": final["tablesChecked"],
        "rows_checked": final["rowsChecked"],
        "rss": figures["rss"],
        "cpu": figures["cpu"],
        "step_times": steps,
    }


def _sum(steps: list[dict[str, Any]], chosen: Any) -> float:
    return round(sum(float(s["seconds"]) for s in steps if chosen(s["step"])), 2)


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "how": "each round: pg_restore -j 2 of the whole pg_dump -Fc dump into a new empty "
        "database, and verifyBackup of the benchmark backup (restore into a scratch database, "
        "read-back, drop), back to back, order flipped every round; ratio per round",
        **versus_pg_restore.summary(rounds, "drill"),
    }
