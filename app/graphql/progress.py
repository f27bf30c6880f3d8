"""GraphQL types of a job's progress, shared by backups and restores (and drills)."""

from typing import Any

import strawberry

from app.graphql.scalars import BigInt


@strawberry.type(description="Seconds one step of a job took (so far, for the current step).")
class StepTime:
    step: str
    seconds: float


@strawberry.type(
    description="What a backup's or restore's worker is doing, published as it changes: at "
    "every step change, otherwise at most every 0.5 s."
)
class JobProgress:
    step: str | None = strawberry.field(description="The current step (queued, export, load…).")
    percent: float | None = strawberry.field(
        description="Share of the job's table data copied, 0 to 100; 100 only once finished "
        "(a backup's total is estimated from the tables' size on disk, a restore's is exact)."
    )
    current_table: str | None = strawberry.field(description="The table being copied now.")
    tables_done: int | None
    tables_total: int | None
    rows_done: BigInt | None
    bytes_done: BigInt | None = strawberry.field(
        description="Uncompressed bytes streamed so far: the tables' COPY data (and a backup's "
        "schema dump)."
    )
    eta_seconds: float | None = strawberry.field(
        description="Seconds until the data is copied, at the average rate so far; null when "
        "unknown (before the data, and for the steps after it)."
    )
    step_times: list[StepTime] = strawberry.field(
        description="The seconds each step took, in order; the current one's so far."
    )

    @classmethod
    def from_json(cls, state: dict[str, Any] | None) -> "JobProgress | None":
        """The report a worker stored on the job's row (app/pipelines/progress.py)."""
        if state is None:
            return None

        def big(key: str) -> BigInt | None:
            value = state.get(key)
            return BigInt(int(value)) if value is not None else None

        return cls(
            step=state.get("step"),
            percent=state.get("percent"),
            current_table=state.get("currentTable"),
            tables_done=state.get("tablesDone"),
            tables_total=state.get("tablesTotal"),
            rows_done=big("rowsDone"),
            bytes_done=big("bytesDone"),
            eta_seconds=state.get("etaSeconds"),
            step_times=[
                StepTime(step=str(time["step"]), seconds=float(time["seconds"]))
                for time in state.get("stepTimes") or []
            ],
        )
