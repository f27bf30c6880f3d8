"""Restore subscriptions: a restore's state as it changes, until it is finished."""

from collections.abc import AsyncGenerator

import strawberry

from app.db.models import RestoreOperation as RestoreRow
from app.errors import NotFound
from app.graphql.context import Context
from app.graphql.restores.types import RestoreOperation
from app.live.jobs import restore_key
from app.restores.service import parse_restore_id


@strawberry.type
class RestoreSubscriptions:
    @strawberry.subscription(
        description="The restore operation now, then at each change (progress at most every "
        "0.5 s, every step, the outcome); completes after its final state (COMPLETED or "
        "FAILED). NOT_FOUND for an unknown id, BAD_USER_INPUT for one that is not a UUID."
    )
    async def restore_progress(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> AsyncGenerator[RestoreOperation, None]:
        restore_id = parse_restore_id(str(id))
        sent: RestoreOperation | None = None
        async with info.context.state.live.watch(restore_key(restore_id)) as watch:
            async for found in watch:
                if found is None:
                    if sent is None:
                        raise NotFound(f"no restore operation {id}")
                    return
                row, backup = found
                assert isinstance(row, RestoreRow)
                operation = RestoreOperation.from_row(row, backup)
                if operation != sent:
                    yield operation
                    sent = operation
                if row.status != "in_progress":
                    return
