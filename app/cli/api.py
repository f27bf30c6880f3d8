"""The command line's only way into Lifeboat: its GraphQL API, over HTTP and websockets (gql).

Everything the API answers becomes either data or an ApiError carrying the exit status a script
can rely on: 3 when the API refused (a token, an input, a missing backup), 4 when it could not
be reached or failed itself.

gql (with graphql-core, httpx and websockets) is imported where it is used, not with this
module: it takes ~0.15 s, which `lifeboat --help` and the commands that work on the database
(admin, keys, migrate, ...) do not need, and websockets only a command that follows a job does.
"""

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_URL = "http://127.0.0.1:8000/graphql"
REFUSED = 3
UNREACHABLE = 4
# The codes that say the API itself failed, not that it refused the request.
SERVER_FAULTS = {"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE"}
# The websocket close code of a refused connection_init (the token), as the API sends it.
WS_REFUSED = 4403


class ApiError(Exception):
    """What the API refused, or why it could not answer; `exit_code` is the command's status."""

    def __init__(self, code: str, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.exit_code = exit_code


@dataclass(frozen=True)
class Endpoint:
    url: str
    token: str | None

    @classmethod
    def from_env(cls) -> "Endpoint":
        """LIFEBOAT_URL (default http://127.0.0.1:8000/graphql) and LIFEBOAT_TOKEN."""
        return cls(
            url=os.environ.get("LIFEBOAT_URL") or DEFAULT_URL,
            token=os.environ.get("LIFEBOAT_TOKEN") or None,
        )

    @property
    def ws_url(self) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(scheme="wss" if parts.scheme == "https" else "ws"))

    @property
    def authorization(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class Api:
    """One command's session with the API: queries over HTTP, subscriptions over websockets."""

    def __init__(self, endpoint: Endpoint, timeout: float = 60.0) -> None:
        from gql import Client  # deferred: see the module's docstring
        from gql.transport.httpx import HTTPXAsyncTransport

        self.endpoint = endpoint
        transport = HTTPXAsyncTransport(
            url=endpoint.url, headers=endpoint.authorization, timeout=timeout
        )
        self._client = Client(transport=transport, execute_timeout=timeout)

    async def __aenter__(self) -> "Api":
        self._session = await self._client.connect_async()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.close_async()

    async def query(self, document: str, **variables: Any) -> dict[str, Any]:
        """The operation's `data`; ApiError for its errors or a failed round trip."""
        from gql import GraphQLRequest

        request = GraphQLRequest(document, variable_values=variables)
        try:
            return await self._session.execute(request)
        except Exception as error:
            raise translate(error, self.endpoint.url) from error

    async def subscribe(self, document: str, **variables: Any) -> AsyncIterator[dict[str, Any]]:
        """Each `data` of a subscription until it completes; ApiError as `query`."""
        from gql import Client, GraphQLRequest
        from gql.transport.websockets import WebsocketsTransport

        transport = WebsocketsTransport(
            url=self.endpoint.ws_url,
            init_payload=self.endpoint.authorization,
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
            ping_interval=20,
        )
        request = GraphQLRequest(document, variable_values=variables)
        try:
            async with Client(transport=transport) as session:
                async for data in session.subscribe(request):
                    yield data
        except Exception as error:
            raise translate(error, self.endpoint.ws_url) from error


def translate(error: Exception, url: str) -> ApiError:
    """An exception of gql, httpx or websockets as the ApiError a command reports."""
    import httpx
    from gql.transport.exceptions import (
        TransportClosed,
        TransportConnectionFailed,
        TransportProtocolError,
        TransportQueryError,
        TransportServerError,
    )
    from websockets.exceptions import InvalidHandshake, WebSocketException

    if isinstance(error, ApiError):
        return error
    if isinstance(error, TransportQueryError):
        first: dict[str, Any] = (error.errors or [{}])[0]
        code = str((first.get("extensions") or {}).get("code") or "GRAPHQL_ERROR")
        message = str(first.get("message") or error)
        return ApiError(code, message, UNREACHABLE if code in SERVER_FAULTS else REFUSED)
    if isinstance(error, TransportServerError):
        status = error.code or 0
        if status == WS_REFUSED or status in (401, 403):
            return ApiError("UNAUTHENTICATED", f"the API refused the token: {error}", REFUSED)
        if 400 <= status < 500:
            return ApiError(f"HTTP_{status}", f"the API refused the request: {error}", REFUSED)
        return ApiError("SERVER_ERROR", f"the API at {url} failed: {error}", UNREACHABLE)
    if isinstance(error, TransportProtocolError):
        return ApiError(
            "BAD_RESPONSE", f"{url} did not answer as a GraphQL API: {error}", UNREACHABLE
        )
    unreachable = (
        TransportConnectionFailed,
        TransportClosed,
        httpx.TransportError,
        OSError,
        InvalidHandshake,
        WebSocketException,
        TimeoutError,
    )
    if isinstance(error, unreachable):
        reason = str(error) or type(error).__name__
        return ApiError("UNREACHABLE", f"cannot reach the API at {url}: {reason}", UNREACHABLE)
    raise error
