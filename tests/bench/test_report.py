"""The benchmark's report: ratios against the goals, and a table that survives missing parts."""

from bench import report

FIGURES = {
    "dataset": {"name": "lifeboat_bench", "database_bytes": 2_000 * 2**20},
    "floor": {"text_total_seconds": 8.0},
    "pg_dump": {"seconds": 40.0, "size_bytes": 400 * 2**20},
    "pg_restore": {
        "j2_into_schema": {"seconds": 20.0},
        "j2_whole": {"seconds": 21.0},
        "j1_whole": {"seconds": 28.0},
    },
    "backup": {
        "wall_seconds": 16.0,
        "size_bytes": 360 * 2**20,
        "rss": {"worker_peak_rss_mb": 150.0},
        "manifest": {"raw_copy_bytes": 1_500 * 2**20},
        "timeline": [
            {
                "t": 0.0,
                "status": "CREATING",
                "step": "export",
                "current": "public.a",
                "seconds": 2.0,
            },
            {
                "t": 2.0,
                "status": "CREATING",
                "step": "export",
                "current": "public.a",
                "seconds": 1.0,
            },
            {"t": 3.0, "status": "COMPLETED", "step": "completed", "current": None, "seconds": 0.0},
        ],
    },
    "restore": {"not_available": "the restoreBackup mutation is not in the API yet"},
    "load_before": [1.0, 1.0, 1.0],
    "load_after": [1.0, 1.0, 1.0],
}


def test_ratios_compare_lifeboat_with_pg_dump_and_pg_restore_of_the_same_run():
    ratios = report.ratios(FIGURES)

    assert ratios["backup_wall / pg_dump_wall"] == 0.4
    assert ratios["archive_size / dump_size"] == 0.9
    assert ratios["backup worker peak RSS MB"] == 150.0
    assert ratios["restore_whole / pg_restore_j2"] is None


def test_the_table_marks_goals_met_or_missed_and_says_why_a_part_has_no_figures():
    text = report.render({**FIGURES, "ratios": report.ratios(FIGURES)})

    assert "backup_wall / pg_dump_wall                       0.40  ≤ 0.5 (target 0.3)  met" in text
    assert "restore: not available: the restoreBackup mutation is not in the API yet" in text
    assert "export public.a 3.0s; completed 0.0s" in text  # consecutive states merged


def test_the_table_renders_when_nothing_could_be_measured():
    results = {"dataset": {"error": "psql exited with 2: no server"}}

    text = report.render({**results, "ratios": report.ratios(results)})

    assert "dataset: failed: psql exited with 2: no server" in text
    assert "Lifeboat FULL backup, mutation → COMPLETED" in text
