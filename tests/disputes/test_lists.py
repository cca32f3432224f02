"""Dispute lists (docs/design.md §5, §6): scoping, filters, ordering, invalid values, pagination."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute
from tests.assertions import assert_error
from tests.factories import make_dispute, make_order, new_user

pytestmark = pytest.mark.django_db

LISTS = ("/api/disputes", "/api/disputes/open", "/api/disputes/user/my-disputes")


def _at(month: int) -> datetime:
    return datetime(2026, month, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(buyer: User, seller: User, staff: User) -> dict[str, Any]:
    """Six disputes, one per month of 2026; the names say who is party and what state."""
    other_buyer, other_seller = new_user(), new_user()
    specs = [
        # name, buyer, seller, state, reason code, kind
        ("d1", buyer, seller, "needs_response", "fraudulent", "order"),
        ("d2", buyer, seller, "under_review", "product_not_received", "order"),
        ("d3", buyer, seller, "won", "general", "order"),
        ("d4", other_buyer, seller, "lost", "duplicate", "order"),
        ("d5", other_buyer, other_seller, "closed", "general", "order"),
        ("d6", buyer, other_seller, "needs_response", "fraudulent", "chargeback"),
    ]
    disputes: dict[str, Dispute] = {}
    for month, (name, b, s, state, code, kind) in enumerate(specs, start=1):
        dispute = make_dispute(
            order=make_order(buyer=b, seller=s), state=state, staff=staff, reason_code=code
        )
        # Spread creation and deadlines so ranges and orderings are unambiguous; the respond-by
        # order is the reverse of the creation order. Chargebacks come from the provider's
        # webhook, which this suite does not drive: the kind is set directly.
        Dispute.objects.filter(pk=dispute.pk).update(
            created_at=_at(month),
            updated_at=_at(month) + timedelta(days=month),
            respond_by=timezone.now() + timedelta(days=30 - month),
            kind=kind,
        )
        disputes[name] = dispute
    Dispute.objects.filter(pk=disputes["d6"].pk).update(
        respond_by=timezone.now() - timedelta(hours=1)
    )
    return {"disputes": disputes, "ids": {d.pk: n for n, d in disputes.items()}}


def _names(client: APIClient, url: str, world: dict[str, Any]) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return [world["ids"][d["id"]] for d in response.json()]


NEWEST_FIRST = ["d6", "d5", "d4", "d3", "d2", "d1"]


SCOPES = {
    "staff": {
        "/api/disputes": NEWEST_FIRST,
        "/api/disputes/open": ["d6", "d2", "d1"],
        "/api/disputes/user/my-disputes": [],
    },
    "buyer": {
        "/api/disputes": ["d6", "d3", "d2", "d1"],
        "/api/disputes/open": ["d6", "d2", "d1"],
        "/api/disputes/user/my-disputes": ["d6", "d3", "d2", "d1"],
    },
    "seller": {
        "/api/disputes": ["d4", "d3", "d2", "d1"],
        "/api/disputes/open": ["d2", "d1"],
        "/api/disputes/user/my-disputes": ["d4", "d3", "d2", "d1"],
    },
    "stranger": {path: [] for path in LISTS},
}


@pytest.mark.parametrize("role", list(SCOPES))
def test_lists_are_scoped_by_the_policy(
    role: str,
    world: dict[str, Any],
    actors: dict[str, User | None],
    client_for: Callable[..., APIClient],
) -> None:
    client = client_for(actors[role])
    found = {path: _names(client, path, world) for path in LISTS}
    assert found == SCOPES[role]


def test_staff_who_is_a_party_finds_it_in_my_disputes(
    staff: User, seller: User, client_for: Callable[..., APIClient]
) -> None:
    dispute = make_dispute(order=make_order(buyer=staff, seller=seller))
    make_dispute()
    data = client_for(staff).get("/api/disputes/user/my-disputes").json()
    assert [d["id"] for d in data] == [dispute.pk]


FILTERS = [
    ("state=needs_response", ["d6", "d1"]),
    ("state=needs_response&state=won", ["d6", "d3", "d1"]),
    ("state=lost&state=closed&state=under_review", ["d5", "d4", "d2"]),
    ("status=OPEN", ["d6", "d2", "d1"]),
    ("status=CLOSED", ["d5", "d4", "d3"]),
    ("status=CLOSED&state=won", ["d3"]),
    ("status=OPEN&state=won", []),
    ("reasonCode=fraudulent", ["d6", "d1"]),
    ("reasonCode=general&reasonCode=duplicate", ["d5", "d4", "d3"]),
    ("kind=chargeback", ["d6"]),
    ("kind=order", ["d5", "d4", "d3", "d2", "d1"]),
    ("createdFrom=2026-03-01T12:00:00Z", ["d6", "d5", "d4", "d3"]),
    ("createdTo=2026-03-01T12:00:00Z", ["d2", "d1"]),
    ("createdFrom=2026-02-01T00:00:00%2B00:00&createdTo=2026-04-01T00:00:00Z", ["d3", "d2"]),
    ("createdFrom=2027-01-01T00:00:00Z", []),
    ("overdue=true", ["d6"]),
    ("overdue=false", ["d5", "d4", "d3", "d2", "d1"]),
    ("overdue=true&state=under_review", []),
    ("ordering=createdAt", list(reversed(NEWEST_FIRST))),
    ("ordering=-createdAt", NEWEST_FIRST),
    # respond-by runs opposite to creation, except d6 whose deadline passed an hour ago.
    ("ordering=respondBy", ["d6", "d5", "d4", "d3", "d2", "d1"]),
    ("ordering=-respondBy", ["d1", "d2", "d3", "d4", "d5", "d6"]),
    ("ordering=updatedAt", ["d1", "d2", "d3", "d4", "d5", "d6"]),
    ("ordering=-id", NEWEST_FIRST),
    ("state=needs_response&ordering=createdAt", ["d1", "d6"]),
    ("", NEWEST_FIRST),
]


def test_staff_list_filters(
    world: dict[str, Any], staff: User, client_for: Callable[..., APIClient]
) -> None:
    # One world for the whole table: building it per query would dominate the suite's time.
    client = client_for(staff)
    found = {query: _names(client, f"/api/disputes?{query}", world) for query, _ in FILTERS}
    assert found == dict(FILTERS)


def test_order_filter(world: dict[str, Any], staff: User, client_for: Callable[..., APIClient]):
    d4 = world["disputes"]["d4"]
    assert _names(client_for(staff), f"/api/disputes?orderId={d4.order_id}", world) == ["d4"]


PARTY_FILTERS = [
    ("state=needs_response", ["d6", "d1"]),
    ("status=CLOSED", ["d3"]),
    ("reasonCode=duplicate", []),
    ("overdue=true", ["d6"]),
    ("kind=chargeback", ["d6"]),
]


def test_filters_never_widen_a_partys_scope(
    world: dict[str, Any], buyer: User, client_for: Callable[..., APIClient]
) -> None:
    client = client_for(buyer)
    found = {q: _names(client, f"/api/disputes?{q}", world) for q, _ in PARTY_FILTERS}
    assert found == dict(PARTY_FILTERS)


def test_order_filter_on_someone_elses_order_is_empty_not_403(
    world: dict[str, Any], stranger: User, client_for: Callable[..., APIClient]
) -> None:
    d1 = world["disputes"]["d1"]
    assert client_for(stranger).get(f"/api/disputes?orderId={d1.order_id}").json() == []


INVALID = [
    ("state", "state=bogus"),
    ("state", "state=needs_response&state=bogus"),
    ("status", "status=open"),
    ("status", "status=PENDING"),
    ("orderId", "orderId=abc"),
    ("reasonCode", "reasonCode=bored"),
    ("kind", "kind=refund"),
    ("createdFrom", "createdFrom=yesterday"),
    ("createdTo", "createdTo=2026-13-01T00:00:00Z"),
    ("overdue", "overdue=yes"),
    ("ordering", "ordering=reason"),
    ("ordering", "ordering=password"),
    ("page", "page=0"),
    ("page", "page=abc"),
    ("pageSize", "pageSize=0"),
    ("pageSize", "pageSize=101"),
]


@pytest.mark.parametrize(("field", "query"), INVALID, ids=[q for _, q in INVALID])
def test_invalid_filter_values_are_400_json(
    field: str, query: str, buyer: User, client_for: Callable[..., APIClient]
) -> None:
    client = client_for(buyer)
    for path in LISTS:
        error = assert_error(client.get(f"{path}?{query}"), 400)
        assert field in error["details"], (path, error)


@pytest.mark.parametrize("query", ["orderId=99999999999999999999999", "orderId=-1", "orderId=1.5"])
def test_out_of_range_or_fractional_order_ids_are_400(
    query: str, staff: User, client_for: Callable[..., APIClient]
) -> None:
    # orderId is an IdFilter: an integer in 1..2**62, so a value past bigint, a negative one and a
    # fraction are refused as input (never looked up, never a 500 from the database).
    make_dispute()
    error = assert_error(client_for(staff).get(f"/api/disputes?{query}"), 400, "validation_error")
    assert "orderId" in error["details"], error


@pytest.mark.parametrize("path", LISTS)
def test_unknown_query_parameters_are_ignored(
    path: str, buyer: User, client_for: Callable[..., APIClient]
) -> None:
    make_dispute(order=make_order(buyer=buyer))
    assert len(client_for(buyer).get(f"{path}?utm_source=mail").json()) == 1


# --- pagination -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_pagination_uses_link_headers_and_a_bare_array(
    path: str, buyer: User, client_for: Callable[..., APIClient]
) -> None:
    made = [make_dispute(order=make_order(buyer=buyer)) for _ in range(5)]
    newest_first = [d.pk for d in reversed(made)]
    client = client_for(buyer)

    first = client.get(f"{path}?pageSize=2")
    assert [d["id"] for d in first.json()] == newest_first[:2]
    assert (first["X-Page"], first["X-Page-Size"]) == ("1", "2")
    assert 'rel="next"' in first["Link"] and 'rel="prev"' not in first["Link"]
    next_url = first["Link"].split(";")[0].strip("<>")
    assert "page=2" in next_url and "pageSize=2" in next_url

    second = client.get(next_url)
    assert [d["id"] for d in second.json()] == newest_first[2:4]
    assert 'rel="next"' in second["Link"] and 'rel="prev"' in second["Link"]

    last = client.get(f"{path}?pageSize=2&page=3")
    assert [d["id"] for d in last.json()] == newest_first[4:]
    assert 'rel="next"' not in last["Link"] and 'rel="prev"' in last["Link"]

    beyond = client.get(f"{path}?pageSize=2&page=9")
    assert beyond.status_code == 200 and beyond.json() == []


def test_one_page_has_no_link_header(buyer: User, client_for: Callable[..., APIClient]) -> None:
    make_dispute(order=make_order(buyer=buyer))
    response = client_for(buyer).get("/api/disputes")
    assert "Link" not in response
    assert response["X-Page-Size"] == "50"


def test_pagination_keeps_filters_in_links(
    buyer: User, client_for: Callable[..., APIClient]
) -> None:
    for _ in range(3):
        make_dispute(order=make_order(buyer=buyer))
    response = client_for(buyer).get("/api/disputes?state=needs_response&pageSize=1")
    assert "state=needs_response" in response["Link"]


def test_message_thread_is_paginated_oldest_first(
    buyer: User, client_for: Callable[..., APIClient]
) -> None:
    from disputes import services

    dispute = make_dispute(order=make_order(buyer=buyer))
    for i in range(3):
        services.message_post(actor=buyer, dispute_id=dispute.pk, body=f"m{i}")
    client = client_for(buyer)
    first = client.get(f"/api/disputes/{dispute.pk}/messages?pageSize=2")
    assert [m["message"] for m in first.json()] == ["m0", "m1"]
    assert 'rel="next"' in first["Link"]
    second = client.get(f"/api/disputes/{dispute.pk}/messages?pageSize=2&page=2")
    assert [m["message"] for m in second.json()] == ["m2"]


@pytest.mark.parametrize(
    ("ordering", "id_order"),
    [("respondBy", 1), ("-respondBy", -1), ("createdAt", 1), ("-updatedAt", -1)],
)
def test_ties_on_the_sort_key_are_broken_by_id_so_pages_are_stable(
    ordering: str, id_order: int, staff: User, client_for: Callable[..., APIClient]
) -> None:
    made = [make_dispute(staff=staff) for _ in range(4)]
    same = timezone.now()
    Dispute.objects.update(respond_by=same, created_at=same, updated_at=same)
    client = client_for(staff)
    paged = [
        d["id"]
        for page in (1, 2, 3, 4)
        for d in client.get(f"/api/disputes?ordering={ordering}&pageSize=1&page={page}").json()
    ]
    assert paged == sorted((d.pk for d in made), reverse=id_order < 0)
