"""What the new-database and the drill comparisons share: rounds of one Lifeboat run against
`pg_restore -j 2` of the whole `pg_dump -Fc` dump into a new empty database.

Each round runs the two back to back, the order flipped every round (AB then BA, so a machine
getting busier or quieter does not favour one side), with the load average before each; the
ratio is per round, since on a shared machine two runs a few seconds apart say more than
seconds compared across runs.
"""

import logging
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.dataset import database_url, psql, recreate_database
from bench.measure import CpuSampler, load_average, timed
from bench.statements import StatementSampler

log = logging.getLogger("bench.versus_pg_restore")

PG_RESTORE = "pg_restore"


def alternate(
    ours: str,
    repeat: int,
    dump: Path | None,
    run_ours: Callable[[], dict[str, Any]],
    run_pg_restore: Callable[[Path], dict[str, Any]],
    drop_before: Mapping[str, str],
) -> list[dict[str, Any]]:
    """`repeat` rounds of (pg_restore, `ours`), alternating; `drop_before[side]` is the
    database dropped before that side runs. Without a dump (--no-baseline) only ours runs."""
    rounds = []
    for number in range(max(repeat, 1)):
        sides = [PG_RESTORE, ours] if number % 2 == 0 else [ours, PG_RESTORE]
        figures: dict[str, Any] = {"order": sides}
        for side in sides:
            if side == PG_RESTORE and dump is None:
                continue
            drop(drop_before[side])
            psql("postgres", "CHECKPOINT")  # nobody pays for the other's dirty pages
            wal_before = wal_written()
            if side == ours:
                figures[side] = run_ours()
            else:
                assert dump is not None
                figures[side] = run_pg_restore(dump)
            figures[side]["wal"] = wal_since(wal_before)
        figures["ratio"] = ratio(figures, ours)
        log.info("%s, round %d: %s", ours, number + 1, line(figures))
        rounds.append(figures)
    return rounds


def pg_restore_whole(database: str, dump: Path, statements: bool) -> dict[str, Any]:
    """The whole dump (schema, data, indexes, constraints) into a new empty database; its
    statements sampled when the other side's are too, so they can be set side by side."""
    recreate_database(database)
    load = load_average()
    # --exit-on-error: a restore that silently skips an object must not be timed as a success.
    command = ["pg_restore", "--exit-on-error", "-j", "2", "-d", database_url(database)]
    groups: dict[str, set[int] | str] = {"pg_restore": "pg_restore", "postgres": "postgres"}
    with ExitStack() as exits:
        cpu = exits.enter_context(CpuSampler(groups))
        activity = exits.enter_context(StatementSampler(database)) if statements else None
        started = time.perf_counter()
        seconds = timed([*command, str(dump)])
        wall = time.perf_counter() - started
    figures = {"seconds": round(seconds, 2), "load_before": load, "cpu": cpu.summary(wall)}
    if activity is not None:
        figures["database"] = activity.summary()
    return figures


def wal_written() -> dict[str, float]:
    """The server's WAL counters (pg_stat_wal: the whole cluster, so both sides are read the
    same way; nothing else writes much while a side runs)."""
    row = psql("postgres", "SELECT wal_fpi, wal_bytes FROM pg_stat_wal")
    fpi, written = row.strip().split("|")
    return {"fpi": float(fpi), "bytes": float(written)}


def wal_since(before: dict[str, float]) -> dict[str, float]:
    """WAL written since `before`: full-page images, megabytes."""
    now = wal_written()
    return {
        "fpi": now["fpi"] - before["fpi"],
        "mb": round((now["bytes"] - before["bytes"]) / 2**20, 1),
    }


def ratio(figures: dict[str, Any], ours: str) -> float | None:
    if ours not in figures or PG_RESTORE not in figures:
        return None
    return round(figures[ours]["seconds"] / figures[PG_RESTORE]["seconds"], 3)


def summary(rounds: list[dict[str, Any]], ours: str) -> dict[str, Any]:
    """The figures both comparisons report over their rounds."""
    ratios = [r["ratio"] for r in rounds if r["ratio"] is not None]
    mine = [r[ours] for r in rounds if ours in r]
    theirs = [r[PG_RESTORE] for r in rounds if PG_RESTORE in r]
    peaks = [r["rss"].get("worker_peak_rss_mb") or 0.0 for r in mine]
    return {
        "rounds": rounds,
        "ratios": ratios,
        "median_ratio": sorted(ratios)[len(ratios) // 2] if ratios else None,
        f"{ours}_best_seconds": min((r["seconds"] for r in mine), default=None),
        "pg_restore_best_seconds": min((r["seconds"] for r in theirs), default=None),
        "worker_peak_rss_mb": max(peaks) if peaks else None,
    }


def line(figures: dict[str, Any]) -> str:
    parts = [
        f"{side} {figures[side]['seconds']}s (load {figures[side]['load_before'][0]})"
        for side in figures["order"]
        if side in figures
    ]
    return ", ".join(parts) + f", ratio {figures['ratio']}"


def drop(database: str) -> None:
    psql("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
