"""Is the message broker reachable? Asked of Redis or RabbitMQ directly, without Dramatiq."""

import asyncio

import pika
import redis


def _ping_redis(url: str, timeout: float) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def _ping_rabbitmq(url: str, timeout: float) -> None:
    parameters = pika.URLParameters(url)
    parameters.socket_timeout = timeout
    parameters.blocked_connection_timeout = timeout
    parameters.connection_attempts = 1
    pika.BlockingConnection(parameters).close()


async def ping_broker(url: str, timeout: float) -> str:  # noqa: ASYNC109
    if url.startswith(("amqp://", "amqps://")):
        await asyncio.to_thread(_ping_rabbitmq, url, timeout)
    else:
        await asyncio.to_thread(_ping_redis, url, timeout)
    return "ok"
