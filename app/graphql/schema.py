"""The schema, assembled from each domain's queries and mutations."""

import strawberry
from strawberry.extensions import MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from app.graphql.backups.mutations import BackupMutations
from app.graphql.backups.queries import BackupQueries
from app.graphql.errors import ErrorCodes
from app.graphql.permissions import RequireAdmin
from app.graphql.restores.mutations import RestoreMutations
from app.graphql.restores.queries import RestoreQueries
from app.graphql.scalars import SCALAR_MAP


@strawberry.type
class Query(BackupQueries, RestoreQueries):
    pass


@strawberry.type
class Mutation(BackupMutations, RestoreMutations):
    pass


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    config=StrawberryConfig(scalar_map=SCALAR_MAP),
    extensions=[
        ErrorCodes,
        RequireAdmin,
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaxTokensLimiter(max_token_count=5000),
    ],
)
