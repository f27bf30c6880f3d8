"""What the API asks the workers to do; implemented with Dramatiq in workers/jobs.py."""

from typing import Protocol


class Jobs(Protocol):
    def export_backup(self, backup_id: str) -> None: ...

    def restore_backup(self, restore_id: str) -> None: ...
