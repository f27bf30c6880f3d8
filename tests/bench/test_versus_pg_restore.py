"""The rounds the new-database and drill comparisons share: order flipped, ratio per round."""

from pathlib import Path
from typing import Any

from bench import versus_pg_restore
from bench.dataset import database_url, psql, recreate_database
from bench.measure import run

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


def test_pg_restore_whole_builds_the_database_from_the_dump(tmp_path: Path) -> None:
    source, built = f"{SCRATCH}_source", f"{SCRATCH}_built"
    recreate_database(source)
    try:
        psql(source, "CREATE TABLE meals (id int PRIMARY KEY); INSERT INTO meals VALUES (1), (2)")
        dump = tmp_path / "source.dump"
        run(["pg_dump", "-Fc", "-f", str(dump), "-d", database_url(source)])

        figures = versus_pg_restore.pg_restore_whole(built, dump, statements=True)
        quiet = versus_pg_restore.pg_restore_whole(built, dump, statements=False)

        assert psql(built, "SELECT count(*) FROM meals").strip() == "2"
        assert figures["seconds"] > 0 and "database" in figures
        assert "database" not in quiet and "pg_restore" in quiet["cpu"]["cpu_seconds"]
    finally:
        versus_pg_restore.drop(source)
        versus_pg_restore.drop(built)
