"""The broker chosen from LIFEBOAT_BROKER_URL, and how promptly an idle worker sees work."""

import threading
import time

import dramatiq
import pytest
from dramatiq.broker import Consumer

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
        waits = _waits_at_the_ceiling(consumer)  # 50-100 ms capped, 0.5-1 s if not
        assert min(waits) < 0.4, waits
    finally:
        consumer.close()
        broker.flush(queue)
        broker.close()


def _waits_at_the_ceiling(consumer: Consumer) -> list[float]:
    """Seconds each of three looks at an empty queue took, once the backoff is at its top."""
    for _ in range(12):
        assert next(consumer) is None
    waits = []
    for _ in range(3):
        started = time.monotonic()
        assert next(consumer) is None
        waits.append(time.monotonic() - started)
    return waits


def test_a_worker_with_no_free_thread_looks_for_work_once_a_second(settings: Settings) -> None:
    """While its one thread runs a job, a worker's idle consumers wait 0.5-1 s between looks
    (the CPU goes to the job); once the job ends, 50-100 ms again."""
    broker = PromptRedisBroker(url="redis://127.0.0.1:6379/0")
    queue = f"{settings.queue_prefix}busy_probe"
    idle_queue = f"{settings.queue_prefix}busy_probe_idle"
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(30)

    actor = dramatiq.actor(hold, broker=broker, queue_name=queue, actor_name="busy_probe")
    broker.declare_queue(idle_queue)
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=100)
    worker.start()
    consumer = broker.consume(idle_queue, prefetch=1, timeout=1000)
    try:
        assert not broker.jobs.all_threads_busy
        actor.send()
        assert started.wait(10), "the worker never started the job"
        assert broker.jobs.all_threads_busy
        busy = _waits_at_the_ceiling(consumer)
        assert min(busy) >= 0.45, busy
        release.set()
        deadline = time.monotonic() + 10
        while broker.jobs.all_threads_busy:
            assert time.monotonic() < deadline, "the job never ended"
            time.sleep(0.01)
        idle = _waits_at_the_ceiling(consumer)
        assert max(idle) < 0.4, idle
    finally:
        release.set()
        consumer.close()
        worker.stop()
        for name in (queue, idle_queue):
            broker.flush(name)
        broker.client.connection_pool.disconnect()  # the worker's threads each opened one


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
