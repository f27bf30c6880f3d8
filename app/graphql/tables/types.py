"""GraphQL type of the target's tables, for pickers."""

import strawberry

from app.graphql.scalars import BigInt
from app.tables.sizes import TargetTable as TargetTableInfo


@strawberry.type(description="A table of the target database that a backup can name.")
class TargetTable:
    name: str = strawberry.field(
        description="schema.table, each part quoted only when needed (as in tablesIncluded)."
    )
    estimated_rows: BigInt | None = strawberry.field(
        description="PostgreSQL's estimate (reltuples); null until the table was vacuumed or "
        "analyzed."
    )
    size_bytes: BigInt = strawberry.field(
        description="Its size on disk, TOAST included, indexes not; a partitioned table "
        "counts its partitions."
    )

    @classmethod
    def from_info(cls, info: TargetTableInfo) -> "TargetTable":
        rows = info.estimated_rows
        return cls(
            name=info.name,
            estimated_rows=BigInt(rows) if rows is not None else None,
            size_bytes=BigInt(info.size_bytes),
        )
