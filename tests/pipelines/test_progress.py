"""Progress reports: the step clock (stepTimes), the percentage and the ETA."""

import time

from app.pipelines.export.progress import ExportProgress
from app.pipelines.progress import PipelineProgress, StepClock
from app.pipelines.restore.progress import RestoreProgress


def test_each_step_gets_its_own_time_in_the_order_first_entered() -> None:
    clock = StepClock("validate")
    time.sleep(0.02)
    clock.enter("load")
    time.sleep(0.05)
    clock.enter("validate")  # a step seen again adds up, and keeps its first place
    time.sleep(0.01)
    times = clock.times()
    assert [t["step"] for t in times] == ["validate", "load"]
    seconds = {str(t["step"]): float(t["seconds"]) for t in times}
    assert seconds["validate"] >= 0.029  # both spells
    assert seconds["load"] >= 0.049
    assert clock.current == "validate"


def test_percent_follows_the_bytes_and_reaches_100_only_when_finished() -> None:
    progress = PipelineProgress(tables_total=2)
    progress.table_bytes = [600, 400]
    assert progress.as_json()["percent"] == 0
    progress.add_bytes(300)
    assert progress.as_json()["percent"] == 30
    progress.add_bytes(5000)  # a backup's sizes are estimates: more came than expected
    assert progress.as_json()["percent"] == 60  # that table's share, no more
    progress.tables_done = 1
    progress.add_bytes(200)
    assert progress.as_json()["percent"] == 80  # the next table is measured on its own
    progress.tables_done = 2
    assert progress.as_json()["percent"] == 99  # every table copied, the job not finished
    progress.step = "completed"
    assert progress.as_json()["percent"] == 100
    assert progress.as_json()["etaSeconds"] == 0


def test_bytes_streamed_before_the_tables_do_not_count_as_table_data() -> None:
    progress = PipelineProgress(tables_total=1)
    progress.add_bytes(50)  # a backup's schema dump
    progress.table_bytes = [100]
    progress.add_bytes(25)
    assert progress.as_json()["percent"] == 25
    assert progress.as_json()["bytesDone"] == 75


def test_without_sizes_tables_give_the_percentage() -> None:
    progress = PipelineProgress(tables_total=4, tables_done=1)
    assert progress.as_json()["percent"] == 25
    assert PipelineProgress().as_json()["percent"] is None


def test_eta_comes_from_the_average_rate_once_data_has_flowed_a_while() -> None:
    progress = PipelineProgress()
    progress.table_bytes = [1000]
    assert progress.eta_seconds() is None  # no data yet
    progress.add_bytes(100)
    assert progress.eta_seconds() is None  # too early to tell a rate
    time.sleep(1.05)
    eta = progress.eta_seconds()
    assert eta is not None and eta >= 9.0  # 900 bytes left at ~100 bytes a second or less


def test_the_report_has_jobprogress_fields() -> None:
    progress = RestoreProgress(tables_total=3, tables_done=1, rows=42, current="public.users")
    progress.add_bytes(7)
    report = progress.as_json()
    assert {key: report[key] for key in report if key != "stepTimes"} == {
        "step": "start",
        "percent": 33.3,
        "currentTable": "public.users",
        "tablesDone": 1,
        "tablesTotal": 3,
        "rowsDone": 42,
        "bytesDone": 7,
        "etaSeconds": None,
    }
    assert ExportProgress(current=["public.b", "public.a"]).as_json()["currentTable"] == (
        "public.a, public.b"
    )
