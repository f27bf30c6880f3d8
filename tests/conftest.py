"""Test fixtures: real PostgreSQL, Redis and SeaweedFS, with names unique to this test run.

Environment variables are set before any app module reads settings, so the broker, the
worker resources and the app all see this run's databases, buckets and queues.
"""

import base64
import os
import uuid
from datetime import timedelta

_RUN = f"t{os.getpid()}"
os.environ.setdefault("LIFEBOAT_S3_ENDPOINT", "127.0.0.1:9000")
os.environ["LIFEBOAT_DATABASE_URL"] = f"postgresql://root@127.0.0.1:5432/lbtest_{_RUN}_own"
os.environ["LIFEBOAT_TARGET_DATABASE_URL"] = f"postgresql://root@127.0.0.1:5432/lbtest_{_RUN}_app"
os.environ["LIFEBOAT_S3_BUCKET"] = f"lbtest-{_RUN}-backups"
os.environ["LIFEBOAT_UPLOADS_BUCKET"] = f"lbtest-{_RUN}-uploads"
os.environ["LIFEBOAT_QUEUE_PREFIX"] = f"lbtest_{_RUN}_"
os.environ.setdefault("LIFEBOAT_BROKER_URL", "redis://127.0.0.1:6379/0")
os.environ["LIFEBOAT_HEARTBEAT_SECONDS"] = "1"
# Tests leave `creating` rows no message was ever sent for: only the tests about lost messages
# (which set it back) want workers to send them.
os.environ["LIFEBOAT_REDISPATCH_AFTER_SECONDS"] = "86400"
# Every test runs with encryption at rest on, as production must; tests of plain archives or
# of other keys build their own Settings.
os.environ["LIFEBOAT_ENCRYPTION_KEY"] = base64.b64encode(os.urandom(32)).decode()
os.environ.pop("LIFEBOAT_ENCRYPTION_OLD_KEYS", None)
os.environ.pop("LIFEBOAT_ENCRYPTION", None)

import asyncio  # noqa: E402
from collections.abc import AsyncIterator, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import pytest  # noqa: E402

from app.db.migrate import migrate  # noqa: E402
from app.pgtools import ClientProgramMissing, check_pg_dump  # noqa: E402
from app.settings import Settings, get_settings  # noqa: E402
from app.storage.client import ObjectStore, create_client  # noqa: E402
from tests.support.services import ensure_seaweed, require  # noqa: E402

# Shared fixtures: the API on a real socket (live_server); real Dramatiq workers (worker,
# worker_processes); a PipelineContext to run pipelines directly (pipeline_context); no
# schedules, a webhook receiver and a worker with the notifications queue (automation).
pytest_plugins = [
    "tests.support.server",
    "tests.support.worker",
    "tests.support.pipeline",
    "tests.support.automation",
    "tests.support.brokers",
]

ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres"


def drop_bucket(store: ObjectStore) -> None:
    """Remove a test run's bucket and everything in it."""
    # Emptying is not enough: SeaweedFS keeps a volume per bucket until the bucket goes, and
    # a shared server runs out of volumes (HTTP 500 on every write) after ~70 test runs.
    store.delete_prefix("")
    for upload in store.client._list_multipart_uploads(store.bucket).uploads:
        store.client._abort_multipart_upload(store.bucket, upload.object_name, upload.upload_id)
    store.client.remove_bucket(store.bucket)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Refuse the run in one line when pg_dump cannot archive the test server's schemas."""
    try:
        asyncio.run(check_pg_dump(ADMIN_URL, get_settings().pg_bin_dir))
    except ClientProgramMissing as missing:
        pytest.exit(str(missing), returncode=pytest.ExitCode.USAGE_ERROR)
    except OSError:
        pass  # PostgreSQL is down: the services fixture says how to start it


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session", autouse=True)
def services(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    pg_start = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
    require("127.0.0.1", 5432, "PostgreSQL", pg_start)
    require("127.0.0.1", 6379, "Redis", "redis-server --daemonize yes --port 6379")
    seaweed = ensure_seaweed(
        settings.s3_endpoint,
        settings.s3_access_key,
        settings.s3_secret_key.get_secret_value(),
        tmp_path_factory.mktemp("seaweedfs"),
    )
    yield
    if seaweed is not None:
        seaweed.stop()


async def _recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_database(url: str) -> None:
    """Drop the URL's database if it exists, whoever is connected to it."""
    name = url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def databases(settings: Settings, services: None) -> AsyncIterator[None]:
    """A fresh Lifeboat database (migrated) and a fresh, empty target database."""
    await _recreate_database(settings.database_url)
    await _recreate_database(settings.target_database_url)
    await asyncio.to_thread(migrate, settings.database_url)
    yield
    await drop_database(settings.database_url)
    await drop_database(settings.target_database_url)


@pytest.fixture(scope="session")
def archives(settings: Settings, services: None) -> Iterator[ObjectStore]:
    store = ObjectStore(create_client(settings), settings.s3_bucket)
    store.ensure_bucket()
    yield store
    drop_bucket(store)


@pytest.fixture(scope="session")
def uploads(settings: Settings, services: None) -> Iterator[ObjectStore]:
    store = ObjectStore(create_client(settings), settings.uploads_bucket)
    store.ensure_bucket()
    yield store
    drop_bucket(store)


@pytest.fixture
async def target(settings: Settings, databases: None) -> AsyncIterator[asyncpg.Connection]:
    """A connection to the target database; the test's tables are dropped afterwards."""
    conn = await asyncpg.connect(settings.target_database_url)
    yield conn
    if conn.is_closed() or not await _answers(conn):
        # The test dropped and re-created the target database, ending this session.
        conn.terminate()
        conn = await asyncpg.connect(settings.target_database_url)
    await conn.execute(EMPTY_DATABASE)
    await conn.close()


async def _answers(conn: asyncpg.Connection) -> bool:
    try:
        await conn.fetchval("SELECT 1")
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
        return False
    return True


# Drops every schema but PostgreSQL's own, and gives back an empty `public`.
EMPTY_DATABASE = """
DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace
            WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
              AND nspname NOT LIKE 'pg\\_%'
  LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP;
  CREATE SCHEMA public;
END $$;
"""


@pytest.fixture(scope="session")
async def app(settings: Settings, databases: None, archives: ObjectStore) -> AsyncIterator[Any]:
    from app.main import create_app

    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://lifeboat.test") as http:
        yield http


async def make_admin(
    email: str | None = None, role: str = "admin", lifetime: timedelta | None = None
) -> tuple[uuid.UUID, str]:
    """A new active account with `role` and a token for it (never expiring unless told)."""
    from app.auth import service as auth_service
    from app.db.engine import create_engine, session_factory, transaction

    engine = create_engine(get_settings().database_url, pool_size=1)
    try:
        async with transaction(session_factory(engine)) as session:
            email = email or f"{role}-{uuid.uuid4()}@test.local"
            admin = await auth_service.ensure_admin(session, email, role)
            _, token = await auth_service.issue_token(session, admin, lifetime=lifetime)
            return admin.id, token
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def admin_token(databases: None) -> str:
    _, token = await make_admin("admin@test.local")
    return token


class GraphQLClient:
    """Posts GraphQL documents the way the frontend and scripts do."""

    def __init__(self, http: httpx.AsyncClient, token: str | None) -> None:
        self.http = http
        self.token = token

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        bearer = token if token is not None else self.token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient, admin_token: str) -> GraphQLClient:
    return GraphQLClient(client, admin_token)


def error_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    code: str = body["errors"][0]["extensions"]["code"]
    return code
