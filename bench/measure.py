"""Measuring tools: wall-clock timers, timed commands, and a process-tree RSS sampler."""

import os
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import psutil

MB = 1024 * 1024


class BenchError(Exception):
    """A benchmark step could not run; its message says why (the rest of the run goes on)."""


def run(
    command: Sequence[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> str:
    """Run a command to completion; its stdout, or BenchError with the end of its stderr."""
    result = subprocess.run(
        list(command),
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip()[-1500:]
        raise BenchError(f"{command[0]} exited with {result.returncode}: {tail}")
    return result.stdout


def timed(command: Sequence[str], *, env: dict[str, str] | None = None) -> float:
    """Wall seconds of one command run to completion; its stdout is discarded, not kept."""
    started = time.perf_counter()
    result = subprocess.run(
        list(command),
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise BenchError(f"{command[0]} exited with {result.returncode}: {result.stderr[-1500:]}")
    return seconds


@dataclass
class ProcessPeak:
    pid: int
    name: str
    is_root: bool
    peak_rss: int = 0
    start_rss: int = 0
    cpu_seconds: float = 0.0
    series: list[tuple[float, int]] = field(default_factory=list)  # (seconds, MB)


class PeriodicSampler:
    """Calls `_sample()` on entering, every `interval` seconds in a thread of its own, and once
    more on leaving; `_begin()` and `_end()` run first and last."""

    interval: float
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._begin()
        self._sample()
        self._stop = threading.Event()
        name = f"{type(self).__name__}-thread"
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        self._end()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _begin(self) -> None:
        pass

    def _end(self) -> None:
        pass

    def _sample(self) -> None:
        raise NotImplementedError


@dataclass
class RssSampler(PeriodicSampler):
    """Samples the RSS of a process and all its descendants every `interval` seconds.

    Dramatiq's CLI process forks the worker process(es) that run actors; the sampler keeps a
    peak per process so the report can name the forked worker that did the work (the child
    that used the most CPU during the sampling) apart from the idle supervising parent.
    Finding the descendants reads every process on the machine, so it is done once every
    `walk_every` samples; the samples between read only the RSS of the processes found (the
    sampler's CPU is taken from the job it measures).
    """

    root_pid: int
    interval: float = 0.1
    walk_every: int = 10
    peaks: dict[int, ProcessPeak] = field(default_factory=dict)
    samples: int = 0
    series_every: int = 5  # keep every 5th sample as the RSS-over-time series
    _started: float = 0.0
    _cpu_start: dict[int, float] = field(default_factory=dict)
    _processes: list[psutil.Process] = field(default_factory=list)

    def _begin(self) -> None:
        self._started = time.perf_counter()

    def _sample(self) -> None:
        # The last sample (on leaving, the stop event set) walks too: the CPU figures are final.
        walk = self.samples % self.walk_every == 0 or self._stop.is_set()
        if walk:
            try:
                root = psutil.Process(self.root_pid)
                self._processes = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
        self.samples += 1
        for process in self._processes:
            try:
                with process.oneshot():
                    rss = process.memory_info().rss
                    cpu = sum(process.cpu_times()[:2]) if walk else None
                    name = process.name() if process.pid not in self.peaks else ""
            except psutil.NoSuchProcess:
                continue
            peak = self.peaks.get(process.pid)
            if peak is None:
                peak = self.peaks[process.pid] = ProcessPeak(
                    process.pid, name, process.pid == self.root_pid, start_rss=rss
                )
            peak.peak_rss = max(peak.peak_rss, rss)
            if self.samples % self.series_every == 0:
                elapsed = round(time.perf_counter() - self._started, 1)
                peak.series.append((elapsed, round(rss / MB)))
            if cpu is not None:
                self._cpu_start.setdefault(process.pid, cpu)
                peak.cpu_seconds = cpu - self._cpu_start[process.pid]

    def busiest_child(self) -> ProcessPeak | None:
        """The forked worker that used the most CPU while sampling (the one that did the work)."""
        children = [peak for peak in self.peaks.values() if not peak.is_root]
        return max(children, key=lambda peak: peak.cpu_seconds, default=None)

    def summary(self) -> dict[str, object]:
        worker = self.busiest_child()
        root = self.peaks.get(self.root_pid)
        return {
            "worker_peak_rss_mb": round(worker.peak_rss / MB, 1) if worker else None,
            "worker_rss_at_start_mb": round(worker.start_rss / MB, 1) if worker else None,
            "worker_pid": worker.pid if worker else None,
            "worker_cpu_seconds": round(worker.cpu_seconds, 1) if worker else None,
            "parent_peak_rss_mb": round(root.peak_rss / MB, 1) if root else None,
            "worker_rss_series_mb": worker.series if worker else None,
            "samples": self.samples,
            "interval_seconds": self.interval,
        }


def load_average() -> list[float]:
    """1/5/15-minute load: the machine is shared, so every report says how busy it was."""
    return [round(value, 2) for value in os.getloadavg()]


@dataclass
class CpuSampler(PeriodicSampler):
    """CPU seconds used during a run by groups of processes (the worker, postgres, SeaweedFS).

    On a 2-core machine the worker, the PostgreSQL backend that runs COPY and the object
    store compete for the same cores, so "where the time goes" needs all three. Processes are
    scanned every `interval` seconds; one that exits loses at most its last interval's CPU,
    and the machine is shared, so other sessions' postgres work can be counted too.
    """

    groups: dict[str, set[int] | str]  # group → root pids (with descendants) or a process name
    interval: float = 0.5
    _first: dict[int, float] = field(default_factory=dict)
    _last: dict[int, tuple[str, float]] = field(default_factory=dict)
    _machine_start: tuple[float, float] = (0.0, 0.0)
    _machine: tuple[float, float] = (0.0, 0.0)
    _started_at: float = 0.0

    def _begin(self) -> None:
        self._started_at = time.time()
        self._machine_start = self._machine_times()

    def _end(self) -> None:
        self._machine = self._machine_times()

    @staticmethod
    def _machine_times() -> tuple[float, float]:
        times = psutil.cpu_times()
        return (sum(times) - times.idle - getattr(times, "iowait", 0.0), sum(times))

    def _group_of(self, process: psutil.Process, trees: dict[int, str]) -> str | None:
        for group, spec in self.groups.items():
            if isinstance(spec, str) and process.info["name"] == spec:
                return group
        return trees.get(process.pid)

    def _sample(self) -> None:
        trees: dict[int, str] = {}
        for group, spec in self.groups.items():
            if isinstance(spec, set):
                for pid in spec:
                    try:
                        root = psutil.Process(pid)
                        for member in [root, *root.children(recursive=True)]:
                            trees[member.pid] = group
                    except psutil.NoSuchProcess:
                        continue
        for process in psutil.process_iter(["name", "cpu_times", "create_time"]):
            member_of = self._group_of(process, trees)
            cpu_times = process.info["cpu_times"]
            if member_of is None or cpu_times is None:
                continue
            cpu = cpu_times.user + cpu_times.system
            if process.pid not in self._first:
                born_during = (process.info["create_time"] or 0) >= self._started_at
                self._first[process.pid] = 0.0 if born_during else cpu
            self._last[process.pid] = (member_of, cpu)

    def summary(self, wall_seconds: float) -> dict[str, object]:
        used: dict[str, float] = dict.fromkeys(self.groups, 0.0)
        for pid, (group, cpu) in self._last.items():
            used[group] += cpu - self._first[pid]
        busy = self._machine[0] - self._machine_start[0]
        total = self._machine[1] - self._machine_start[1]
        return {
            "cpu_seconds": {group: round(seconds, 1) for group, seconds in used.items()},
            "machine_busy_percent": round(100 * busy / total, 1) if total else None,
            "cores": psutil.cpu_count(),
            "wall_seconds": round(wall_seconds, 2),
        }


def best_of(
    repeat: int,
    step: Callable[[], dict[str, Any]],
    key: str,
    before: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """Run a measurement `repeat` times, `before` (untimed) ahead of each; keep the fastest
    (the least disturbed by a shared machine) and list every run's figure beside it."""
    runs = []
    for _ in range(max(repeat, 1)):
        if before is not None:
            before()
        runs.append(step())
    best = min(runs, key=lambda figures: figures[key])
    if len(runs) == 1:
        return best
    summary = {**best, f"all_{key}": [figures[key] for figures in runs]}
    if all("rss" in figures for figures in runs):
        # One worker runs them all: its RSS from run to run shows any creep.
        summary["all_worker_rss_mb"] = [
            (f["rss"]["worker_rss_at_start_mb"], f["rss"]["worker_peak_rss_mb"]) for f in runs
        ]
    return summary
