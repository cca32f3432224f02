"""The rest of the admin: orders (with their disputes), stores, items, users, the thread and the
event log; the Support group (a label); and what the admin refuses to write."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import DisputeStatus, Visibility
from tests.factories import make_dispute, make_order, new_user

pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[int]:
    assert response.status_code == 200
    return [obj.pk for obj in response.context["cl"].result_list]


def test_support_group_holds_no_permissions_after_migrating() -> None:
    """A label only (migration accounts 0004): the admin asks is_support_staff instead."""
    group = Group.objects.get(name="Support")
    assert not group.permissions.exists()


def test_demo_staff_is_in_the_support_group() -> None:
    from disputes.demo import demo_users

    staff = demo_users()["staff"]
    assert staff.groups.filter(name="Support").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/orders/order/",
        "/admin/orders/store/",
        "/admin/orders/item/",
        "/admin/accounts/user/",
        "/admin/disputes/message/",
        "/admin/disputes/disputeevent/",
    ],
)
def test_support_reaches_every_back_office_list(desk: Client, url: str) -> None:
    make_dispute()
    assert desk.get(url).status_code == 200


def test_no_add_or_delete_for_disputes_and_their_history(desk: Client) -> None:
    dispute = make_dispute()
    for url in (
        "/admin/disputes/dispute/add/",
        "/admin/disputes/message/add/",
        "/admin/disputes/disputeevent/add/",
        f"/admin/disputes/dispute/{dispute.pk}/delete/",
    ):
        assert desk.get(url).status_code == 403, url


def test_order_search_and_filter(desk: Client) -> None:
    buyer = new_user(username="orla", email="orla@example.com")
    target = make_order(buyer=buyer)
    other = make_order()
    assert listed(desk.get("/admin/orders/order/", {"q": target.transaction_id})) == [target.pk]
    assert listed(desk.get("/admin/orders/order/", {"q": str(target.pk)})) == [target.pk]
    assert listed(desk.get("/admin/orders/order/", {"q": "ORLA@example.com"})) == [target.pk]
    assert set(listed(desk.get("/admin/orders/order/", {"status__exact": "PENDING"}))) == {
        target.pk,
        other.pk,
    }
    assert listed(desk.get("/admin/orders/order/", {"status__exact": "COMPLETED"})) == []


def test_order_page_shows_its_disputes(desk: Client) -> None:
    first = make_dispute(state=DisputeStatus.CLOSED)
    second = make_dispute(order=first.order)
    html = desk.get(f"/admin/orders/order/{first.order_id}/change/").content.decode()
    assert f"Dispute #{first.pk}" in html and f"Dispute #{second.pk}" in html
    assert "echo-status-closed" in html and "echo-status-needs_response" in html
    assert 'name="_save"' not in html


def test_users_stores_items_search(desk: Client) -> None:
    seller = new_user(username="potter", email="potter@example.com")
    order = make_order(seller=seller)
    assert listed(desk.get("/admin/accounts/user/", {"q": "pot"})) == [seller.pk]
    assert listed(desk.get("/admin/accounts/user/", {"q": "potter@example.com"})) == [seller.pk]
    store = order.item.store
    assert listed(desk.get("/admin/orders/store/", {"q": "potter"})) == [store.pk]
    assert listed(desk.get("/admin/orders/item/", {"q": order.item.title[:4]})) == [order.item.pk]


def test_message_list_finds_a_disputes_thread_and_marks_notes(desk: Client, support: User) -> None:
    dispute = make_dispute()
    services.message_post(
        actor=support, dispute_id=dispute.pk, body="Note.", visibility=Visibility.INTERNAL
    )
    make_dispute()
    response = desk.get("/admin/disputes/message/", {"q": str(dispute.pk)})
    assert len(listed(response)) == 1
    assert "internal note" in response.content.decode()
    assert listed(desk.get("/admin/disputes/message/", {"q": "not-a-number"})) == []
    events = listed(desk.get("/admin/disputes/disputeevent/", {"q": str(dispute.pk)}))
    assert len(events) == 2


@pytest.mark.parametrize(
    "url",
    [
        "/admin/orders/order/",
        "/admin/orders/store/",
        "/admin/orders/item/",
        "/admin/accounts/user/",
        "/admin/disputes/message/",
        "/admin/disputes/disputeevent/",
    ],
)
def test_big_lists_query_count_does_not_grow_with_rows(
    desk: Client, support: User, url: str
) -> None:
    def grow(n: int) -> None:
        for _ in range(n):
            dispute = make_dispute()
            services.message_post(actor=support, dispute_id=dispute.pk, body="Looking.")

    grow(1)
    with CaptureQueriesContext(connection) as one:
        assert desk.get(url).status_code == 200
    grow(19)
    with CaptureQueriesContext(connection) as twenty:
        assert desk.get(url).status_code == 200
    assert len(one.captured_queries) == len(twenty.captured_queries)


def test_order_page_query_count_does_not_grow_with_disputes(desk: Client) -> None:
    first = make_dispute(state=DisputeStatus.CLOSED)
    url = f"/admin/orders/order/{first.order_id}/change/"
    with CaptureQueriesContext(connection) as one:
        assert desk.get(url).status_code == 200
    for _ in range(5):
        make_dispute(order=first.order, state=DisputeStatus.CLOSED)
    with CaptureQueriesContext(connection) as six:
        assert desk.get(url).status_code == 200
    assert len(one.captured_queries) == len(six.captured_queries)
