"""The pages' query counts do not grow with the rows they show."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import DisputeStatus
from tests.factories import UserFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db

PageFor = Callable[[User | None], Client]


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_dispute_list_query_count_is_flat(page_for: PageFor, buyer: User) -> None:
    client = page_for(buyer)
    make_dispute(order=make_order(buyer=buyer))
    one = queries(client, "/disputes/")
    for i in range(19):
        order = make_order(buyer=buyer) if i % 2 else make_order(seller=buyer)
        make_dispute(order=order, state=DisputeStatus.UNDER_REVIEW if i % 3 else "needs_response")
    twenty = queries(client, "/disputes/")
    assert twenty == one
    assert queries(client, "/disputes/?state=under_review") == one


def test_thread_query_count_is_flat(page_for: PageFor, buyer: User, seller: User) -> None:
    staff = cast(User, UserFactory(is_staff=True))
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    client = page_for(buyer)
    services.message_post(actor=seller, dispute_id=dispute.pk, body="message 0")
    one = queries(client, f"/disputes/{dispute.pk}/")
    for i in range(1, 30):
        author = (buyer, seller, staff)[i % 3]
        services.message_post(actor=author, dispute_id=dispute.pk, body=f"message {i}")
        services.message_post(
            actor=staff, dispute_id=dispute.pk, body=f"note {i}", visibility="internal"
        )
    thirty = queries(client, f"/disputes/{dispute.pk}/")
    assert thirty == one


def test_order_pages_query_counts_are_flat(page_for: PageFor, buyer: User) -> None:
    client = page_for(buyer)
    order = make_order(buyer=buyer)
    make_dispute(order=order, state=DisputeStatus.CLOSED)
    list_one = queries(client, "/orders/")
    detail_one = queries(client, f"/orders/{order.pk}/")
    open_one = queries(client, f"/disputes/orders/{order.pk}/open/")
    for _ in range(19):
        make_order(buyer=buyer)
        make_dispute(order=order, state=DisputeStatus.CLOSED)
    assert queries(client, "/orders/") == list_one
    assert queries(client, f"/orders/{order.pk}/") == detail_one
    assert queries(client, f"/disputes/orders/{order.pk}/open/") == open_one
