"""The schema, assembled from each domain's queries and mutations."""

import strawberry
from strawberry.extensions import MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from app.graphql.admins.queries import AdminQueries
from app.graphql.audit.queries import AuditQueries
from app.graphql.auditing import audit_root_fields
from app.graphql.backups.mutations import BackupMutations
from app.graphql.backups.queries import BackupQueries
from app.graphql.backups.subscriptions import BackupSubscriptions
from app.graphql.drills.mutations import DrillMutations
from app.graphql.errors import ErrorCodes
from app.graphql.known_documents import KnownDocuments
from app.graphql.notifications.mutations import NotificationMutations
from app.graphql.notifications.queries import NotificationQueries
from app.graphql.permissions import Permissions
from app.graphql.restores.mutations import RestoreMutations
from app.graphql.restores.queries import RestoreQueries
from app.graphql.restores.subscriptions import RestoreSubscriptions
from app.graphql.retention.mutations import RetentionMutations
from app.graphql.scalars import SCALAR_MAP
from app.graphql.schedules.mutations import ScheduleMutations
from app.graphql.schedules.queries import ScheduleQueries
from app.graphql.tables.queries import TableQueries


@strawberry.type
class Query(
    BackupQueries,
    RestoreQueries,
    ScheduleQueries,
    NotificationQueries,
    AdminQueries,
    AuditQueries,
    TableQueries,
):
    pass


@strawberry.type
class Mutation(
    BackupMutations,
    DrillMutations,
    RestoreMutations,
    ScheduleMutations,
    RetentionMutations,
    NotificationMutations,
):
    pass


@strawberry.type
class Subscription(BackupSubscriptions, RestoreSubscriptions):
    pass


audit_root_fields(Mutation, Query)

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    config=StrawberryConfig(scalar_map=SCALAR_MAP),
    extensions=[
        KnownDocuments,
        ErrorCodes,
        Permissions,
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaxTokensLimiter(max_token_count=5000),
    ],
)
