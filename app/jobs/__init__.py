"""What the API asks the workers to do; implemented with Dramatiq in workers/jobs.py."""

from typing import Protocol


class Jobs(Protocol):
    def export_backup(self, backup_id: str) -> None: ...

    def restore_backup(self, restore_id: str) -> None: ...

    def verify_backup(self, verification_id: str) -> None: ...


class JobNotSent(Exception):
    """The broker did not take a job's message (it is down or unreachable)."""


class UnknownJob(Exception):
    """A message names a job that Lifeboat's database (as this worker sees it) does not hold."""

    def __init__(self, kind: str, job_id: str) -> None:
        super().__init__(f"no {kind} {job_id} in this worker's database")
        self.kind = kind
        self.job_id = job_id
