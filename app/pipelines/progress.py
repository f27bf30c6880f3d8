"""What every pipeline's progress report holds: tables done, bytes, and each step's time.

An operator reading a finished restore's progress sees where the time went (the snapshot, the
load, the index builds) without logs; the benchmark reads the same figures, exact to the
millisecond, instead of guessing them from polling.
"""

from dataclasses import dataclass, field
from time import monotonic
from typing import Any


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


@dataclass
class PipelineProgress:
    """The part of a progress report that exports and restores share. Setting `step` starts
    timing the new step."""

    tables_total: int = 0
    tables_done: int = 0
    bytes_read: int = 0  # uncompressed COPY bytes so far
    clock: StepClock = field(default_factory=lambda: StepClock("start"))

    @property
    def step(self) -> str:
        return self.clock.current

    @step.setter
    def step(self, name: str) -> None:
        self.clock.enter(name)

    def add_bytes(self, count: int) -> None:
        self.bytes_read += count

    def as_json(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "tablesDone": self.tables_done,
            "tablesTotal": self.tables_total,
            "bytes": self.bytes_read,
            "stepTimes": self.clock.times(),
        }
