"""The API's Jobs, sent as Dramatiq messages."""

from workers.actors.backups import export_backup
from workers.actors.restores import restore_backup


class DramatiqJobs:
    def export_backup(self, backup_id: str) -> None:
        export_backup.send(backup_id)

    def restore_backup(self, restore_id: str) -> None:
        restore_backup.send(restore_id)
