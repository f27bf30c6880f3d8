"""The audit trail (lifeboat.audit_events). Other modules need only what is exported here.

from app.audit import SYSTEM, cli_actor, record
async with transaction(sessions) as session:
    ...                                   # the action itself
    await record(session, cli_actor(), "keys.rewrap", {"backups": 12})
"""

from app.audit.actor import SYSTEM, Actor, cli_actor
from app.audit.service import OK, outcome_of, record

__all__ = ["OK", "SYSTEM", "Actor", "cli_actor", "outcome_of", "record"]
