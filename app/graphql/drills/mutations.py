"""Drill mutations."""

import strawberry

from app.drills.service import request_drill
from app.graphql.backups.types import Backup
from app.graphql.context import Context
from app.jobs.dispatch import send_job


@strawberry.type
class DrillMutations:
    @strawberry.mutation(
        description="Drill a completed backup: restore it into a scratch database and prove its "
        "rows read back as written. Returns at once with verification RUNNING (the running "
        "drill when one already runs for this backup)."
    )
    async def verify_backup(self, info: strawberry.Info[Context, None], backup_id: str) -> Backup:
        state = info.context.state
        admin = info.context.current_admin
        async with info.context.transaction() as session:
            request = await request_drill(session, backup_id, admin.id, state.settings.keyring)
        # Only now is the row committed, so the worker is sure to find it. A broker that does
        # not take the message ends the drill in ERROR and the request (SERVICE_UNAVAILABLE).
        if request.created:
            await send_job(state, "drill", str(request.verification.id))
        return Backup.from_row(request.backup)
