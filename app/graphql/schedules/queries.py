"""Schedule queries."""

import strawberry

from app.graphql.context import Context
from app.graphql.schedules.types import Schedule
from app.schedules import service


@strawberry.type
class ScheduleQueries:
    @strawberry.field(description="Every backup schedule, by name.")
    async def schedules(self, info: strawberry.Info[Context, None]) -> list[Schedule]:
        async with info.context.state.sessions() as session:
            rows = await service.list_schedules(session)
        return [Schedule.from_row(row) for row in rows]
