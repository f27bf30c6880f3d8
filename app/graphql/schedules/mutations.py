"""Schedule mutations."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import strawberry

from app.graphql.context import Context
from app.graphql.ids import parse_uuid
from app.graphql.schedules.types import CreateScheduleInput, Schedule, UpdateScheduleInput
from app.schedules import service
from app.schedules.service import ScheduleSpec
from app.state import AppState


@asynccontextmanager
async def _target_if(state: AppState, needed: bool) -> AsyncIterator[asyncpg.Connection | None]:
    """A target connection only when tables must be checked, so the rest works without it."""
    if not needed:
        yield None
        return
    async with state.target_pool.acquire() as target:
        yield target


@strawberry.type
class ScheduleMutations:
    @strawberry.mutation(description="Create a schedule; it first fires at its next cron time.")
    async def create_schedule(
        self, info: strawberry.Info[Context, None], input: CreateScheduleInput
    ) -> Schedule:
        state = info.context.state
        spec = ScheduleSpec(
            name=input.name,
            cron=input.cron,
            timezone=input.timezone,
            backup_type=input.backup_type.value,
            tables=input.tables,
            description=input.description,
            retention=input.retention.to_policy() if input.retention else None,
            enabled=input.enabled,
            verify=input.verify,
        )
        needed = spec.backup_type == "partial" and bool(spec.tables)
        async with _target_if(state, needed) as target, info.context.transaction() as session:
            row = await service.create_schedule(session, target, spec)
        return Schedule.from_row(row)

    @strawberry.mutation(description="Change a schedule; a new cron or time zone re-times it.")
    async def update_schedule(
        self, info: strawberry.Info[Context, None], input: UpdateScheduleInput
    ) -> Schedule:
        state = info.context.state
        schedule_id = parse_uuid(input.id, "schedule")
        spec = ScheduleSpec(
            name=input.name,
            cron=input.cron,
            timezone=input.timezone,
            backup_type=input.backup_type.value if input.backup_type else None,
            tables=input.tables,
            description=input.description,
            retention=input.retention.to_policy() if input.retention else None,
            enabled=input.enabled,
            verify=input.verify,
        )
        needed = bool(spec.tables) or spec.backup_type == "partial"
        async with _target_if(state, needed) as target, info.context.transaction() as session:
            row = await service.update_schedule(session, target, schedule_id, spec)
        return Schedule.from_row(row)

    @strawberry.mutation(
        description="Pause or resume a schedule; resuming skips the runs missed while paused."
    )
    async def set_schedule_enabled(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, enabled: bool
    ) -> Schedule:
        async with info.context.transaction() as session:
            row = await service.set_enabled(session, parse_uuid(id, "schedule"), enabled)
        return Schedule.from_row(row)

    @strawberry.mutation(description="Delete a schedule; the backups it made stay.")
    async def delete_schedule(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> bool:
        async with info.context.transaction() as session:
            await service.delete_schedule(session, parse_uuid(id, "schedule"))
        return True
