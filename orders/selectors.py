"""Every reusable read of items and orders, already scoped to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from orders.extensions import orders_annotate
from orders.models import Item, Order


def items_list() -> QuerySet[Item]:
    return Item.objects.select_related("store__owner").order_by("-created_at", "-id")


def orders_of_party(user: Any) -> QuerySet[Order]:
    """The orders a user bought or sold, whoever the user is (staff included)."""
    qs = Order.objects.select_related("buyer", "seller", "item").filter(
        Q(buyer_id=user.pk) | Q(seller_id=user.pk)
    )
    return orders_annotate(qs).order_by("-created_at", "-id")


def order_get(*, order_id: int) -> Order | None:
    return (
        orders_annotate(Order.objects.select_related("buyer", "seller", "item"))
        .filter(pk=order_id)
        .first()
    )


def order_get_for_party(user: Any, *, order_id: int) -> Order | None:
    """The order page: only its buyer or seller sees it (staff use the admin)."""
    return orders_of_party(user).filter(pk=order_id).first()
