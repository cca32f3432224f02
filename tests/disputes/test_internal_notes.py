"""Internal notes (docs/design.md §3, §6): staff-only, invisible to parties everywhere."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Message
from orders.models import Order
from tests.assertions import assert_error
from tests.factories import make_dispute, make_order

pytestmark = pytest.mark.django_db

NOTE = "Internal: the seller has three other open chargebacks."


@pytest.fixture
def noted(order: Order, staff: User) -> Dispute:
    dispute = make_dispute(order=order, staff=staff)
    services.message_post(actor=order.buyer, dispute_id=dispute.pk, body="Where is my parcel?")
    services.message_post(actor=staff, dispute_id=dispute.pk, body=NOTE, visibility="internal")
    return dispute


def test_staff_posts_an_internal_note_through_the_api(
    staff: User, order: Order, client_for: Callable[..., APIClient]
) -> None:
    dispute = make_dispute(order=order, staff=staff)
    response = client_for(staff).post(
        f"/api/disputes/{dispute.pk}/messages",
        {"message": NOTE, "visibility": "internal"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["visibility"] == "internal"
    assert Message.objects.get().visibility == "internal"


def test_staff_sees_notes_in_detail_and_thread(
    noted: Dispute, staff: User, client_for: Callable[..., APIClient]
) -> None:
    client = client_for(staff)
    detail = client.get(f"/api/disputes/{noted.pk}").json()
    assert [m["visibility"] for m in detail["messages"]] == ["public", "internal"]
    thread = client.get(f"/api/disputes/{noted.pk}/messages").json()
    assert [m["message"] for m in thread][-1] == NOTE
    by_order = client.get(f"/api/disputes/order/{noted.order_id}").json()
    assert len(by_order["messages"]) == 2


@pytest.mark.parametrize("role", ["buyer", "seller"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/disputes/{id}",
        "/api/disputes/{id}/messages",
        "/api/disputes/order/{order}",
        "/api/disputes",
        "/api/disputes/open",
        "/api/disputes/user/my-disputes",
    ],
)
def test_party_never_sees_a_note(
    path: str,
    role: str,
    noted: Dispute,
    actors: dict[str, User | None],
    client_for: Callable[..., APIClient],
) -> None:
    response = client_for(actors[role]).get(path.format(id=noted.pk, order=noted.order_id))
    assert response.status_code == 200
    raw = response.content.decode()
    assert NOTE not in raw and "internal" not in raw
    body = response.json()
    # The thread a party gets holds the one public message, never a gap or a count of two.
    if path.endswith("/messages"):
        assert len(body) == 1
    elif isinstance(body, dict):
        assert len(body["messages"]) == 1
    else:
        assert [d["id"] for d in body] == [noted.pk]


@pytest.mark.parametrize("role", ["buyer", "seller"])
def test_party_posting_an_internal_note_is_403(
    role: str, order: Order, actors: dict[str, User | None], client_for: Callable[..., APIClient]
) -> None:
    dispute = make_dispute(order=order)
    response = client_for(actors[role]).post(
        f"/api/disputes/{dispute.pk}/messages",
        {"message": "Let me hide this.", "visibility": "internal"},
        format="json",
    )
    assert_error(response, 403)
    assert not Message.objects.exists()


def test_note_does_not_change_updated_at_seen_by_parties(
    order: Order, staff: User, client_for: Callable[..., APIClient]
) -> None:
    dispute = make_dispute(order=order, staff=staff)
    as_buyer = client_for(order.buyer)
    before = as_buyer.get(f"/api/disputes/{dispute.pk}").json()
    client_for(staff).post(
        f"/api/disputes/{dispute.pk}/messages",
        {"message": NOTE, "visibility": "internal"},
        format="json",
    )
    after = as_buyer.get(f"/api/disputes/{dispute.pk}").json()
    assert after == before
    listed = as_buyer.get("/api/disputes").json()
    assert listed[0]["updatedAt"] == before["updatedAt"]


def test_note_does_not_count_as_the_response(
    order: Order, staff: User, client_for: Callable[..., APIClient]
) -> None:
    dispute = make_dispute(order=order, staff=staff)
    client_for(staff).post(
        f"/api/disputes/{dispute.pk}/messages",
        {"message": NOTE, "visibility": "internal"},
        format="json",
    )
    dispute.refresh_from_db()
    assert dispute.status == "needs_response"


def test_party_list_ordering_by_updated_at_ignores_notes(
    buyer: User, seller: User, staff: User, client_for: Callable[..., APIClient]
) -> None:
    """Sorting by updatedAt must not reveal which dispute got a note most recently."""
    older = make_dispute(order=make_order(buyer=buyer, seller=seller), staff=staff)
    newer = make_dispute(order=make_order(buyer=buyer, seller=seller), staff=staff)
    services.message_post(actor=staff, dispute_id=older.pk, body=NOTE, visibility="internal")
    ids = [d["id"] for d in client_for(buyer).get("/api/disputes?ordering=-updatedAt").json()]
    assert ids == [newer.pk, older.pk]
