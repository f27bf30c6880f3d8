"""Check the services `make run` needs before it changes anything; each failure is one line."""

import asyncio
import logging
import socket
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pika
import pika.exceptions
import redis

from app import pgtools
from app.devstack.seaweed import port_answers, s3_accepts_keys, split_endpoint
from app.settings import Settings

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Unavailable(Exception):
    """A service is missing or refuses us; the message says which and what to do."""


def check_all(settings: Settings) -> bool:
    """Raise Unavailable for the first problem; return whether an S3 server already answers."""
    check_postgres(settings.database_url, "LIFEBOAT_DATABASE_URL", may_be_missing=True)
    if not settings.target_is_demo:
        check_postgres(settings.target_database_url, "LIFEBOAT_TARGET_DATABASE_URL")
    check_pg_dump(settings)
    check_broker(settings.broker_url)
    check_port_free(settings.host, settings.port)
    return s3_answers(settings)


def check_postgres(url: str, variable: str, may_be_missing: bool = False) -> None:
    parts = urlsplit(url)
    where = f"{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
    try:
        asyncio.run(_connect(url))
    except asyncpg.InvalidCatalogNameError:
        if not may_be_missing:
            name = parts.path.lstrip("/")
            raise Unavailable(f"database {name} does not exist on {where} ({variable})") from None
    except (OSError, TimeoutError):
        raise Unavailable(
            f"PostgreSQL is not answering at {where} ({variable}); start it with: {_pg_start()}"
        ) from None
    except asyncpg.PostgresError as error:
        raise Unavailable(f"PostgreSQL at {where} refuses {variable}'s login: {error}") from None


def check_pg_dump(settings: Settings) -> None:
    """pg_dump of the target server's major version or newer, which every backup runs."""
    # The demo target does not exist yet, but lives on the server of LIFEBOAT_DATABASE_URL.
    url = settings.database_url if settings.target_is_demo else settings.target_database_url
    try:
        asyncio.run(pgtools.check_pg_dump(url, settings.pg_bin_dir))
    except pgtools.ClientProgramMissing as missing:
        raise Unavailable(str(missing)) from None


async def _connect(url: str) -> None:
    conn = await asyncpg.connect(url, timeout=5)
    await conn.close()


def _pg_start() -> str:
    versions = sorted(p.name for p in Path("/etc/postgresql").glob("*") if p.is_dir())
    version = versions[-1] if versions else "<version>"
    return f"pg_ctlcluster --skip-systemctl-redirect {version} main start"


def check_broker(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        where = f"{parts.hostname or '127.0.0.1'}:{parts.port or 6379}"
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
            try:
                client.ping()
            finally:
                client.close()
        except (redis.ConnectionError, redis.TimeoutError):
            raise Unavailable(
                f"Redis is not answering at {where} (LIFEBOAT_BROKER_URL); start it with: "
                f"redis-server --daemonize yes --port {parts.port or 6379}"
            ) from None
        except redis.RedisError as error:  # e.g. a wrong password
            raise Unavailable(f"Redis at {where} refuses LIFEBOAT_BROKER_URL: {error}") from None
    elif parts.scheme in ("amqp", "amqps"):
        where = f"{parts.hostname or '127.0.0.1'}:{parts.port or 5672}"
        parameters = pika.URLParameters(url)
        parameters.connection_attempts = 1
        parameters.socket_timeout = 3
        pika_log = logging.getLogger("pika")
        level = pika_log.level
        pika_log.setLevel(logging.CRITICAL)  # it logs each failed attempt with a traceback
        try:
            pika.BlockingConnection(parameters).close()
        except pika.exceptions.ProbableAuthenticationError:
            raise Unavailable(f"RabbitMQ at {where} refuses LIFEBOAT_BROKER_URL's login") from None
        except pika.exceptions.AMQPError:
            raise Unavailable(
                f"RabbitMQ is not answering at {where} (LIFEBOAT_BROKER_URL); start it with: "
                "rabbitmq-server -detached"
            ) from None
        finally:
            pika_log.setLevel(level)
    else:
        raise Unavailable(f"LIFEBOAT_BROKER_URL must start with redis:// or amqp://, got {url}")


def check_port_free(host: str, port: int) -> None:
    """Refuse a port something listens on. A port held only by connections in TIME_WAIT (left
    by the API that just stopped) is free: uvicorn binds with SO_REUSEADDR, and so do we."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise Unavailable(
                f"port {port} on {host} is taken (another `make run`?); "
                "choose a free one with LIFEBOAT_PORT"
            ) from None


def s3_answers(settings: Settings) -> bool:
    """True if an S3 server answers with our keys; False if nothing answers and we may start one."""
    host, port = split_endpoint(settings.s3_endpoint)
    if port_answers(host, port):
        secret = settings.s3_secret_key.get_secret_value()
        endpoint, access = settings.s3_endpoint, settings.s3_access_key
        if s3_accepts_keys(endpoint, access, secret, secure=settings.s3_secure):
            return True
        raise Unavailable(
            f"something answers at {settings.s3_endpoint} but refuses LIFEBOAT_S3_ACCESS_KEY/"
            "LIFEBOAT_S3_SECRET_KEY; use its keys, or another LIFEBOAT_S3_ENDPOINT"
        )
    if host not in LOCAL_HOSTS:
        raise Unavailable(
            f"nothing answers at {settings.s3_endpoint} (LIFEBOAT_S3_ENDPOINT), and `make run` "
            "only starts SeaweedFS on this machine; start your S3 server or use 127.0.0.1:PORT"
        )
    return False
