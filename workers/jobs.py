"""The API's Jobs, sent as Dramatiq messages."""

from collections.abc import Callable

import dramatiq
import pika.exceptions
import redis.exceptions

from app.jobs import JobNotSent
from workers.actors.backups import export_backup
from workers.actors.drills import verify_backup
from workers.actors.restores import restore_backup

# What a send raises when the broker does not take the message: Redis's client errors as they
# are (Dramatiq does not wrap them), RabbitMQ's connection errors wrapped by Dramatiq once its
# own retries are spent, pika's for a refused publish (confirm_delivery), sockets' below both.
BROKER_ERRORS = (
    dramatiq.errors.DramatiqError,
    redis.exceptions.RedisError,
    pika.exceptions.AMQPError,
    OSError,
)


class DramatiqJobs:
    def export_backup(self, backup_id: str) -> None:
        _send(export_backup.send, backup_id)

    def restore_backup(self, restore_id: str) -> None:
        _send(restore_backup.send, restore_id)

    def verify_backup(self, verification_id: str) -> None:
        _send(verify_backup.send, verification_id)


def _send(send: Callable[[str], object], job_id: str) -> None:
    try:
        send(job_id)
    except BROKER_ERRORS as error:
        raise JobNotSent(f"{type(error).__name__}: {error}") from error
