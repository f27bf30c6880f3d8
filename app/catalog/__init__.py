"""Lifeboat's catalog of archives (system_backups), rebuilt from the bucket when it was lost."""
