"""Publishing progress while a pipeline works: every step at once, other changes throttled."""

import asyncio
from typing import Any

import pytest

from app.pipelines.heartbeat import PUBLISH_SECONDS, with_heartbeat
from app.pipelines.progress import PipelineProgress


class Stopped(Exception):
    pass


class Recorder:
    """Collects what would be written on the job's row, as the lifecycle's beat does."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.states: list[dict[str, Any]] = []
        self.stop_after = stop_after

    async def __call__(self, state: dict[str, Any]) -> None:
        if self.stop_after is not None and len(self.states) >= self.stop_after:
            raise Stopped("the job was failed by someone else")
        self.states.append(state)


async def _run(progress: PipelineProgress, work: Any, recorder: Recorder) -> Any:
    return await with_heartbeat(
        work, recorder, progress=progress, interval=5, stopped=Stopped, label="test"
    )


async def test_every_step_change_is_published_even_quick_ones() -> None:
    progress = PipelineProgress()
    recorder = Recorder()

    async def work() -> str:
        for step in ("validate", "snapshot", "load", "indexes"):
            progress.step = step
            await asyncio.sleep(0.02)  # far shorter than the throttle
        progress.step = "completed"
        return "done"

    assert await _run(progress, work(), recorder) == "done"
    steps = [state["step"] for state in recorder.states]
    assert steps == ["validate", "snapshot", "load", "indexes"]


async def test_byte_counts_are_published_at_most_every_half_second() -> None:
    progress = PipelineProgress()
    progress.table_bytes = [10_000]
    recorder = Recorder()

    async def work() -> None:
        progress.step = "load"
        for _ in range(100):  # 2 s of steady data
            progress.add_bytes(10)
            await asyncio.sleep(0.02)
        progress.step = "completed"

    started = asyncio.get_running_loop().time()
    await _run(progress, work(), recorder)
    elapsed = asyncio.get_running_loop().time() - started
    loads = [state for state in recorder.states if state["step"] == "load"]
    assert len(loads) >= 2  # progress shows while the data flows
    assert len(loads) <= elapsed / PUBLISH_SECONDS + 1
    published = [state["bytesDone"] for state in loads]
    assert published == sorted(published) and published[-1] > published[0]


async def test_a_stopped_job_cancels_the_work() -> None:
    progress = PipelineProgress()
    cancelled = asyncio.Event()

    async def work() -> None:
        try:
            while True:
                progress.step = f"step {progress.tables_done}"
                progress.tables_done += 1
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(Stopped):
        await _run(progress, work(), Recorder(stop_after=3))
    assert cancelled.is_set()


async def test_a_beat_overtaken_by_the_jobs_own_final_write_is_no_failure() -> None:
    progress = PipelineProgress()
    finishing = asyncio.Event()

    async def beat(state: dict[str, Any]) -> None:
        if state["step"] == "manifest":
            finishing.set()
            await asyncio.sleep(0.05)  # meanwhile the pipeline writes `completed` itself
            raise Stopped("the backup is no longer being created")

    async def work() -> str:
        progress.step = "manifest"
        await finishing.wait()
        progress.step = "completed"
        await asyncio.sleep(0.1)  # the final write, slower than the beat
        return "completed"

    result = await with_heartbeat(
        work(), beat, progress=progress, interval=5, stopped=Stopped, label="test"
    )
    assert result == "completed"
