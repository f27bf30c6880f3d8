"""Roles of admin accounts: viewer < operator < admin; `system` is the scheduler's own account."""

VIEWER = "viewer"
OPERATOR = "operator"
ADMIN = "admin"
SYSTEM = "system"

# Least to most: each role may do everything the ones before it may.
HUMAN_ROLES = (VIEWER, OPERATOR, ADMIN)


def allows(role: str, needed: str) -> bool:
    """True when an account of `role` may do what needs `needed` (system may do nothing here)."""
    if role not in HUMAN_ROLES:
        return False
    return HUMAN_ROLES.index(role) >= HUMAN_ROLES.index(needed)
