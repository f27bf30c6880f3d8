"""The API bench's arithmetic: percentiles, the goal, and the report's figures."""

from bench.api import passes, report
from bench.load import percentile, summary


def test_percentiles_of_the_latencies() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7


def test_the_goal_is_p99_under_50_ms_and_no_errors() -> None:
    fast = summary([0.01] * 99 + [0.04], [], 1.0, 100)
    assert passes(fast)
    assert not passes(summary([0.01] * 98 + [0.06, 0.07], [], 1.0, 100))
    assert not passes(summary([0.01] * 99, ["HTTP 500: x"], 1.0, 100))


def test_the_report_names_the_rates_latencies_and_load() -> None:
    steady = {
        **summary([0.005] * 3000, [], 30.0, 100),
        "api_cpu_ms_per_request": 3.5,
        "load_average": [0.5, 0.4, 0.3],
    }
    latency = {"changes": 60, "received": 60, "median_ms": 9.0, "p90_ms": 12.0, "worst_ms": 30.0}
    text = report(
        {
            "backups": 10000,
            "load_before": [0.5, 0.4, 0.3],
            "load_after": [0.6, 0.4, 0.3],
            "list_100": steady,
            "search": {"highest_passing_rate": 300, "tried": [{**steady, "rate": 300.0}]},
            "progress_idle": latency,
        }
    )
    assert "p99 5.0 ms" in text and "(met:" in text
    assert "highest rate keeping p99 < 50 ms: 300 req/s" in text
    assert "median 9.0 ms, worst 30.0 ms" in text
    assert "load average before [0.5, 0.4, 0.3]" in text
