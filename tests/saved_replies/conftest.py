from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from disputes.models import Dispute
from tests.admin.conftest import client_as, desk, support
from tests.factories import make_dispute, make_order, new_user

__all__ = ["client_as", "desk", "support"]

RESPOND_BY = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)


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
