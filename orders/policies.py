"""Who may do what to items and orders (docs/design.md §5, §6)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _

from accounts.policies import READ_FINANCE, is_signed_in, is_support_staff
from echo_disputes.errors import NotAllowed
from orders.models import Order, OrderStatus, Store


class OrderAction(StrEnum):
    VIEW = "view"
    SET_STATUS = "set_status"


def order_can(user: Any, action: OrderAction, order: Order, *, target: str | None = None) -> bool:
    if not is_signed_in(user):
        return False
    if action is OrderAction.VIEW:
        return is_support_staff(user) or order.is_party(user.pk)
    if action is OrderAction.SET_STATUS:
        if is_support_staff(user) or user.pk == order.seller_id:
            return True
        # A buyer may only walk away from an order, never mark it shipped or done.
        return user.pk == order.buyer_id and target == OrderStatus.CANCELLED
    return False


def order_require(
    user: Any, action: OrderAction, order: Order, *, target: str | None = None
) -> None:
    if not order_can(user, action, order, target=target):
        raise NotAllowed(_("You may not do this to this order."))


def store_owner_scopes(user: Any) -> set[str]:
    """A user who owns a store holds `read_finance` (for that store's disputes): registered with
    `accounts.policies.scope_rule_register` from `OrdersConfig.ready`."""
    if getattr(user, "pk", None) is None:
        return set()
    return {READ_FINANCE} if Store.objects.filter(owner_id=user.pk).exists() else set()
