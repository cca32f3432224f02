"""Who a user is to the desk: support staff, and which API scopes a token may carry.

Support staff are defined here once. The API, the pages, the admin and the services all ask
`is_support_staff` (or filter users with `support_staff_q`): being in the Django admin's
"Support" group gives access to the admin's screens, never more rights than this definition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

READ_FINANCE = "read_finance"
ALL_SCOPES = frozenset({READ_FINANCE})


def is_signed_in(user: Any) -> bool:
    """An authenticated, active account: a deactivated user can do nothing anywhere."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def is_support_staff(user: Any) -> bool:
    """Support staff (ECHO's ADMIN role): an active account with `is_staff`."""
    return is_signed_in(user) and bool(getattr(user, "is_staff", False))


def support_staff_q(prefix: str = "") -> Q:
    """`is_support_staff` as a filter on users (or on a relation to them, with `prefix`)."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}is_staff": True})


# Apps above accounts say which scopes a user holds (orders: a store owner reads its store's
# finance data). accounts cannot import them, so they register here from their AppConfig.ready.
ScopeRule = Callable[[Any], set[str]]
_scope_rules: list[ScopeRule] = []


def scope_rule_register(rule: ScopeRule) -> None:
    if rule not in _scope_rules:
        _scope_rules.append(rule)


def scopes_held(user: Any) -> set[str]:
    """`read_finance` belongs to staff (all stores) and to whom a registered rule grants it."""
    held: set[str] = set()
    if is_support_staff(user):
        held.add(READ_FINANCE)
    for rule in _scope_rules:
        held |= rule(user)
    return held & ALL_SCOPES
