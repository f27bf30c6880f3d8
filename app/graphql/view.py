"""The GraphQL endpoint: Strawberry's ASGI app, Lifeboat's context, GraphQL over HTTP semantics.

Responses follow the GraphQL over HTTP spec. A client accepting
`application/graphql-response+json` gets 4xx statuses for requests that fail before execution
(400 bad document or variables, 401/403 for auth); one accepting `application/json` (or anything,
like most scripts) gets HTTP 200 with `errors[0].extensions.code`, as DESIGN.md promises. Requests
that cannot be read at all (bad JSON, missing query, wrong parameter types) get 4xx either way,
with a GraphQL-shaped JSON body.
"""

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData, process_result
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.base import BaseSchema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from app.errors import AppError
from app.graphql.context import Context
from app.graphql.graphiql import assets as graphiql
from app.http.negotiation import negotiate
from app.state import AppState

JSON = "application/json"
GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
# application/json first: it is the default for a missing Accept or `*/*`.
MEDIA_TYPES = (JSON, GRAPHQL_RESPONSE_JSON)

# Statuses of requests that fail before execution, for clients accepting graphql-response+json.
REQUEST_ERROR_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "INTERNAL_SERVER_ERROR": 500}


def _media_type(request: Request) -> str:
    # Unacceptable Accept headers get the default rather than a 406, as the spec allows.
    return negotiate(request.headers.get("accept"), MEDIA_TYPES) or JSON


def _is_request_error(result: ExecutionResult) -> bool:
    """True when the operation failed before any field ran: a document, variable or auth error."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


def _status(response_data: object, media_type: str) -> int:
    """200, unless a graphql-response+json client sent a request that failed before execution."""
    if media_type != GRAPHQL_RESPONSE_JSON or not isinstance(response_data, Mapping):
        return 200
    if "data" in response_data:
        return 200
    errors = response_data.get("errors") or [{}]
    code = errors[0].get("extensions", {}).get("code")
    return REQUEST_ERROR_STATUS.get(code or "", 400)


def _json_response(body: object, status: int, media_type: str, encode: Any) -> Response:
    return Response(encode(body), status_code=status, media_type=f"{media_type}; charset=utf-8")


class LifeboatGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: BaseSchema, *, allowed_origins: Sequence[str] = ()) -> None:
        # graphql-transport-ws only: the legacy subscriptions-transport-ws protocol is deprecated.
        # Websocket handshakes from other origins are refused unless listed (see README, CORS).
        super().__init__(
            schema,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=allowed_origins,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            response = self._request_error(request, error)
        await response(scope, receive, send)

    def _request_error(self, request: Request, error: HTTPException) -> Response:
        code = HTTPStatus(error.status_code).name
        body = {"errors": [{"message": error.reason, "extensions": {"code": code}}]}
        response = _json_response(body, error.status_code, _media_type(request), self.encode_json)
        if error.status_code == 405:
            response.headers["Allow"] = "POST"
        return response

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None = None
    ) -> Context:
        state: AppState = request.app.state.lifeboat
        return Context(
            state=state,
            request=request,
            response=response if isinstance(response, Response) else None,
            authorization=request.headers.get("authorization"),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # The token comes in connection_init's payload (browsers cannot set websocket headers)
        # or the handshake's Authorization header; without a valid one the socket closes (4403).
        try:
            await context.authenticate()
        except AppError as error:
            raise ConnectionRejectionError({"code": error.code}) from error
        return UNSET

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page()

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        if isinstance(request, Request):
            sub_response.media_type = _media_type(request)
        return sub_response

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type.lower() != JSON:
                raise HTTPException(415, "POST a JSON body with Content-Type: application/json")
        data = await super().parse_http_body(request)
        for item in data if isinstance(data, list) else [data]:
            if not isinstance(item.operation_name, str | None):
                raise HTTPException(400, "operationName must be a string or null, if provided.")
        return data

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            # GraphQL over HTTP: a mutation sent by GET is refused with 405, before execution.
            refused_type = isinstance(error.__cause__, InvalidOperationTypeError)
            if refused_type and request_adapter.method == "GET":
                raise HTTPException(405, "Mutations must be sent with POST.") from error
            raise

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = process_result(result)
        if _is_request_error(result):
            # The GraphQL spec: no `data` entry when the request failed before execution.
            response.pop("data", None)
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        media_type = sub_response.media_type or JSON
        status = sub_response.status_code or _status(response_data, media_type)
        response = _json_response(response_data, status, media_type, self.encode_json)
        response.headers.raw.extend(
            (name, value) for name, value in sub_response.headers.raw if name != b"content-type"
        )
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if sub_response.background:
            response.background = sub_response.background
        return response
