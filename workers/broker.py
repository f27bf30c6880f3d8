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
# The messages a dead worker had taken (its prefetched ones included, which no lease covers:
# the jobs were not started) go back to their queue once its heartbeat is this old. A live
# worker's heartbeat is refreshed by every poll of any of its queues, ten times a second
# while one is idle, so 10 s leaves a wide margin; a live worker wrongly taken for dead only
# causes a harmless second delivery (the job's lease refuses it).
HEARTBEAT_TIMEOUT_MS = 10_000
# Out of a million Redis commands: how many also move dead workers' messages back (for the
# queue polled). Dramatiq's 0.1 % meant a wait of ~10-20 s more; 5 % of ten polls a second is
# ~2 s, and a pass costs one small sorted-set read while no worker is dead.
MAINTENANCE_CHANCE = 50_000


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
        broker = PromptRedisBroker(
            url=url,
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_CHANCE,
            dead_message_ttl=86_400_000,
        )
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
