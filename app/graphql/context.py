"""The per-request GraphQL context: app state, the caller, and loaders."""

import uuid
from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from app.auth import service as auth_service
from app.auth.service import Credential
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
    credential: Credential | None = None
    # graphql-transport-ws's connection_init payload; Strawberry sets it on websocket connections.
    connection_params: dict[str, object] | None = None
    admins: DataLoader[uuid.UUID, AdminUser | None] = field(init=False)

    def __post_init__(self) -> None:
        self.admins = DataLoader(lambda ids: _load_admins(self.state, list(ids)))

    @property
    def credentials(self) -> str | None:
        """The Authorization header, or its value in a websocket's connection_init payload."""
        if self.authorization:
            return self.authorization
        params = self.connection_params or {}
        value = params.get("Authorization", params.get("authorization"))
        return value if isinstance(value, str) else None

    async def authenticate(self) -> Credential:
        """The calling account and its token; raises UNAUTHENTICATED / FORBIDDEN."""
        # A websocket outlives a token's revocation: every operation on one checks it again.
        if self.credential is None or isinstance(self.request, WebSocket):
            async with transaction(self.state.sessions) as session:
                self.credential = await auth_service.authenticate(session, self.credentials)
        return self.credential

    @property
    def current_credential(self) -> Credential:
        if self.credential is None:
            raise Unauthenticated("not authenticated")
        return self.credential

    @property
    def current_admin(self) -> AdminUser:
        return self.current_credential.admin
