"""The benchmark's measuring tools, on real processes."""

import subprocess
import sys

from bench.measure import MB, CpuSampler, RssSampler, best_of


def test_rss_sampler_reports_the_forked_child_that_did_the_work_apart_from_its_parent():
    # A parent that forks a child which allocates 64 MB and burns CPU, like dramatiq's worker.
    child = (
        "import time; data = bytearray(64 * 1024 * 1024); end = time.time() + 1.0\n"
        "while time.time() < end: sum(range(1000))\n"
    )
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    process = subprocess.Popen([sys.executable, "-c", parent])
    try:
        with RssSampler(process.pid, interval=0.05) as rss:
            process.wait(30)
    finally:
        process.kill()
    worker = rss.busiest_child()

    assert worker is not None and worker.pid != process.pid
    assert worker.peak_rss >= 64 * MB
    assert rss.summary()["worker_peak_rss_mb"] >= 64


def test_cpu_sampler_counts_the_cpu_a_process_tree_used_during_the_run():
    burn = "import time\nwhile time.process_time() < 0.6: pass\n"
    process = subprocess.Popen([sys.executable, "-c", burn])
    try:
        with CpuSampler({"burner": {process.pid}, "nobody": "no-such-process"}, 0.05) as cpu:
            process.wait(60)
    finally:
        process.kill()
    used = cpu.summary(1.0)["cpu_seconds"]

    assert isinstance(used, dict)
    assert used["burner"] >= 0.4  # at most one interval's CPU is lost when it exits
    assert used["nobody"] == 0


def test_best_of_keeps_the_fastest_run_and_lists_them_all():
    runs = iter([{"seconds": 3.0, "n": 1}, {"seconds": 2.0, "n": 2}, {"seconds": 4.0, "n": 3}])

    best = best_of(3, lambda: next(runs), "seconds")

    assert best == {"seconds": 2.0, "n": 2, "all_seconds": [3.0, 2.0, 4.0]}
