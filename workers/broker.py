"""The Dramatiq broker, chosen by LIFEBOAT_BROKER_URL: redis:// → Redis, amqp:// → RabbitMQ.

Importing this module declares the broker (Dramatiq needs one before actors are defined) but
opens no connection: both brokers connect on first use.
"""

import threading
from typing import Any

import dramatiq
from dramatiq.broker import MessageProxy
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker, _RedisConsumer
from dramatiq.middleware import AsyncIO

from app.settings import Settings, get_settings
from workers.memory import FlatMemoryMiddleware
from workers.pg_client import PgDumpCheckMiddleware
from workers.resources import MaintenanceMiddleware, WorkerResourcesMiddleware

# How long an idle worker may sleep between two looks at an empty Redis queue.
IDLE_POLL_MS = 100
# The same while every worker thread runs a job: nothing fetched could start before one ends
# (and what is queued by then is already prefetched), while each look costs CPU the running
# job needs. At 100 ms the six consumers of a worker (three queues and their delay queues)
# took 7 % of a core, and Redis 2 % more, beside a restore's COPY on a 2-core machine.
BUSY_POLL_MS = 1000
# The messages a dead worker had taken (its prefetched ones included, which no lease covers:
# the jobs were not started) go back to their queue once its heartbeat is this old. A live
# worker's heartbeat is refreshed by every poll of any of its queues, ten times a second
# while one is idle and at least once a second while its threads are busy, so 10 s leaves a
# wide margin; a live worker wrongly taken for dead only causes a harmless second delivery
# (the job's lease refuses it).
HEARTBEAT_TIMEOUT_MS = 10_000
# Out of a million Redis commands: how many also move dead workers' messages back (for the
# queue polled). Dramatiq's 0.1 % meant a wait of ~10-20 s more; 5 % of ten polls a second is
# ~2 s, and a pass costs one small sorted-set read while no worker is dead.
MAINTENANCE_CHANCE = 50_000


class JobsInFlight(dramatiq.Middleware):
    """The messages this worker process is running, so its consumers know when every worker
    thread is taken. Before the worker boots (a broker used only to send) none ever is."""

    def __init__(self) -> None:
        self._running: set[str] = set()
        self._lock = threading.Lock()
        self._threads = 0

    @property
    def all_threads_busy(self) -> bool:
        with self._lock:
            return self._threads > 0 and len(self._running) >= self._threads

    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        self._threads = worker.worker_threads

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        with self._lock:
            self._running.add(message.message_id)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: MessageProxy,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        with self._lock:
            self._running.discard(message.message_id)

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self.after_process_message(broker, message)


class _PacedConsumer(_RedisConsumer):
    """Dramatiq's consumer, whose longest wait between two looks at an empty queue (its
    `timeout`) is IDLE_POLL_MS, or BUSY_POLL_MS while every worker thread runs a job."""

    @property
    def timeout(self) -> int:
        busy = self.broker.jobs.all_threads_busy
        return BUSY_POLL_MS if busy else min(self._longest_wait, IDLE_POLL_MS)

    @timeout.setter
    def timeout(self, milliseconds: int) -> None:  # Dramatiq's worker asks for 1 s
        self._longest_wait = milliseconds


class PromptRedisBroker(RedisBroker):
    """Dramatiq's Redis consumer looks at an empty queue less and less often, up to the
    worker timeout (a second by default), so a backup or restore sent to an idle worker sat
    in Redis for up to a second (0.4-0.8 s measured in `make bench`). Capped at 0.1 s: ten
    cheap polls a second per idle queue, and work starts within a tenth of a second; a
    second while the worker has no free thread. RabbitMQ pushes messages to its consumers
    and needs no such cap."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.jobs = JobsInFlight()
        self.add_middleware(self.jobs)

    @property
    def consumer_class(self) -> type[_RedisConsumer]:
        return _PacedConsumer


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
