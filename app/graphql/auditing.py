"""One audit row per root mutation field and per read of a confirmation code.

`Audited` wraps those root fields. Before the resolver runs it opens a pending entry (action =
the field's name, arguments as sent); `Context.transaction()` writes it as "ok" inside the
mutation's own transaction. If the resolver fails, the failure is written here with its error
code, in a transaction of its own (the mutation's rolled back). A field that opens no
transaction (a dry run, a read) gets its "ok" row here before its result is returned: if that
row cannot be written, the caller gets an error instead of the result.
"""

import logging
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.extensions.field_extension import AsyncExtensionResolver

from app.audit import OK, outcome_of
from app.graphql.operation import Operation

if TYPE_CHECKING:
    from app.graphql.context import Context

logger = logging.getLogger("lifeboat.audit")

# Query fields (Python names) audited like mutations: reading a confirmation code is the step
# before a restore.
AUDITED_QUERIES = {"restore_confirmation_code"}


@dataclass
class PendingAudit:
    action: str
    arguments: dict[str, Any] = field(default_factory=dict)
    recorded: bool = False


# Per operation, not per Context: a websocket's operations share one Context and run at once.
_operation: ContextVar[Operation | None] = ContextVar("lifeboat_operation", default=None)
_pending: ContextVar[PendingAudit | None] = ContextVar("lifeboat_pending_audit", default=None)


def set_operation(operation: Operation | None) -> None:
    """The operation about to run, as Permissions read it (its arguments feed the audit rows)."""
    _operation.set(operation)


def pending_audit() -> PendingAudit | None:
    return _pending.get()


def _arguments(key: str) -> dict[str, Any]:
    operation = _operation.get()
    for root_field in operation.fields if operation else ():
        if root_field.key == key:
            return dict(root_field.arguments)
    return {}


class Audited(FieldExtension):
    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: strawberry.Info, **kwargs: Any
    ) -> Any:
        context: Context = info.context
        entry = PendingAudit(action=info.field_name, arguments=_arguments(str(info.path.key)))
        token = _pending.set(entry)
        try:
            result = await next_(source, info, **kwargs)
        except Exception as error:
            if not entry.recorded:
                await _record_failure(context, entry, error)
            raise
        finally:
            _pending.reset(token)
        if not entry.recorded:
            await context.record_alone(entry.action, entry.arguments, OK)
        return result


async def _record_failure(context: "Context", entry: PendingAudit, error: Exception) -> None:
    try:
        await context.record_alone(entry.action, entry.arguments, outcome_of(error))
    except Exception:
        # The action failed already; the caller still gets its error, not this one.
        logger.exception("could not record the failure of %s in the audit trail", entry.action)


def audit_root_fields(mutation: type, query: type) -> None:
    """Put `Audited` on every Mutation field and on AUDITED_QUERIES, before the schema is built."""
    mutations = mutation.__strawberry_definition__.fields  # type: ignore[attr-defined]
    queries = query.__strawberry_definition__.fields  # type: ignore[attr-defined]
    audited = [*mutations, *(f for f in queries if f.python_name in AUDITED_QUERIES)]
    for root_field in audited:
        if not any(isinstance(e, Audited) for e in root_field.extensions):
            root_field.extensions.append(Audited())
