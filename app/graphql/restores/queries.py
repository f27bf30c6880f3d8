"""Restore queries."""

import strawberry

from app.db.engine import reading
from app.graphql.context import Context
from app.graphql.restores.types import (
    RestoreBackupInput,
    RestoreOperation,
    RestorePlan,
    RestoreStatus,
)
from app.restores import service


@strawberry.type
class RestoreQueries:
    @strawberry.field(
        description="Restore operations, newest first (at most 500 a page). Next page: "
        "`before` = the last item's cursor."
    )
    async def restore_operations(
        self,
        info: strawberry.Info[Context, None],
        limit: int | None = 50,
        status: RestoreStatus | None = None,
        before: str | None = None,
    ) -> list[RestoreOperation]:
        async with reading(info.context.state.sessions) as session:
            rows = await service.list_restores(
                session,
                50 if limit is None else limit,
                status=status.value if status else None,
                before=before,
            )
        return [RestoreOperation.from_row(row, backup) for row, backup in rows]

    @strawberry.field(
        description="One restore operation, or null if there is none with this id "
        "(BAD_USER_INPUT if the id is not a UUID)."
    )
    async def restore_operation(
        self, info: strawberry.Info[Context, None], id: strawberry.ID
    ) -> RestoreOperation | None:
        async with reading(info.context.state.sessions) as session:
            found = await service.get_restore(session, str(id))
        return RestoreOperation.from_row(*found) if found else None

    @strawberry.field(
        description="What restoreBackup with this input would do, changing nothing (the "
        "confirmation code is not checked): `refusal` says why it would be refused."
    )
    async def restore_plan(
        self, info: strawberry.Info[Context, None], input: RestoreBackupInput
    ) -> RestorePlan:
        state = info.context.state
        async with state.target_pool.acquire() as target, state.sessions() as session:
            report = await service.plan_report(
                session, target, state.archives, state.settings, input.backup_id, input.options()
            )
        return RestorePlan.from_report(report)
