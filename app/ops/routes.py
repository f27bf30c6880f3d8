"""Operations endpoints: /healthz (alive), /readyz (dependencies answer), /metrics (Prometheus).

Unauthenticated, like most probes and scrape targets: they reveal counts and states, never
data; put them behind the network policy that guards the API if that matters.
"""

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.health.checks import readiness
from app.ops.metrics import render, snapshot
from app.state import AppState


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.lifeboat
    return state


async def healthz(request: Request) -> PlainTextResponse:
    """The process is up and serving; depends on nothing else on purpose."""
    return PlainTextResponse("ok")


async def readyz(request: Request) -> JSONResponse:
    """200 when Lifeboat's database, the broker and the storage answer; 503 otherwise."""
    state = _state(request)
    report = await readiness(state.settings, state.sessions, state.archives)
    body = {
        "status": "ready" if report.ok else "not ready",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in report.checks},
    }
    return JSONResponse(body, status_code=200 if report.ok else 503)


async def metrics(request: Request) -> Response:
    # The classic text format (0.0.4): every Prometheus version and scraper reads it.
    async with _state(request).sessions() as session:
        snap = await snapshot(session)
    return Response(render(snap), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def ops_routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
