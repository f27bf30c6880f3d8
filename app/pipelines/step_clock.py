"""How long each named step of a pipeline took, for its progress report.

An operator reading a finished restore's progress sees where the time went (the snapshot, the
load, the index builds) without logs; the benchmark reads the same figures, exact to the
millisecond, instead of guessing them from polling.
"""

from time import monotonic


class StepClock:
    """The current step, and the seconds spent in each step so far (a step seen twice adds up)."""

    def __init__(self, first: str) -> None:
        self.current = first
        self._since = monotonic()
        self._done: dict[str, float] = {}

    def enter(self, step: str) -> None:
        now = monotonic()
        self._done[self.current] = self._done.get(self.current, 0.0) + now - self._since
        self.current, self._since = step, now

    def times(self) -> list[dict[str, float | str]]:
        """Each step with its seconds, the current one's so far, in the order first entered.

        A list, not an object: PostgreSQL's jsonb keeps no key order, and the order tells.
        """
        totals = dict(self._done)
        totals[self.current] = totals.get(self.current, 0.0) + monotonic() - self._since
        return [{"step": step, "seconds": round(seconds, 3)} for step, seconds in totals.items()]


class TimedSteps:
    """For a progress record with a `clock`: setting `step` starts timing the new step."""

    clock: StepClock

    @property
    def step(self) -> str:
        return self.clock.current

    @step.setter
    def step(self, name: str) -> None:
        self.clock.enter(name)
