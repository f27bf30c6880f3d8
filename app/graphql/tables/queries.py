"""Queries on the target's tables."""

import strawberry

from app.graphql.context import Context
from app.graphql.tables.types import TargetTable
from app.tables.sizes import target_tables


@strawberry.type
class TableQueries:
    @strawberry.field(
        description="The target's tables (Lifeboat's own schema excluded; partitions are "
        "listed under their root), by name."
    )
    async def tables(self, info: strawberry.Info[Context, None]) -> list[TargetTable]:
        async with info.context.state.target_pool.acquire() as target:
            found = await target_tables(target)
        return [TargetTable.from_info(table) for table in found]
