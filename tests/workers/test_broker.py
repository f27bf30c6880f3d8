"""The broker chosen from LIFEBOAT_BROKER_URL, and how promptly an idle worker sees work."""

import time

import pytest

from app.settings import Settings
from workers.broker import PromptRedisBroker, create_broker


def test_an_idle_redis_worker_looks_for_work_every_tenth_of_a_second(settings: Settings) -> None:
    broker = create_broker(settings.model_copy(update={"broker_url": "redis://127.0.0.1:6379/0"}))
    assert isinstance(broker, PromptRedisBroker)
    queue = f"{settings.queue_prefix}prompt_probe"
    broker.declare_queue(queue)
    # Dramatiq's worker asks for a 1 s idle timeout by default; the broker caps it.
    consumer = broker.consume(queue, prefetch=1, timeout=1000)
    try:
        for _ in range(12):  # long enough for the backoff to reach its ceiling
            assert next(consumer) is None
        waits = []
        for _ in range(3):  # empty looks at the ceiling: 50-100 ms capped, 0.5-1 s if not
            started = time.monotonic()
            assert next(consumer) is None
            waits.append(time.monotonic() - started)
        assert min(waits) < 0.4, waits
    finally:
        consumer.close()
        broker.flush(queue)
        broker.close()


def test_an_unknown_broker_url_is_refused(settings: Settings) -> None:
    with pytest.raises(ValueError, match="redis:// or amqp://"):
        create_broker(settings.model_copy(update={"broker_url": "kafka://127.0.0.1:9092"}))
