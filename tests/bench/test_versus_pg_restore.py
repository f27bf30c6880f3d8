"""The rounds the new-database and drill comparisons share: order flipped, ratio per round."""

from pathlib import Path
from typing import Any

from bench import versus_pg_restore

SCRATCH = "lifeboat_bench_test_versus_pg_restore"


def _ours() -> dict[str, Any]:
    return {"seconds": 3.0, "load_before": [1.0, 1.0, 1.0], "rss": {"worker_peak_rss_mb": 9.0}}


def _pg_restore(dump: Path) -> dict[str, Any]:
    return {"seconds": 2.0, "load_before": [1.0, 1.0, 1.0], "dump": str(dump)}


def test_rounds_flip_the_order_and_take_the_ratio_of_each() -> None:
    drops = {"ours": SCRATCH, "pg_restore": SCRATCH}

    rounds = versus_pg_restore.alternate("ours", 3, Path("x.dump"), _ours, _pg_restore, drops)

    assert [r["order"] for r in rounds] == [
        ["pg_restore", "ours"],
        ["ours", "pg_restore"],
        ["pg_restore", "ours"],
    ]
    assert [r["ratio"] for r in rounds] == [1.5, 1.5, 1.5]
    section = versus_pg_restore.summary(rounds, "ours")
    assert (section["ours_best_seconds"], section["pg_restore_best_seconds"]) == (3.0, 2.0)
    assert (section["median_ratio"], section["worker_peak_rss_mb"]) == (1.5, 9.0)


def test_without_a_dump_only_ours_runs_and_there_is_no_ratio() -> None:
    drops = {"ours": SCRATCH, "pg_restore": SCRATCH}

    rounds = versus_pg_restore.alternate("ours", 1, None, _ours, _pg_restore, drops)

    assert "pg_restore" not in rounds[0]
    assert rounds[0]["ratio"] is None
