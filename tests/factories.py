"""factory-boy factories that keep relations consistent: an order's seller owns its item's store,
a dispute's opener is a party of its order, and disputes reach their states through the services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import factory
from django.utils import timezone

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus
from orders.models import Item, Order, Store

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    is_staff = False

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save(update_fields=["password"])


class StaffFactory(UserFactory):
    is_staff = True


def new_user(**fields: Any) -> User:
    """A saved user; factory-boy's call returns the instance, which mypy cannot see."""
    return cast(User, UserFactory(**fields))


def new_staff(**fields: Any) -> User:
    """A saved staff user (is_staff, no support group)."""
    return cast(User, StaffFactory(**fields))


class StoreFactory(factory.django.DjangoModelFactory[Store]):
    class Meta:
        model = Store

    owner = factory.SubFactory(UserFactory)
    name = factory.LazyAttribute(lambda s: f"{s.owner.username}'s store")


class ItemFactory(factory.django.DjangoModelFactory[Item]):
    class Meta:
        model = Item

    store = factory.SubFactory(StoreFactory)
    title = factory.Sequence(lambda n: f"Item {n}")
    description = "A fine thing."
    base_price = Decimal("100.00")
    currency = "EUR"


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    class Meta:
        model = Order

    buyer = factory.SubFactory(UserFactory)
    item = factory.SubFactory(ItemFactory)
    seller = factory.LazyAttribute(lambda o: o.item.store.owner)
    final_price = factory.LazyAttribute(lambda o: o.item.base_price)
    currency = factory.LazyAttribute(lambda o: o.item.currency)
    transaction_id = factory.Sequence(lambda n: f"txn_test_{n:06d}")


def make_order(*, buyer: User | None = None, seller: User | None = None, **kwargs: Any) -> Order:
    buyer = buyer or UserFactory.create()
    seller = seller or UserFactory.create()
    store = Store.objects.filter(owner=seller).first() or StoreFactory.create(owner=seller)
    item = ItemFactory.create(
        store=store, **{k: v for k, v in kwargs.items() if k in ("base_price",)}
    )
    return OrderFactory.create(buyer=buyer, item=item)


def make_dispute(
    *,
    state: str = DisputeStatus.NEEDS_RESPONSE,
    order: Order | None = None,
    opener: str = "buyer",
    staff: User | None = None,
    reason: str = "The parcel arrived empty and the seller does not answer.",
    **open_kwargs: Any,
) -> Dispute:
    """A dispute driven to `state` through the services, as real use would."""
    order = order or make_order()
    actor = order.buyer if opener == "buyer" else order.seller
    respondent = order.seller if opener == "buyer" else order.buyer
    dispute = services.dispute_open(actor=actor, order_id=order.pk, reason=reason, **open_kwargs)
    staff = staff or StaffFactory.create()
    if state == DisputeStatus.UNDER_REVIEW:
        services.message_post(actor=respondent, dispute_id=dispute.pk, body="Here is my side.")
    elif state == DisputeStatus.WON:
        services.dispute_close(
            actor=staff, dispute_id=dispute.pk, outcome="won", resolution="Decided for the seller."
        )
    elif state == DisputeStatus.LOST:
        services.dispute_close(
            actor=staff, dispute_id=dispute.pk, outcome="lost", resolution="Decided for the buyer."
        )
    elif state == DisputeStatus.CLOSED:
        services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Closed.")
    dispute.refresh_from_db()
    assert dispute.status == state
    return dispute


def make_overdue(dispute: Dispute, hours: int = 1) -> Dispute:
    Dispute.objects.filter(pk=dispute.pk).update(respond_by=timezone.now() - timedelta(hours=hours))
    dispute.refresh_from_db()
    return dispute
