"""The Starlette application: resources opened in the lifespan, GraphQL at /graphql, the
dashboard at /."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route, WebSocketRoute

from app.dashboard import assets as dashboard_assets
from app.db.engine import create_engine, session_factory
from app.db.urls import asyncpg_dsn
from app.graphql.graphiql import assets as graphiql_assets
from app.graphql.schema import schema
from app.graphql.view import LifeboatGraphQL
from app.jobs import Jobs
from app.live.feed import JobFeed
from app.live.jobs import job_reader
from app.ops.routes import ops_routes
from app.settings import Settings, get_settings
from app.state import AppState
from app.storage.client import ObjectStore, create_client

logger = logging.getLogger("lifeboat")


def _default_jobs() -> Jobs:
    # Imported here so that building the app for `make schema` needs no broker module.
    from workers.jobs import DramatiqJobs

    return DramatiqJobs()


def create_app(settings: Settings | None = None, jobs: Jobs | None = None) -> Starlette:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        target_pool = await asyncpg.create_pool(
            asyncpg_dsn(settings.target_database_url), min_size=0, max_size=3
        )
        sessions = session_factory(engine)
        live = JobFeed(asyncpg_dsn(settings.database_url), job_reader(sessions))
        live.start()
        app.state.lifeboat = AppState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            target_pool=target_pool,
            archives=ObjectStore(create_client(settings), settings.s3_bucket),
            jobs=jobs or _default_jobs(),
            live=live,
        )
        try:
            yield
        finally:
            await live.close()
            await target_pool.close()
            await engine.dispose()
            app.state.lifeboat.archives.close()

    graphql_app = LifeboatGraphQL(schema, allowed_origins=settings.cors_origin_list)
    routes = [
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql_app),
        Route(graphiql_assets.STATIC_PREFIX + "/{name}", graphiql_assets.asset),
        Route("/", dashboard_assets.home),
        Route(dashboard_assets.STATIC_PREFIX + "/{name:path}", dashboard_assets.asset),
        *ops_routes(),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "accept"],
            max_age=600,
        )
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
