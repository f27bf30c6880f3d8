"""The per-request GraphQL context: app state, the caller, transactions, and loaders."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.dataloader import DataLoader

from app import audit
from app.audit.service import record_failed_authentication
from app.auth import service as auth_service
from app.auth.service import Credential
from app.db.drill_models import Verification
from app.db.engine import reading, transaction
from app.db.models import AdminUser
from app.drills.service import latest_verifications
from app.errors import AppError, Unauthenticated
from app.graphql.auditing import pending_audit
from app.http.client_address import client_address
from app.state import AppState


async def _load_admins(state: AppState, ids: list[uuid.UUID]) -> list[AdminUser | None]:
    async with state.sessions() as session:
        found = {a.id: a for a in [await session.get(AdminUser, i) for i in set(ids)] if a}
    return [found.get(i) for i in ids]


async def _load_verifications(state: AppState, ids: list[str]) -> list[Verification | None]:
    async with state.sessions() as session:
        found = await latest_verifications(session, ids)
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
    # Each backup's latest drill. Batched, never cached: a subscription's context lives for
    # many updates, and a drill changes while it runs.
    verifications: DataLoader[str, Verification | None] = field(init=False)

    def __post_init__(self) -> None:
        self.admins = DataLoader(lambda ids: _load_admins(self.state, list(ids)))
        self.verifications = DataLoader(
            lambda ids: _load_verifications(self.state, list(ids)), cache=False
        )

    @property
    def credentials(self) -> str | None:
        """The Authorization header, or its value in a websocket's connection_init payload."""
        if self.authorization:
            return self.authorization
        params = self.connection_params or {}
        value = params.get("Authorization", params.get("authorization"))
        return value if isinstance(value, str) else None

    @cached_property
    def client_address(self) -> str | None:
        return client_address(self.request, self.state.settings.trusted_proxy_networks)

    async def authenticate(self) -> Credential:
        """The calling account and its token; raises UNAUTHENTICATED / FORBIDDEN.

        A refusal is counted in the audit trail.
        """
        # A websocket outlives a token's revocation: every operation on one checks it again.
        if self.credential is None or isinstance(self.request, WebSocket):
            # Every request comes here: one lookup outside a transaction (and at most one
            # UPDATE a minute, atomic by itself) keeps its cost to a round trip.
            async with reading(self.state.sessions) as session:
                try:
                    self.credential = await auth_service.authenticate(session, self.credentials)
                except AppError as error:
                    refusal = error
                else:
                    return self.credential
            async with transaction(self.state.sessions) as session:
                await record_failed_authentication(session, self.client_address, refusal.code)
            raise refusal
        return self.credential

    @property
    def current_credential(self) -> Credential:
        if self.credential is None:
            raise Unauthenticated("not authenticated")
        return self.credential

    @property
    def current_admin(self) -> AdminUser:
        return self.current_credential.admin

    @property
    def actor(self) -> audit.Actor:
        credential = self.current_credential
        return audit.Actor(
            kind="admin",
            admin_id=credential.admin.id,
            admin_email=credential.admin.email,
            token_id=credential.token.id,
            client_address=self.client_address,
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """The transaction of a mutation: it commits the mutation's audit row with its work.

        Mutations open their transaction here, never with app.db.engine.transaction: the row
        saying the root field ran ("ok") is written just before the commit, so both commit or
        neither does. Should the block fail, nothing is written here; the audit field extension
        records the failure on its own.
        """
        entry = pending_audit()
        async with transaction(self.state.sessions) as session:
            yield session
            if entry is not None and not entry.recorded:
                await audit.record(session, self.actor, entry.action, entry.arguments)
        if entry is not None:
            entry.recorded = True

    async def record_alone(
        self, action: str, arguments: dict[str, Any] | None, outcome: str
    ) -> None:
        """An audit row in a transaction of its own: refusals, failures, reads."""
        async with transaction(self.state.sessions) as session:
            await audit.record(session, self.actor, action, arguments, outcome)
