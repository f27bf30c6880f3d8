"""Restore mutations."""

import strawberry

from app.graphql.context import Context
from app.graphql.restores.types import RestoreBackupInput, RestoreOperation
from app.jobs.dispatch import send_job
from app.restores import service


@strawberry.type
class RestoreMutations:
    @strawberry.mutation(
        description="Restore a completed backup, confirmed by its code (restoreConfirmationCode); "
        "returns at once with status IN_PROGRESS."
    )
    async def restore_backup(
        self, info: strawberry.Info[Context, None], input: RestoreBackupInput
    ) -> RestoreOperation:
        state = info.context.state
        admin = info.context.current_admin
        async with state.target_pool.acquire() as target, info.context.transaction() as session:
            row, backup = await service.request_restore(
                session,
                target,
                state.archives,
                state.settings,
                admin,
                input.backup_id,
                input.confirmation_code,
                input.options(),
            )
        # Only now is the row committed, so the worker is sure to find it. A broker that does
        # not take the message fails the job and the request (SERVICE_UNAVAILABLE).
        await send_job(state, "restore", str(row.id))
        return RestoreOperation.from_row(row, backup)
