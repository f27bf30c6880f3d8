"""The Dramatiq broker, chosen by LIFEBOAT_BROKER_URL: redis:// → Redis, amqp:// → RabbitMQ.

Importing this module declares the broker (Dramatiq needs one before actors are defined) but
opens no connection: both brokers connect on first use.
"""

import dramatiq
from dramatiq.broker import Consumer
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO

from app.settings import Settings, get_settings
from workers.memory import FlatMemoryMiddleware
from workers.pg_client import PgDumpCheckMiddleware
from workers.resources import MaintenanceMiddleware, WorkerResourcesMiddleware

# How long an idle worker may sleep between two looks at an empty Redis queue.
IDLE_POLL_MS = 100


class PromptRedisBroker(RedisBroker):
    """Dramatiq's Redis consumer looks at an empty queue less and less often, up to the
    worker timeout (a second by default), so a backup or restore sent to an idle worker sat
    in Redis for up to a second (0.4-0.8 s measured in `make bench`). Capped at 0.1 s: ten
    cheap polls a second per idle queue, and work starts within a tenth of a second.
    RabbitMQ pushes messages to its consumers and needs no such cap."""

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000) -> Consumer:
        return super().consume(queue_name, prefetch, min(timeout, IDLE_POLL_MS))


def create_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    broker: dramatiq.Broker
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A dead worker's messages come back after heartbeat_timeout; keep it short enough
        # that a killed export is retried within a minute.
        broker = PromptRedisBroker(url=url, heartbeat_timeout=30_000, dead_message_ttl=86_400_000)
    elif url.startswith(("amqp://", "amqps://")):
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    else:
        raise ValueError(f"LIFEBOAT_BROKER_URL must start with redis:// or amqp://, got {url!r}")
    broker.add_middleware(PgDumpCheckMiddleware())
    broker.add_middleware(AsyncIO())
    broker.add_middleware(WorkerResourcesMiddleware())
    broker.add_middleware(MaintenanceMiddleware())
    broker.add_middleware(FlatMemoryMiddleware())
    return broker


broker = create_broker(get_settings())
dramatiq.set_broker(broker)
