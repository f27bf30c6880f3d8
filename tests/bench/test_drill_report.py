"""The drill comparison in the bench's report: per-round ratios, the parts, the goals."""

from bench import drill, report

DRILL = {
    "seconds": 30.0,
    "load_before": [4.0, 2.0, 1.0],
    "restore_seconds": 20.5,
    "read_back_seconds": 8.0,
    "drop_seconds": 0.5,
    "rss": {"worker_peak_rss_mb": 120.0},
}
PG_RESTORE = {"seconds": 25.0, "load_before": [3.0, 2.0, 1.0]}


def test_rounds_give_per_round_ratios_the_median_and_the_highest_peak() -> None:
    rounds = [
        {"order": ["pg_restore", "drill"], "drill": DRILL, "pg_restore": PG_RESTORE, "ratio": 1.2},
        {
            "order": ["drill", "pg_restore"],
            "drill": {**DRILL, "seconds": 40.0, "rss": {"worker_peak_rss_mb": 150.0}},
            "pg_restore": PG_RESTORE,
            "ratio": 1.6,
        },
        {"order": ["pg_restore", "drill"], "drill": DRILL, "pg_restore": PG_RESTORE, "ratio": 1.3},
    ]

    section = drill.summary(rounds)

    assert section["median_ratio"] == 1.3
    assert section["worker_peak_rss_mb"] == 150.0
    assert (section["drill_best_seconds"], section["pg_restore_best_seconds"]) == (30.0, 25.0)
    figures = {"drill": section}
    assert report.ratios(figures)["drill / pg_restore_j2_whole"] == 1.3
    assert report.GOALS["drill / pg_restore_j2_whole"] == (1.5, None)
    printed = report.render({**figures, "ratios": report.ratios(figures)})
    assert "restore 20.5s + read back 8.0s + drop 0.5s, peak RSS 120.0 MB" in printed
    assert "ratios [1.2, 1.6, 1.3], median 1.3" in printed


def test_a_drill_that_could_not_run_is_said_so() -> None:
    figures = {"drill": {"error": "BenchError: the drill is FAILED: x"}}
    printed = report.render({**figures, "ratios": report.ratios(figures)})
    assert "DRILL: BenchError: the drill is FAILED: x" in printed
