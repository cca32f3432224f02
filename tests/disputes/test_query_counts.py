"""Query counts do not grow with rows: lists with 1 and 20 disputes, a detail with 1 and 30
messages (STYLE: Queries)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute
from tests.factories import make_dispute, make_order, new_staff, new_user

pytestmark = pytest.mark.django_db


def _count(client: APIClient, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


def _add_disputes(buyer: User, staff: User, n: int) -> None:
    for i in range(n):
        # Mixed sellers, states and openers, so any per-row lookup would show.
        state = ("needs_response", "under_review", "won")[i % 3]
        order = make_order(buyer=buyer, seller=new_user())
        make_dispute(order=order, state=state, staff=staff, opener=("buyer", "seller")[i % 2])


LIST_PATHS = [
    "/api/disputes",
    "/api/disputes/open",
    "/api/disputes/user/my-disputes",
    "/api/disputes?state=needs_response&state=under_review&ordering=-respondBy",
    "/api/disputes?overdue=false&status=OPEN&reasonCode=general",
]


@pytest.mark.parametrize("role", ["buyer", "staff"])
def test_list_query_count_is_the_same_for_1_and_20_disputes(
    role: str, client_for: Callable[..., APIClient]
) -> None:
    staff = new_staff()
    # Staff as buyer too, so that "my disputes" is not trivially empty for staff.
    buyer = staff if role == "staff" else new_user()
    client = client_for(buyer)
    _add_disputes(buyer, staff, 1)
    one = {path: _count(client, path) for path in LIST_PATHS}
    _add_disputes(buyer, staff, 19)
    assert Dispute.objects.count() == 20
    twenty = {path: _count(client, path) for path in LIST_PATHS}
    assert len(client.get(LIST_PATHS[0]).json()) == 20
    assert one == twenty


@pytest.mark.parametrize("role", ["buyer", "staff"])
@pytest.mark.parametrize(
    "path", ["/api/disputes/{id}", "/api/disputes/{id}/messages", "/api/disputes/order/{order}"]
)
def test_detail_query_count_is_the_same_for_1_and_30_messages(
    path: str, role: str, client_for: Callable[..., APIClient]
) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    authors = [dispute.buyer, dispute.seller, staff]
    client = client_for(dispute.buyer if role == "buyer" else staff)
    url = path.format(id=dispute.pk, order=dispute.order_id)

    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="first")
    one = _count(client, url)
    for i in range(29):
        author = authors[i % 3]
        visibility = "internal" if author is staff and i % 2 else "public"
        services.message_post(
            actor=author, dispute_id=dispute.pk, body=f"m{i}", visibility=visibility
        )
    thirty = _count(client, url)
    assert one == thirty, (one, thirty)


def test_detail_query_budget(client_for: Callable[..., APIClient]) -> None:
    """Three queries: the user (authentication), then the dispute with its opener, its thread and
    its files with their people's names, as one statement (disputes.sql), then its open offer
    with its proposer's name."""
    dispute = make_dispute()
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="hello")
    assert _count(client_for(dispute.buyer), f"/api/disputes/{dispute.pk}") == 3
    services.offer_propose(actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("5.00"))
    assert _count(client_for(dispute.buyer), f"/api/disputes/{dispute.pk}") == 3


def test_unfiltered_party_list_query_budget(client_for: Callable[..., APIClient]) -> None:
    """Two queries: the user, then the page as one statement; a filtered list takes the ORM's
    three (the page's keys as buyer and as seller, then the rows)."""
    dispute = make_dispute()
    client = client_for(dispute.buyer)
    assert _count(client, "/api/disputes/user/my-disputes") == 2
    assert _count(client, "/api/disputes/user/my-disputes?state=needs_response") == 4
