"""Queries about the caller's own account."""

import strawberry

from app.graphql.admins.types import CurrentAdmin
from app.graphql.context import Context


@strawberry.type
class AdminQueries:
    @strawberry.field(description="Who this request acts as: e-mail, role, token expiry.")
    def me(self, info: strawberry.Info[Context, None]) -> CurrentAdmin:
        credential = info.context.current_credential
        return CurrentAdmin(
            email=credential.admin.email,
            role=credential.admin.role,
            token_expires_at=credential.token.expires_at,
        )
