"""The one answer to "may this user do this to this dispute" (DESIGN §5).

Used by the API permission classes, the pages, the admin and, again, by every service, so no
interface can slip past it. Pure: it runs no query beyond what the objects already hold.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Any

from accounts.policies import READ_FINANCE
from disputes.models import Dispute
from echo_disputes.errors import NotAllowed
from orders.models import Order


class Action(StrEnum):
    OPEN = "open"
    VIEW = "view"
    POST_MESSAGE = "post_message"
    POST_NOTE = "post_note"
    VIEW_NOTES = "view_notes"
    WITHDRAW = "withdraw"
    TAKE_UP = "take_up"
    DECIDE = "decide"


def _authenticated(user: Any) -> bool:
    return (
        user is not None
        and bool(getattr(user, "is_authenticated", False))
        and bool(getattr(user, "is_active", False))
    )


def _staff(user: Any) -> bool:
    return _authenticated(user) and bool(user.is_staff)


def can(user: Any, action: Action, obj: Dispute | Order) -> bool:
    if not _authenticated(user):
        return False
    if action is Action.OPEN:
        # Staff open disputes only on their own orders: staff decide, they do not complain.
        return isinstance(obj, Order) and obj.is_party(user.pk)
    if not isinstance(obj, Dispute):
        return False
    party = obj.is_party(user.pk)
    if action in (Action.VIEW, Action.POST_MESSAGE):
        return party or _staff(user)
    if action in (Action.POST_NOTE, Action.VIEW_NOTES, Action.TAKE_UP, Action.DECIDE):
        return _staff(user)
    if action is Action.WITHDRAW:
        return obj.opened_by_id is not None and obj.opened_by_id == user.pk
    return False


def post_message_sql(dispute: str, user: str) -> str:
    """`can(user, Action.POST_MESSAGE, dispute)` as a SQL condition over a dispute row and a user
    row (table aliases), for the one-statement post (services._message_post_one_statement), which
    falls back to `can` itself whenever the condition refuses.
    tests/disputes/test_post_direct.py checks that both answers agree for every role."""
    return (
        f"({user}.is_active AND ({dispute}.buyer_id = {user}.id OR {dispute}.seller_id = {user}.id"
        f" OR {user}.is_staff))"
    )


MESSAGES: dict[Action, str] = {
    Action.OPEN: "Only the buyer or the seller of this order may open a dispute on it.",
    Action.VIEW: "Only the parties of this order and support staff may see this dispute.",
    Action.POST_MESSAGE: "Only the parties of this order and support staff may post here.",
    Action.POST_NOTE: "Only support staff may post internal notes.",
    Action.VIEW_NOTES: "Only support staff may read internal notes.",
    Action.WITHDRAW: "Only the user who opened this dispute may withdraw it.",
    Action.TAKE_UP: "Only support staff may take up a dispute.",
    Action.DECIDE: "Only support staff may decide or close a dispute.",
}


def require(user: Any, action: Action, obj: Dispute | Order) -> None:
    if not can(user, action, obj):
        raise NotAllowed(MESSAGES[action], code="not_allowed")


def finance_can_read(user: Any, scopes: Collection[str]) -> bool:
    """The finance API needs a token holding `read_finance` (only staff and store owners are
    issued it); which disputes it shows is the finance selector's scope: staff all, a seller
    its own store's."""
    return _authenticated(user) and READ_FINANCE in scopes


def finance_require_read(user: Any, scopes: Collection[str]) -> None:
    if not finance_can_read(user, scopes):
        raise NotAllowed("This token does not hold the read_finance scope.", code="scope_missing")
