"""The broker chosen from LIFEBOAT_BROKER_URL, and how promptly an idle worker sees work."""

import time

import dramatiq
import pytest

from app.settings import Settings
from workers.broker import HEARTBEAT_TIMEOUT_MS, PromptRedisBroker, create_broker


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


def test_a_dead_redis_workers_taken_message_goes_to_a_live_worker_within_seconds(
    settings: Settings,
) -> None:
    """A job a worker had taken but not started when it died (no lease covers it) is run by a
    live worker once the dead one's heartbeat is HEARTBEAT_TIMEOUT_MS old, plus a maintenance
    pass (~2 s): well inside the 30 s in which a dead worker's job must be settled."""
    on_redis = settings.model_copy(update={"broker_url": "redis://127.0.0.1:6379/0"})
    dead, live = create_broker(on_redis), create_broker(on_redis)
    queue = f"{settings.queue_prefix}redelivery_probe"
    for broker in (dead, live):
        broker.declare_queue(queue)
    sent = dramatiq.Message(queue_name=queue, actor_name="probe", args=(), kwargs={}, options={})
    dead.enqueue(sent)
    taken = dead.consume(queue, prefetch=1, timeout=100)
    consumer = live.consume(queue, prefetch=1, timeout=100)
    try:
        deadline = time.monotonic() + 10
        while next(taken) is None:  # "dies" holding it: never acks, never polls again
            assert time.monotonic() < deadline
        died_at = time.monotonic()
        received = None
        while received is None and time.monotonic() - died_at < 30:
            received = next(consumer)
        waited = time.monotonic() - died_at
        assert received is not None and received.message_id == sent.message_id
        consumer.ack(received)
        # Not before the heartbeat rule (a live worker's message is never taken from it).
        assert HEARTBEAT_TIMEOUT_MS / 1000 - 0.5 <= waited < HEARTBEAT_TIMEOUT_MS / 1000 + 8
        print(f"a dead worker's taken message reached a live worker after {waited:.1f} s")
    finally:
        consumer.close()
        live.flush(queue)
        dead.close()
        live.close()
