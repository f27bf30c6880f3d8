"""All actors; `dramatiq workers.actors` loads every one of them."""

from workers import redispatch
from workers.actors import backups, drills, notifications, restores

__all__ = ["backups", "drills", "notifications", "redispatch", "restores"]
