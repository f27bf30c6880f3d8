"""The per-request GraphQL context: app state, the caller, and loaders."""

import uuid
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.dataloader import DataLoader

from app.auth import service as auth_service
from app.db.engine import transaction
from app.db.models import AdminUser
from app.errors import Unauthenticated
from app.state import AppState


async def _load_admins(state: AppState, ids: list[uuid.UUID]) -> list[AdminUser | None]:
    async with state.sessions() as session:
        found = {a.id: a for a in [await session.get(AdminUser, i) for i in set(ids)] if a}
    return [found.get(i) for i in ids]


@dataclass
class Context:
    state: AppState
    request: HTTPConnection
    response: Response | None
    authorization: str | None
    admin: AdminUser | None = None
    admins: DataLoader[uuid.UUID, AdminUser | None] = field(init=False)

    def __post_init__(self) -> None:
        self.admins = DataLoader(lambda ids: _load_admins(self.state, list(ids)))

    async def authenticate(self) -> AdminUser:
        """The calling admin; raises UNAUTHENTICATED / FORBIDDEN."""
        if self.admin is None:
            async with transaction(self.state.sessions) as session:
                self.admin = await auth_service.authenticate(session, self.authorization)
        return self.admin

    @property
    def current_admin(self) -> AdminUser:
        if self.admin is None:
            raise Unauthenticated("not authenticated")
        return self.admin
