"""Admins and their API tokens: creation, authentication, revocation."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth.tokens import new_token, token_digest
from app.db.models import AdminUser, ApiToken
from app.errors import Forbidden, NotFound, Unauthenticated

SYSTEM_ACCOUNT_EMAIL = "system@lifeboat.local"


async def ensure_admin(session: AsyncSession, email: str, role: str = "admin") -> AdminUser:
    """The admin with this e-mail, created if missing."""
    admin = await repository.find_admin_by_email(session, email)
    if admin is None:
        admin = AdminUser(email=email, role=role)
        session.add(admin)
        await session.flush()
    return admin


async def issue_token(
    session: AsyncSession, admin: AdminUser, name: str | None = None
) -> tuple[ApiToken, str]:
    """A new token for the admin; the bare token is returned once and never stored."""
    token = new_token()
    row = ApiToken(admin_user_id=admin.id, token_hash=token_digest(token), name=name)
    session.add(row)
    await session.flush()
    return row, token


async def authenticate(session: AsyncSession, authorization: str | None) -> AdminUser:
    """The active admin behind an `Authorization: Bearer …` header."""
    if not authorization:
        raise Unauthenticated("missing Authorization: Bearer <token> header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    row = await repository.find_live_token(session, token_digest(token.strip()))
    if row is None:
        raise Unauthenticated("unknown or revoked API token")
    admin = await repository.get_admin(session, row.admin_user_id)
    if admin is None or not admin.is_active or admin.role != "admin":
        raise Forbidden("this token's account is not an active admin")
    await repository.touch_token(session, row.id)
    return admin


async def revoke(session: AsyncSession, token_id: uuid.UUID) -> None:
    if not await repository.revoke_token(session, token_id):
        raise NotFound(f"no live API token with id {token_id}")
