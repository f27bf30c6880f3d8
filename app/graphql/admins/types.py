"""GraphQL type of an admin user."""

from datetime import datetime

import strawberry

from app.db.models import AdminUser as AdminUserRow


@strawberry.type
class AdminUser:
    id: strawberry.ID
    email: str
    display_name: str | None
    role: str
    is_active: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: AdminUserRow) -> "AdminUser":
        return cls(
            id=strawberry.ID(str(row.id)),
            email=row.email,
            display_name=row.display_name,
            role=row.role,
            is_active=row.is_active,
            created_at=row.created_at,
        )


@strawberry.type(description="The account and token a request acts as.")
class CurrentAdmin:
    email: str
    role: str
    token_expires_at: datetime | None = strawberry.field(
        description="When the token in use expires; null if it never does."
    )
