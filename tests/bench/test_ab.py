"""The A/B comparison's arithmetic and report: medians of alternating runs, never a key."""

from bench.ab import configs_without_keys, render, summary


def run(seconds: float) -> dict:
    return {"wall_seconds": seconds, "load_before": [1.5, 1.0, 0.5], "backup_id": "b"}


def test_medians_of_every_run_are_compared_and_every_run_is_reported() -> None:
    runs = {
        "tested": {"backup": [run(10.0), run(12.0), run(11.0)], "restore": [run(30), run(33)]},
        "reference": {"backup": [run(10.0), run(9.0), run(30.0)], "restore": [run(30), run(31)]},
    }
    figures = summary(runs)
    assert figures["medians"]["tested"]["backup"] == 11.0
    assert figures["medians"]["reference"]["backup"] == 10.0
    assert figures["ratios"] == {"backup": 1.1, "restore": round(31.5 / 30.5, 3)}

    configs = configs_without_keys(
        {
            "tested": {"LIFEBOAT_ENCRYPTION_KEY": "c2VjcmV0"},
            "reference": {"LIFEBOAT_ENCRYPTION_KEY": "c2VjcmV0", "LIFEBOAT_ENCRYPTION": "off"},
        }
    )
    text = render({"configs": configs, "runs": runs, **figures})
    assert "c2VjcmV0" not in text and "LIFEBOAT_ENCRYPTION=off" in text
    assert "12.00 s (load 1.50)" in text and "30.00 s" in text
    assert "backup  ratio tested/reference: 1.100" in text
