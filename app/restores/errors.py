"""Errors of restores that are not client errors (those are app.errors' AppError classes)."""


class RestoreBusy(Exception):
    """Another worker (or the reaper) holds this restore right now."""


class RestoreNotRunning(Exception):
    """The restore is no longer `in_progress` (completed, failed or reaped meanwhile)."""


class RestoreFailed(Exception):
    """The restore failed and its operation was marked failed with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
