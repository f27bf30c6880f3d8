"""What every pipeline's progress report holds, in the shape of GraphQL's JobProgress.

An operator reading a finished restore's progress sees where the time went (the snapshot, the
load, the index builds) without logs; the benchmark reads the same figures, exact to the
millisecond, instead of guessing them from polling. The report is stored as JSON on the job's
row with JobProgress's field names, so the API maps it without translating.
"""

import asyncio
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

FINISHED_STEP = "completed"
# A running job never shows 100 %: the bytes total of a backup is an estimate, and steps after
# the data (index builds, checks) still take time. 100 % means the job has finished.
MOST_BEFORE_DONE = 0.99
# Below this much data time an average rate says nothing yet, so no ETA.
ETA_AFTER_SECONDS = 1.0


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
    """The part of a progress report that exports and restores share.

    Pipelines set `step` (which starts timing the new step and wakes the publisher, so every
    step change is published at once), `tables_total`, `tables_done`, `rows`, and count bytes
    with `add_bytes`. `table_bytes`, once known, gives the percentage and the ETA: what each
    table, in the order copied, is expected to stream (exact for a restore, from the manifest;
    estimated for a backup, from the table's size on disk). A table's share is measured alone,
    so an estimate that is off only shifts the bar within that table.
    """

    tables_total: int = 0
    tables_done: int = 0
    bytes_read: int = 0  # uncompressed bytes streamed so far (COPY data, a schema dump)
    table_bytes: list[int] | None = None
    rows: int = 0  # rows copied so far
    clock: StepClock = field(default_factory=lambda: StepClock("start"))
    step_changed: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)
    _data_since: float | None = field(default=None, init=False, repr=False)
    _table_mark: int = field(default=0, init=False, repr=False)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("tables_done", "table_bytes"):
            # The bytes streamed before the next table: that table's own bytes are counted
            # from here. (Pipelines set these attributes; they call nothing.)
            object.__setattr__(self, "_table_mark", self.__dict__.get("bytes_read", 0))
        object.__setattr__(self, name, value)

    @property
    def step(self) -> str:
        return self.clock.current

    @step.setter
    def step(self, name: str) -> None:
        self.clock.enter(name)
        self.step_changed.set()

    @property
    def finished(self) -> bool:
        return self.step == FINISHED_STEP

    @property
    def current_table(self) -> str | None:
        """The table being copied now (subclasses know it)."""
        return None

    def add_bytes(self, count: int) -> None:
        if self._data_since is None and self.table_bytes is not None:
            self._data_since = monotonic()
        self.bytes_read += count

    def _data_fraction(self) -> float | None:
        """How much of the tables' data is copied, 0 to 1; None while nothing tells."""
        expected = self.table_bytes
        if expected and sum(expected) > 0:
            done = sum(expected[: self.tables_done])
            if self.tables_done < len(expected):
                within = self.bytes_read - self._table_mark
                done += min(within, expected[self.tables_done])
            return done / sum(expected)
        if self.tables_total:
            return self.tables_done / self.tables_total
        return None

    def fraction(self) -> float | None:
        """How much of the job is done, 0 to 1 (1 only once finished); None if unknown."""
        if self.finished:
            return 1.0
        fraction = self._data_fraction()
        return None if fraction is None else min(fraction, MOST_BEFORE_DONE)

    def eta_seconds(self) -> float | None:
        """Seconds until the data is copied at the average rate so far; None when unknown."""
        if self.finished:
            return 0.0
        fraction = self._data_fraction()
        if fraction is None or fraction <= 0 or fraction >= 1 or self._data_since is None:
            return None
        elapsed = monotonic() - self._data_since
        if elapsed < ETA_AFTER_SECONDS:
            return None
        return round(elapsed * (1 - fraction) / fraction, 1)

    def as_json(self) -> dict[str, Any]:
        """The report as stored on the job's row and served as JobProgress."""
        fraction = self.fraction()
        return {
            "step": self.step,
            "percent": round(fraction * 100, 1) if fraction is not None else None,
            "currentTable": self.current_table,
            "tablesDone": self.tables_done,
            "tablesTotal": self.tables_total,
            "rowsDone": self.rows,
            "bytesDone": self.bytes_read,
            "etaSeconds": self.eta_seconds(),
            "stepTimes": self.clock.times(),
        }
