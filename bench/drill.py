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

import logging
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.dataset import database_url, psql
from bench.graphql import GraphQL, poll
from bench.lifeboat import NotAvailable
from bench.measure import BenchError, CpuSampler, RssSampler, load_average, timed
from bench.stack import Stack

log = logging.getLogger("bench.drill")

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
    rounds = []
    try:
        for number in range(max(repeat, 1)):
            sides = ["pg_restore", "drill"] if number % 2 == 0 else ["drill", "pg_restore"]
            figures: dict[str, Any] = {"order": sides}
            for side in sides:
                if side == "pg_restore" and dump is None:
                    continue  # --no-baseline: no dump to restore
                psql("postgres", f'DROP DATABASE IF EXISTS "{PG_RESTORE_DB}" WITH (FORCE)')
                psql("postgres", "CHECKPOINT")  # nobody pays for the other's dirty pages
                if side == "drill":
                    figures["drill"] = _drill(stack, gql, backup_id, timeout)
                else:
                    assert dump is not None
                    figures["pg_restore"] = _pg_restore(dump)
            figures["ratio"] = _ratio(figures)
            log.info("drill, round %d: %s", number + 1, figures["ratio"])
            rounds.append(figures)
    finally:
        psql("postgres", f'DROP DATABASE IF EXISTS "{PG_RESTORE_DB}" WITH (FORCE)')
    return summary(rounds)


def _drill(stack: Stack, gql: GraphQL, backup_id: str, timeout: float) -> dict[str, Any]:
    mutation = f"mutation($id: String!) {{ verifyBackup(backupId: $id) {{ {VERIFICATION} }} }}"
    get = f"query($id: String!) {{ backup(backupId: $id) {{ {VERIFICATION} }} }}"
    load = load_average()
    groups: dict[str, set[int] | str] = {
        "worker": {stack.worker.pid},
        "postgres": "postgres",
        "seaweedfs": "weed",
    }
    with ExitStack() as exits:
        rss = exits.enter_context(RssSampler(stack.worker.pid))
        cpu = exits.enter_context(CpuSampler(groups))
        started = time.perf_counter()
        asked = gql(mutation, id=backup_id)["verifyBackup"]["verification"]
        if asked["status"] != "RUNNING":
            raise BenchError(f"verifyBackup answered {asked['status']}")
        final = poll(
            lambda: gql(get, id=backup_id)["backup"]["verification"],
            lambda drill: drill["status"] != "RUNNING",
            timeout,
        )
        wall = time.perf_counter() - started
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
        "rss": rss.summary(),
        "cpu": cpu.summary(wall),
        "step_times": steps,
    }


def _sum(steps: list[dict[str, Any]], chosen: Any) -> float:
    return round(sum(float(s["seconds"]) for s in steps if chosen(s["step"])), 2)


def _pg_restore(dump: Path) -> dict[str, Any]:
    """The whole dump (schema, data, indexes, constraints) into a new empty database."""
    psql("postgres", f'CREATE DATABASE "{PG_RESTORE_DB}"')
    load = load_average()
    # --exit-on-error: a restore that silently skips an object must not be timed as a success.
    command = ["pg_restore", "--exit-on-error", "-j", "2", "-d", database_url(PG_RESTORE_DB)]
    groups: dict[str, set[int] | str] = {"pg_restore": "pg_restore", "postgres": "postgres"}
    with CpuSampler(groups) as cpu:
        started = time.perf_counter()
        seconds = timed([*command, str(dump)])
        wall = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "load_before": load, "cpu": cpu.summary(wall)}


def _ratio(figures: dict[str, Any]) -> float | None:
    if "drill" not in figures or "pg_restore" not in figures:
        return None
    return round(figures["drill"]["seconds"] / figures["pg_restore"]["seconds"], 3)


def summary(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    ratios = [r["ratio"] for r in rounds if r["ratio"] is not None]
    ours = [r["drill"] for r in rounds if "drill" in r]
    theirs = [r["pg_restore"] for r in rounds if "pg_restore" in r]
    peaks = [r["rss"].get("worker_peak_rss_mb") or 0.0 for r in ours]
    return {
        "how": "each round: pg_restore -j 2 of the whole pg_dump -Fc dump into a new empty "
        "database, and verifyBackup of the benchmark backup (restore into a scratch database, "
        "read-back, drop), back to back, order flipped every round; ratio per round",
        "rounds": rounds,
        "ratios": ratios,
        "median_ratio": sorted(ratios)[len(ratios) // 2] if ratios else None,
        "drill_best_seconds": min((r["seconds"] for r in ours), default=None),
        "pg_restore_best_seconds": min((r["seconds"] for r in theirs), default=None),
        "worker_peak_rss_mb": max(peaks) if peaks else None,
    }
