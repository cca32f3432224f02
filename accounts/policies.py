"""Who holds which API scope. Scopes are derived from what a user is, never from a request."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.models import User

READ_FINANCE = "read_finance"
ALL_SCOPES = frozenset({READ_FINANCE})


def is_staff(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and getattr(user, "is_staff", False))


def scopes_held(user: User) -> set[str]:
    """`read_finance` belongs to staff (all stores) and to store owners (their own store)."""
    from orders.models import Store

    held: set[str] = set()
    if user.is_staff or Store.objects.filter(owner_id=user.pk).exists():
        held.add(READ_FINANCE)
    return held
