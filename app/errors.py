"""One error root; each domain error has a stable `code` that GraphQL exposes as extensions.code."""


class AppError(Exception):
    """Base of every error a client may see."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(AppError):
    """No token, or one that is unknown or revoked."""

    code = "UNAUTHENTICATED"


class Forbidden(AppError):
    """The token belongs to someone who is not an active admin."""

    code = "FORBIDDEN"


class WrongConfirmationCode(AppError):
    """The confirmation code typed back does not match the backup."""

    code = "UNAUTHORIZED"


class BadUserInput(AppError):
    """The request itself is invalid; nothing was changed."""

    code = "BAD_USER_INPUT"


class NotFound(AppError):
    """The thing named does not exist."""

    code = "NOT_FOUND"


class PreconditionFailed(AppError):
    """The thing exists but is not in a state that allows the operation."""

    code = "PRECONDITION_FAILED"


class Conflict(AppError):
    """Another operation holds what this one needs."""

    code = "CONFLICT"


class ServiceUnavailable(Exception):
    """A service Lifeboat depends on does not answer (not shown to GraphQL clients as is)."""
