"""Subscriptions are checked like queries: a role that may not subscribe gets FORBIDDEN, no event.

Strawberry runs a subscription even when a result is set before execution, so the check must stop
it another way; this drives a small schema with the real Permissions extension to show it does.
"""

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from starlette.requests import HTTPConnection

from app.graphql.context import Context
from app.graphql.permissions import Permissions
from tests.conftest import make_admin


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def backup_progress(self) -> AsyncGenerator[int, None]:  # viewer, per the table
        yield 1

    @strawberry.subscription
    async def something_new(self) -> AsyncGenerator[int, None]:  # not in the table: admin
        yield 1


schema = strawberry.Schema(query=Query, subscription=Subscription, extensions=[Permissions])


def websocket_context(app: Any, token: str) -> Context:
    scope = {
        "type": "websocket",
        "client": ("127.0.0.1", 5000),
        "headers": [(b"authorization", f"Bearer {token}".encode())],
    }
    return Context(
        state=app.state.lifeboat,
        request=HTTPConnection(scope),
        response=None,
        authorization=f"Bearer {token}",
    )


async def events(app: Any, token: str, document: str) -> list[Any]:
    results = await schema.subscribe(document, context_value=websocket_context(app, token))
    assert not hasattr(results, "errors"), results  # a stream, not an early failure
    return [result async for result in results]  # type: ignore[union-attr]


async def test_a_viewer_subscribes_to_what_viewers_may(app: Any) -> None:
    _, token = await make_admin(role="viewer")
    [event] = await events(app, token, "subscription { backupProgress }")
    assert event.errors is None and event.data == {"backupProgress": 1}


async def test_a_field_missing_from_the_table_refuses_a_viewer_before_any_event(
    app: Any,
) -> None:
    _, token = await make_admin(role="viewer")
    [event] = await events(app, token, "subscription { somethingNew }")
    assert event.data is None
    [error] = event.errors
    assert error.extensions["code"] == "FORBIDDEN"
    assert "needs role admin" in error.message


async def test_an_admin_may_subscribe_to_it(app: Any) -> None:
    _, token = await make_admin(role="admin")
    [event] = await events(app, token, "subscription { somethingNew }")
    assert event.data == {"somethingNew": 1}
