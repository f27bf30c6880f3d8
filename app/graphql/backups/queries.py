"""Backup queries."""

import strawberry

from app.backups import service
from app.backups.repository import get_by_backup_id
from app.db.engine import reading
from app.graphql.backups.types import Backup, BackupStatus, BackupType
from app.graphql.context import Context
from app.restores.confirmation import confirmation_code


@strawberry.type
class BackupQueries:
    @strawberry.field(
        description="Backups, newest first (at most 500 a page); deleted tombstones only with "
        "includeDeleted. Next page: `before` = the last item's cursor."
    )
    async def backups(
        self,
        info: strawberry.Info[Context, None],
        limit: int | None = 50,
        status: BackupStatus | None = None,
        type: BackupType | None = None,
        before: str | None = None,
        include_deleted: bool | None = False,
    ) -> list[Backup]:
        async with reading(info.context.state.sessions) as session:
            rows = await service.list_backups(
                session,
                50 if limit is None else limit,
                status=status.value if status else None,
                backup_type=type.value if type else None,
                before=before,
                include_deleted=bool(include_deleted),
            )
        return [Backup.from_listing(row) for row in rows]

    @strawberry.field(description="One backup, or null if there is none with this id.")
    async def backup(self, info: strawberry.Info[Context, None], backup_id: str) -> Backup | None:
        async with reading(info.context.state.sessions) as session:
            row = await get_by_backup_id(session, backup_id)
        return Backup.from_row(row) if row else None

    @strawberry.field(description="The code an admin must type back to restore this backup.")
    async def restore_confirmation_code(
        self, info: strawberry.Info[Context, None], backup_id: str
    ) -> str:
        state = info.context.state
        async with state.sessions() as session:
            backup = await service.get_backup(session, backup_id)
        return confirmation_code(state.settings.secret_key.get_secret_value(), backup.backup_id)
