"""Admin accounts, their roles and their API tokens: creation, authentication, revocation."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository, roles
from app.auth.tokens import new_token, token_digest
from app.db.models import AdminUser, ApiToken
from app.errors import BadUserInput, Conflict, Forbidden, NotFound, Unauthenticated

SYSTEM_ACCOUNT_EMAIL = "system@lifeboat.local"


@dataclass(frozen=True)
class Credential:
    """Who a request acts as: the account and the token it presented."""

    admin: AdminUser
    token: ApiToken


@dataclass(frozen=True)
class IssuedToken:
    admin: AdminUser
    token: ApiToken
    # The bare token: shown once, never stored.
    secret: str


def _check_human_role(role: str) -> None:
    if role not in roles.HUMAN_ROLES:
        raise BadUserInput(f"role must be one of {', '.join(roles.HUMAN_ROLES)}, not {role!r}")


async def ensure_admin(session: AsyncSession, email: str, role: str = roles.ADMIN) -> AdminUser:
    """The account with this e-mail, created with `role` if missing."""
    admin = await repository.find_admin_by_email(session, email)
    if admin is None:
        admin = AdminUser(email=email, role=role)
        session.add(admin)
        await session.flush()
    return admin


async def issue_token(
    session: AsyncSession,
    admin: AdminUser,
    name: str | None = None,
    lifetime: timedelta | None = None,
) -> tuple[ApiToken, str]:
    """A new token for the account, expiring after `lifetime` (None: never).

    The bare token is returned once and never stored.
    """
    if admin.role == roles.SYSTEM:
        raise BadUserInput("the system account acts for schedules and can hold no API token")
    token = new_token()
    expires_at = None if lifetime is None else datetime.now(UTC) + lifetime
    row = ApiToken(
        admin_user_id=admin.id, token_hash=token_digest(token), name=name, expires_at=expires_at
    )
    session.add(row)
    await session.flush()
    return row, token


async def create_with_token(
    session: AsyncSession,
    email: str,
    role: str | None,
    lifetime: timedelta | None,
    token_name: str | None = None,
) -> IssuedToken:
    """`lifeboat admin create`: the account (created with `role`, default admin) and a new token.

    An existing account keeps its role: asking for another one is refused (CONFLICT), since
    changing a role is `set-role`'s job and must not happen by accident.
    """
    if role is not None:
        _check_human_role(role)
    admin = await repository.find_admin_by_email(session, email)
    if admin is None:
        admin = await ensure_admin(session, email, role or roles.ADMIN)
    elif role is not None and admin.role != role:
        raise Conflict(
            f"{email} exists with role {admin.role}; change it with "
            f"`lifeboat admin set-role {email} {role}`"
        )
    if not admin.is_active:
        raise Forbidden(f"{email} is deactivated")
    row, secret = await issue_token(session, admin, token_name, lifetime)
    return IssuedToken(admin=admin, token=row, secret=secret)


async def set_role(session: AsyncSession, email: str, role: str) -> tuple[AdminUser, str]:
    """Give the account `role`; returns it and the role it had."""
    _check_human_role(role)
    admin = await _account(session, email)
    if admin.role == roles.SYSTEM:
        raise BadUserInput("the system account's role cannot change")
    previous = admin.role
    admin.role = role
    await session.flush()
    return admin, previous


async def tokens_of(session: AsyncSession, email: str) -> tuple[AdminUser, list[ApiToken]]:
    admin = await _account(session, email)
    return admin, await repository.tokens_of(session, admin.id)


async def _account(session: AsyncSession, email: str) -> AdminUser:
    admin = await repository.find_admin_by_email(session, email)
    if admin is None:
        raise NotFound(f"no account {email}")
    return admin


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated("missing Authorization: Bearer <token> header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()


async def authenticate(session: AsyncSession, authorization: str | None) -> Credential:
    """The active account behind an `Authorization: Bearer …` header, and its token."""
    found = await repository.find_live_token(session, token_digest(_bearer(authorization)))
    if found is None:
        raise Unauthenticated("unknown or revoked API token")
    token, admin = found
    if token.expires_at is not None and token.expires_at <= datetime.now(UTC):
        raise Unauthenticated(f"this API token expired at {token.expires_at.isoformat()}")
    if admin.role not in roles.HUMAN_ROLES:
        raise Forbidden(f"the {admin.role} account cannot use the API")
    if not admin.is_active:
        raise Forbidden("this token's account is deactivated")
    if _use_worth_recording(token.last_used_at):
        await repository.touch_token(session, token.id)
    return Credential(admin=admin, token=token)


def _use_worth_recording(last_used_at: datetime | None) -> bool:
    # The UPDATE checks again (another process may have just written it); this spares the
    # round trip on the many requests of a minute.
    every = timedelta(seconds=repository.LAST_USED_EVERY_SECONDS)
    return last_used_at is None or last_used_at < datetime.now(UTC) - every


async def revoke(session: AsyncSession, token_id: uuid.UUID) -> ApiToken:
    row = await repository.revoke_token(session, token_id)
    if row is None:
        raise NotFound(f"no live API token with id {token_id}")
    return row
