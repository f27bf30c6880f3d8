"""Queries on admin_users and api_tokens."""

import uuid
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AdminUser, ApiToken

# A token's last_used_at is that precise: enough to spot unused tokens, one write a minute.
LAST_USED_EVERY_SECONDS = 60


async def find_admin_by_email(session: AsyncSession, email: str) -> AdminUser | None:
    return await session.scalar(select(AdminUser).where(AdminUser.email == email))


async def find_live_token(session: AsyncSession, digest: str) -> tuple[ApiToken, AdminUser] | None:
    """The unrevoked token with this digest and its account, in one round trip."""
    row = (
        await session.execute(
            select(ApiToken, AdminUser)
            .join(AdminUser, AdminUser.id == ApiToken.admin_user_id)
            .where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def tokens_of(session: AsyncSession, admin_id: uuid.UUID) -> list[ApiToken]:
    return list(
        await session.scalars(
            select(ApiToken)
            .where(ApiToken.admin_user_id == admin_id)
            .order_by(ApiToken.created_at, ApiToken.id)
        )
    )


async def touch_token(session: AsyncSession, token_id: uuid.UUID) -> None:
    """Record that the token was used, at most once a minute: not a write on every request."""
    await session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < func.now() - timedelta(seconds=LAST_USED_EVERY_SECONDS),
            ),
        )
        .values(last_used_at=func.now())
    )


async def revoke_token(session: AsyncSession, token_id: uuid.UUID) -> ApiToken | None:
    return await session.scalar(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
        .returning(ApiToken)
    )
