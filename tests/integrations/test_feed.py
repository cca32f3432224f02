"""The events feed (docs/webhooks.md): `GET /api/events` and `GET /api/disputes/{id}/events`,
oldest first, paged by `after`, each caller seeing exactly the events of the disputes it may see."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Visibility
from integrations.models import OutboundEvent
from tests.assertions import assert_error
from tests.factories import make_dispute, make_order, new_staff, new_user

pytestmark = pytest.mark.django_db

Clients = Callable[..., APIClient]
FEED = "/api/events"


def feed_of(dispute: Dispute) -> str:
    return f"/api/disputes/{dispute.pk}/events"


def exact(response: Any) -> Any:
    return json.loads(response.content, parse_float=Decimal)


def walk(client: APIClient, url: str) -> list[dict[str, Any]]:
    """Every page, following `next` until it is null."""
    seen: list[dict[str, Any]] = []
    for _ in range(1000):
        response = client.get(url)
        assert response.status_code == 200, response.content
        page = exact(response)
        assert set(page) == {"events", "next"}
        seen += page["events"]
        if page["next"] is None:
            return seen
        url = page["next"]
    raise AssertionError("the feed never ended")


def ids(events: list[dict[str, Any]]) -> list[int]:
    return [int(event["id"]) for event in events]


def stored_ids(**filters: Any) -> list[int]:
    return list(OutboundEvent.objects.filter(**filters).order_by("id").values_list("id", flat=True))


@pytest.fixture
def world(buyer: User, seller: User, stranger: User) -> dict[str, Dispute]:
    """The buyer's two disputes with the seller (one with a thread), and one between others."""
    mine = make_dispute(order=make_order(buyer=buyer, seller=seller))
    services.message_post(actor=seller, dispute_id=mine.pk, body="Here is my side.")
    services.message_post(actor=buyer, dispute_id=mine.pk, body="Still nothing arrived.")
    second = make_dispute(order=make_order(buyer=buyer, seller=seller))
    others = make_dispute(order=make_order(buyer=stranger))
    services.message_post(actor=stranger, dispute_id=others.pk, body="Where is my lamp?")
    return {"mine": mine, "second": second, "others": others}


# --- who sees what --------------------------------------------------------------------------


def test_a_party_sees_the_events_of_its_disputes_oldest_first(
    world: dict[str, Dispute], buyer: User, seller: User, client_for: Clients
) -> None:
    mine = [world["mine"].pk, world["second"].pk]
    expected = stored_ids(dispute_id__in=mine)
    assert len(expected) == 5
    for party in (buyer, seller):
        seen = walk(client_for(party), FEED)
        assert ids(seen) == expected
    assert world["others"].pk not in {
        e["data"]["dispute"]["id"] for e in walk(client_for(buyer), FEED)
    }


def test_a_party_never_sees_anothers_events(
    world: dict[str, Dispute], stranger: User, client_for: Clients
) -> None:
    assert ids(walk(client_for(stranger), FEED)) == stored_ids(dispute_id=world["others"].pk)
    assert ids(walk(client_for(new_user()), FEED)) == []


def test_staff_see_every_event(world: dict[str, Dispute], staff: User, client_for: Clients) -> None:
    assert ids(walk(client_for(staff), FEED)) == stored_ids()


def test_the_feed_lists_the_stored_bodies_with_money_as_the_party_api_writes_it(
    world: dict[str, Dispute], buyer: User, client_for: Clients
) -> None:
    response = client_for(buyer).get(FEED)
    page = exact(response)
    by_id = {event.pk: event.body for event in OutboundEvent.objects.all()}
    assert page["events"] == [by_id[int(event["id"])] for event in page["events"]]
    assert b'"amount":100.00' in response.content
    assert page["events"][0]["type"] == "dispute.opened"
    detail = exact(client_for(buyer).get(f"/api/disputes/{world['mine'].pk}"))
    assert detail["amount"] == page["events"][0]["data"]["dispute"]["amount"] == Decimal("100.00")


def test_no_internal_note_reaches_the_feed_even_for_staff(
    world: dict[str, Dispute], staff: User, client_for: Clients
) -> None:
    before = stored_ids()
    services.message_post(
        actor=staff, dispute_id=world["mine"].pk, body="Internal.", visibility=Visibility.INTERNAL
    )
    assert ids(walk(client_for(staff), FEED)) == before


# --- paging ---------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 100])
def test_paging_by_after_walks_every_visible_event_exactly_once(
    world: dict[str, Dispute], buyer: User, client_for: Clients, limit: int
) -> None:
    seen = walk(client_for(buyer), f"{FEED}?limit={limit}")
    assert ids(seen) == stored_ids(dispute_id__in=[world["mine"].pk, world["second"].pk])


def test_next_is_the_absolute_url_after_the_last_event_keeping_the_limit(
    world: dict[str, Dispute], buyer: User, client_for: Clients
) -> None:
    page = client_for(buyer).get(f"{FEED}?limit=2").json()
    assert len(page["events"]) == 2
    url = urlsplit(page["next"])
    assert (url.scheme, url.netloc, url.path) == ("http", "testserver", FEED)
    assert parse_qs(url.query) == {"limit": ["2"], "after": [page["events"][-1]["id"]]}


def test_after_the_newest_event_the_page_is_empty_with_no_next(
    world: dict[str, Dispute], buyer: User, client_for: Clients
) -> None:
    newest = stored_ids(dispute_id__in=[world["mine"].pk, world["second"].pk])[-1]
    assert client_for(buyer).get(f"{FEED}?after={newest}").json() == {"events": [], "next": None}
    # A page that is exactly full and the last: no next either (one row more is read to know).
    assert client_for(buyer).get(f"{FEED}?limit=5").json()["next"] is None


def test_a_poller_catches_up_from_the_last_id_it_read(
    world: dict[str, Dispute], buyer: User, seller: User, client_for: Clients
) -> None:
    client = client_for(buyer)
    last = walk(client, FEED)[-1]["id"]
    services.message_post(actor=seller, dispute_id=world["second"].pk, body="Sent it again.")
    fresh = client.get(f"{FEED}?after={last}").json()["events"]
    assert [(e["type"], e["data"]["dispute"]["id"]) for e in fresh] == [
        ("message.created", world["second"].pk),
        ("dispute.updated", world["second"].pk),
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("after=-1", "after"),
        ("after=abc", "after"),
        (f"after={2**63}", "after"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
    ],
)
def test_bad_paging_values_are_400(
    world: dict[str, Dispute], buyer: User, client_for: Clients, query: str, field: str
) -> None:
    for url in (FEED, feed_of(world["mine"])):
        body = assert_error(client_for(buyer).get(f"{url}?{query}"), 400)
        assert list(body["details"]) == [field]


def test_empty_paging_values_are_the_defaults(
    world: dict[str, Dispute], buyer: User, client_for: Clients
) -> None:
    # Like the lists' page parameters: an empty value is no value.
    assert (
        client_for(buyer).get(f"{FEED}?after=&limit=").json() == client_for(buyer).get(FEED).json()
    )


def test_the_feed_needs_a_token(world: dict[str, Dispute], client_for: Clients) -> None:
    assert_error(client_for(None).get(FEED), 401)
    assert_error(client_for(None).get(feed_of(world["mine"])), 401)


# --- one dispute ----------------------------------------------------------------------------


def test_one_disputes_events(
    world: dict[str, Dispute], buyer: User, staff: User, client_for: Clients
) -> None:
    mine = world["mine"]
    expected = stored_ids(dispute_id=mine.pk)
    assert len(expected) == 4
    for user in (buyer, staff):
        assert ids(walk(client_for(user), f"{feed_of(mine)}?limit=3")) == expected
    assert ids(walk(client_for(buyer), f"{feed_of(mine)}/")) == expected
    page = client_for(buyer).get(f"{feed_of(mine)}?after={expected[1]}").json()
    assert ids(page["events"]) == expected[2:]


def test_another_disputes_events_are_403_and_a_missing_one_404(
    world: dict[str, Dispute], buyer: User, client_for: Clients
) -> None:
    assert_error(client_for(buyer).get(feed_of(world["others"])), 403, "not_allowed")
    # Asked before the parameters: a stranger's bad value confirms nothing.
    assert_error(client_for(buyer).get(f"{feed_of(world['others'])}?limit=0"), 403)
    assert_error(client_for(buyer).get("/api/disputes/999999999/events"), 404, "dispute_not_found")


# --- cost -----------------------------------------------------------------------------------


def _queries(client: APIClient, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.json()["events"]), len(ctx.captured_queries)


def test_the_feeds_cost_no_more_queries_for_more_events(buyer: User, client_for: Clients) -> None:
    staff = new_staff()
    dispute = make_dispute(order=make_order(buyer=buyer))
    client, staff_client = client_for(buyer), client_for(staff)
    one = [_queries(c, url) for c in (client, staff_client) for url in (FEED, feed_of(dispute))]
    for n in range(30):
        services.message_post(actor=buyer, dispute_id=dispute.pk, body=f"Message {n}.")
    many = [_queries(c, url) for c in (client, staff_client) for url in (FEED, feed_of(dispute))]
    assert [rows for rows, _ in one] == [1, 1, 1, 1]
    assert [rows for rows, _ in many] == [31, 31, 31, 31]
    assert [count for _, count in one] == [count for _, count in many]


# --- order of visibility --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_an_event_never_becomes_visible_behind_one_already_listed() -> None:
    """A poller that listed id N must never later find an event below N: a second writer waits
    for the first one's commit before writing its own event (docs/decisions.md)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are PostgreSQL's; SQLite has one writer at a time")
    first, second = make_dispute(), make_dispute()
    emitted, release = threading.Event(), threading.Event()

    def slow() -> None:
        try:
            with transaction.atomic():
                services.message_post(actor=first.seller, dispute_id=first.pk, body="Slow one.")
                emitted.set()
                release.wait(10)
        finally:
            connection.close()

    def fast() -> None:
        try:
            services.message_post(actor=second.buyer, dispute_id=second.pk, body="Fast one.")
        finally:
            connection.close()

    slow_thread, fast_thread = threading.Thread(target=slow), threading.Thread(target=fast)
    slow_thread.start()
    assert emitted.wait(10)
    fast_thread.start()
    fast_thread.join(0.5)
    # Another dispute, no lock in common with the first writer, and still it waits.
    assert fast_thread.is_alive()
    assert not OutboundEvent.objects.filter(type="message.created").exists()
    release.set()
    slow_thread.join(10)
    fast_thread.join(10)
    slow_ids = stored_ids(dispute_id=first.pk, type__in=["message.created", "dispute.updated"])
    fast_ids = stored_ids(dispute_id=second.pk, type="message.created")
    assert len(slow_ids) == 2 and len(fast_ids) == 1
    assert max(slow_ids) < min(fast_ids)
