"""Every write to stores, items and orders."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from echo_disputes.errors import Conflict, InvalidInput, NotFound
from orders.extensions import completion_guards_check
from orders.models import Item, Order, OrderStatus, Store
from orders.policies import OrderAction, order_require
from orders.states import order_move_allowed


def store_get_or_create(*, owner: User) -> Store:
    """A seller's store appears the first time the seller lists an item."""
    store, _unused = Store.objects.get_or_create(
        owner=owner, defaults={"name": f"{owner.username}'s store"}
    )
    return store


@transaction.atomic
def item_create(
    *, creator: User, title: str, base_price: Decimal, description: str = "", currency: str = "EUR"
) -> Item:
    """List an item for sale in the creator's store (made on first listing)."""
    if base_price <= 0:
        raise InvalidInput(
            _("basePrice must be more than zero."),
            details={"basePrice": [_("Must be more than zero.")]},
        )
    store = store_get_or_create(owner=creator)
    return Item.objects.create(
        store=store,
        title=title,
        description=description,
        base_price=base_price,
        currency=currency,
    )


def _new_transaction_id() -> str:
    return f"txn_{secrets.token_hex(12)}"


@transaction.atomic
def order_create(*, buyer: User, item_id: int, final_price: Decimal | None = None) -> Order:
    """A buyer orders an item of someone else's store, at its price unless agreed otherwise."""
    item = Item.objects.select_related("store").filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("Item not found"), details={"itemId": [_("Item not found")]})
    if item.store.owner_id == buyer.pk:
        raise InvalidInput(
            _("You cannot order your own item."),
            code="own_item",
            details={"itemId": [_("You cannot order your own item.")]},
        )
    price = item.base_price if final_price is None else final_price
    if price <= 0:
        raise InvalidInput(
            _("finalPrice must be more than zero."),
            details={"finalPrice": [_("Must be more than zero.")]},
        )
    return Order.objects.create(
        buyer=buyer,
        item=item,
        seller_id=item.store.owner_id,
        final_price=price,
        currency=item.currency,
        transaction_id=_new_transaction_id(),
    )


@transaction.atomic
def order_set_status(*, actor: User, order_id: int, status: str) -> Order:
    """Seller and staff move an order; a buyer may only cancel. The completion guards other apps
    register (orders.extensions: no completion while a dispute is open) may refuse COMPLETED."""
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("Order not found"))
    order_require(actor, OrderAction.SET_STATUS, order, target=status)
    if status not in OrderStatus.values:
        raise InvalidInput(_("Unknown order status."), details={"status": [_("Unknown status.")]})
    if not order_move_allowed(order.status, status):
        raise Conflict(
            _("An order cannot move from %(current)s to %(status)s.")
            % {"current": order.status, "status": status},
            code="order_transition_not_allowed",
        )
    if status == OrderStatus.COMPLETED:
        completion_guards_check(order)
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    return order
