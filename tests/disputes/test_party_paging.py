"""A party's lists are read as two index-ordered branches (as buyer, as seller) merged in Python
(disputes.selectors.disputes_slice_for_party). Paging through them must give exactly the order a
single `buyer OR seller` query gives: no dispute skipped, none repeated, every ordering."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db.models import Q
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from disputes import selectors
from disputes.models import Dispute
from tests.factories import make_dispute, make_order, new_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_roles() -> tuple[User, list[Dispute]]:
    """Eight disputes where `me` is buyer in some and seller in others, created in an order that
    interleaves the two roles, with deadlines that do not follow creation."""
    me = new_user()
    disputes = []
    for n in range(8):
        other = new_user()
        order = make_order(buyer=me, seller=other) if n % 3 else make_order(buyer=other, seller=me)
        dispute = make_dispute(order=order)
        created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=n)
        respond_by = created + timedelta(days=(n * 5) % 7 + 1)
        Dispute.objects.filter(pk=dispute.pk).update(created_at=created, respond_by=respond_by)
        disputes.append(dispute)
    make_dispute()  # someone else's: never listed
    return me, disputes


def _expected(me: User, ordering: list[str]) -> list[int]:
    qs = Dispute.objects.filter(Q(buyer_id=me.pk) | Q(seller_id=me.pk)).order_by(*ordering)
    return list(qs.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("param", "ordering"),
    [
        (None, ["-created_at", "-id"]),
        ("createdAt", ["created_at", "id"]),
        ("-respondBy", ["-respond_by", "id"]),
        ("respondBy", ["respond_by", "id"]),
    ],
)
def test_paging_my_disputes_matches_the_single_query_order(
    client_for: Callable[..., APIClient],
    mixed_roles: tuple[User, list[Dispute]],
    param: str | None,
    ordering: list[str],
) -> None:
    me, _ = mixed_roles
    client = client_for(me)
    seen: list[int] = []
    for page in range(1, 6):
        query: dict[str, Any] = {"pageSize": 3, "page": page}
        if param:
            query["ordering"] = param
        response = client.get("/api/disputes/user/my-disputes", query)
        assert response.status_code == 200
        seen += [row["id"] for row in response.json()]
        if 'rel="next"' not in response.get("Link", ""):
            break
    assert seen == _expected(me, ordering)


def test_filters_apply_to_both_branches(
    client_for: Callable[..., APIClient], mixed_roles: tuple[User, list[Dispute]]
) -> None:
    me, disputes = mixed_roles
    newest_as_buyer = max((d for d in disputes if d.buyer_id == me.pk), key=lambda d: d.pk)
    newest_as_seller = max((d for d in disputes if d.seller_id == me.pk), key=lambda d: d.pk)
    Dispute.objects.filter(pk__in=[newest_as_buyer.pk, newest_as_seller.pk]).update(status="won")
    response = client_for(me).get("/api/disputes", {"state": "needs_response", "pageSize": "2"})
    ids = [row["id"] for row in response.json()]
    still_open = Dispute.objects.filter(
        Q(buyer_id=me.pk) | Q(seller_id=me.pk), status="needs_response"
    ).order_by("-created_at", "-id")
    assert ids == list(still_open.values_list("pk", flat=True))[:2]
    assert newest_as_buyer.pk not in ids and newest_as_seller.pk not in ids


def test_slice_beyond_the_end_is_empty(mixed_roles: tuple[User, list[Dispute]]) -> None:
    me, _ = mixed_roles
    qs = selectors.disputes_of_party(me).order_by("-created_at", "-id")
    assert selectors.disputes_slice_for_party(qs, user_id=me.pk, offset=50, limit=10) == []


def test_pages_list_pages_through_both_roles(
    mixed_roles: tuple[User, list[Dispute]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("disputes.views.PAGE_SIZE", 3)
    me, _ = mixed_roles
    browser = Client()
    browser.force_login(me)
    seen: list[int] = []
    for page in (1, 2, 3):
        html = browser.get("/disputes/", {"page": page}).content.decode()
        seen += [int(n) for n in re.findall(r'href="/disputes/(\d+)/"', html)]
    expected = _expected(me, ["-created_at", "-id"])
    assert list(dict.fromkeys(seen)) == expected
