"""Operations endpoints: /healthz (alive), /readyz (dependencies answer), /metrics (Prometheus).

Unauthenticated, like most probes and scrape targets: they reveal counts and states, never
data; put them behind the network policy that guards the API if that matters.
"""

from datetime import timedelta

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from app.health.checks import readiness
from app.jobs.waiting import describe_wait, waiting_jobs
from app.ops.metrics import render, snapshot
from app.state import AppState

# /readyz names this many late jobs at most.
MAX_WARNINGS = 5


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.lifeboat
    return state


async def healthz(request: Request) -> PlainTextResponse:
    """The process is up and serving; depends on nothing else on purpose."""
    return PlainTextResponse("ok")


async def readyz(request: Request) -> JSONResponse:
    """200 when Lifeboat's database, the broker and the storage answer; 503 otherwise.

    Jobs waiting for a worker longer than LIFEBOAT_QUEUED_WARN_SECONDS are listed under
    `warnings`: the API itself can serve, so they do not make it unready.
    """
    state = _state(request)
    report = await readiness(state.settings, state.sessions, state.archives)
    body: dict[str, object] = {
        "status": "ready" if report.ok else "not ready",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in report.checks},
        "warnings": await _late_jobs(state) if report.ok else [],
    }
    return JSONResponse(body, status_code=200 if report.ok else 503)


async def _late_jobs(state: AppState) -> list[str]:
    settings = state.settings
    async with state.sessions() as session:
        now = await session.scalar(text("SELECT now()"))
        late = await waiting_jobs(
            session, requested_before=now - timedelta(seconds=settings.queued_warn_seconds)
        )
    queues = {
        "backup": settings.queue("backups"),
        "restore": settings.queue("restores"),
        "drill": settings.queue("drills"),
    }
    lines = [describe_wait(job, now, queues[job.kind]) for job in late[:MAX_WARNINGS]]
    if len(late) > MAX_WARNINGS:
        lines.append(f"and {len(late) - MAX_WARNINGS} more jobs waiting as long")
    return lines


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
