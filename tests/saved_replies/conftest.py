from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.services import support_group_ensure
from disputes.models import Dispute
from tests.factories import make_dispute, make_order, new_staff, new_user

RESPOND_BY = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)


@pytest.fixture
def support(db: Any) -> User:
    """Support staff as the data migration sets them up: staff, in the Support group."""
    user = new_staff(username="agent", email="agent@example.com")
    user.groups.add(support_group_ensure())
    return user


@pytest.fixture
def client_as() -> Callable[[User | None], Client]:
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def desk(client_as: Callable[[User | None], Client], support: User) -> Client:
    return client_as(support)


@pytest.fixture
def dispute(db: Any) -> Dispute:
    """A dispute with known names, amounts and deadline, so filled-in text is exact."""
    order = make_order(
        buyer=new_user(username="ana"),
        seller=new_user(username="bruno"),
        base_price=Decimal("1250.00"),
    )
    order.item.title = "Ceramic teapot"
    order.item.save(update_fields=["title"])
    opened = make_dispute(order=order, amount=Decimal("1045.50"), reason="The lid is cracked.")
    Dispute.objects.filter(pk=opened.pk).update(respond_by=RESPOND_BY)
    return Dispute.objects.select_related("buyer", "seller", "order__item").get(pk=opened.pk)
