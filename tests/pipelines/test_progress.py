"""The step clock that progress reports carry (stepTimes)."""

import time

from app.pipelines.progress import StepClock


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
