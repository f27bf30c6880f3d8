"""The new-database comparison in the bench's report: per-round ratios, goals, statements."""

from bench import report, versus_pg_restore

ROUND = {
    "order": ["pg_restore", "lifeboat"],
    "pg_restore": {
        "seconds": 20.0,
        "load_before": [3.0, 2.0, 1.0],
        "database": {
            "statements": [
                {
                    "pid": 1,
                    "seconds": 12.0,
                    "query": "COPY public.app_events (id, kind) FROM stdin;",
                    "waits": {"running": 8.0, "IO:DataFileExtend": 2.5, "LWLock:WALWrite": 1.5},
                },
                {"pid": 2, "seconds": 2.5, "query": "CREATE INDEX a ON public.app_events (kind)"},
            ]
        },
    },
    "lifeboat": {
        "seconds": 17.0,
        "load_before": [4.0, 2.0, 1.0],
        "rss": {"worker_rss_at_start_mb": 110.0, "worker_peak_rss_mb": 150.0},
        "step_times": [{"step": "load", "seconds": 15.0}, {"step": "commit", "seconds": 0.0}],
        "database": {"statements": []},
    },
    "ratio": 0.85,
}
FIGURES = {
    "backup": {"final_progress": {"stepTimes": [{"step": "schema", "seconds": 0.42}]}},
    "new_database": {
        "rounds": [ROUND, {**ROUND, "ratio": 0.95}, {**ROUND, "ratio": 0.8}],
        "ratios": [0.85, 0.95, 0.8],
        "median_ratio": 0.85,
        "worker_peak_rss_mb": 150.0,
        "row_counts_match": True,
        "schema_equal_to_pg_restore": True,
    },
}


def test_the_median_round_ratio_is_held_against_the_goal():
    ratios = report.ratios(FIGURES)
    text = report.render({**FIGURES, "ratios": ratios})

    assert ratios["new_database / pg_restore_j2_whole"] == 0.85
    assert "new_database / pg_restore_j2_whole               0.85  ≤ 0.9  met" in text
    assert "new_database worker peak RSS MB                150.00  ≤ 200  met" in text
    assert (
        "round 1: pg_restore 20.0s (load 3.0), lifeboat 17.0s (load 4.0); ratio 0.85; "
        "worker RSS 110.0 → 150.0 MB"
    ) in text
    assert "the backup's schema step (pg_dump --schema-only): 0.42s" in text
    assert "pg_restore slowest statements: COPY public.app_events 12.0s;" in text
    assert "lifeboat steps: load 15.00s" in text
    assert (
        "its longest, COPY public.app_events, sampled: running 8.0s, IO:DataFileExtend 2.5s, "
        "LWLock:WALWrite 1.5s"
    ) in text


def test_a_missing_comparison_says_why_and_adds_no_ratio():
    missing = {"new_database": {"not_available": "restoreBackup has no targetDatabase yet"}}

    ratios = report.ratios(missing)
    text = report.render({**missing, "ratios": ratios})

    assert ratios["new_database / pg_restore_j2_whole"] is None
    assert "NEW DATABASE: restoreBackup has no targetDatabase yet" in text


def test_a_round_without_pg_restore_has_no_ratio():
    assert versus_pg_restore.ratio({"lifeboat": {"seconds": 3.0}}, "lifeboat") is None
    assert versus_pg_restore.ratio({**ROUND}, "lifeboat") == 0.85
