"""All actors; `dramatiq workers.actors` loads every one of them."""

from workers.actors import backups, restores

__all__ = ["backups", "restores"]
