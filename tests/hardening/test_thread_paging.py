"""Issue 15, point 4: threads are paged. A long thread costs the API, the thread page and the admin
one page, not the whole conversation: the messages list walks every message exactly once by its
`Link` headers, the detail embeds only the newest ECHO_DETAIL_MESSAGES and says more exist, and the
pages show one page of the thread, newest by default. Internal notes never reach a party."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import support_group_ensure
from disputes.models import Dispute, Message, Visibility
from tests.factories import make_dispute, new_staff, new_user

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def fill(dispute: Dispute, staff: User, count: int, *, first: int = 0) -> None:
    """`count` messages: buyer and seller in turn, every fourth an internal note by staff, and
    every fifth at the same instant as the one before (the id decides their order)."""
    rows = []
    for n in range(first, first + count):
        internal = n % 4 == 3
        author = staff if internal else (dispute.buyer if n % 2 else dispute.seller)
        moment = START + timedelta(seconds=n - (1 if n % 5 == 4 else 0))
        rows.append(
            Message(
                dispute=dispute,
                author=author,
                body=f"message {n}",
                visibility=Visibility.INTERNAL if internal else Visibility.PUBLIC,
                created_at=moment,
            )
        )
    Message.objects.bulk_create(rows)


def expected(dispute: Dispute, *, internal: bool) -> list[int]:
    qs = Message.objects.filter(dispute=dispute).order_by("created_at", "id")
    if not internal:
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return list(qs.values_list("pk", flat=True))


@pytest.fixture
def world() -> dict[str, Any]:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    fill(dispute, staff, 23)
    return {"dispute": dispute, "staff": staff, "stranger": new_user()}


def links(response: Any) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response["Link"] or "")}


def walk(client: APIClient, url: str, rel: str = "next") -> list[list[int]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        pages.append([m["id"] for m in response.json()])
        url = links(response).get(rel, "") if response.has_header("Link") else ""
    return pages


# --- GET /api/disputes/{id}/messages --------------------------------------------------------


@pytest.mark.parametrize("role", ["buyer", "seller", "staff"])
@pytest.mark.parametrize("size", [1, 5, 7, 23, 100])
def test_next_links_walk_every_message_exactly_once_oldest_first(
    world: dict[str, Any], client_for: Callable[..., APIClient], role: str, size: int
) -> None:
    dispute = world["dispute"]
    user = world["staff"] if role == "staff" else getattr(dispute, role)
    pages = walk(client_for(user), f"/api/disputes/{dispute.pk}/messages?pageSize={size}")
    flat = [pk for page in pages for pk in page]
    assert flat == expected(dispute, internal=role == "staff")
    assert all(len(page) == size for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= size


@pytest.mark.parametrize("role", ["buyer", "staff"])
def test_order_newest_starts_with_the_latest_and_walks_back_to_the_first(
    world: dict[str, Any], client_for: Callable[..., APIClient], role: str
) -> None:
    dispute = world["dispute"]
    user = world["staff"] if role == "staff" else dispute.buyer
    client = client_for(user)
    pages = walk(client, f"/api/disputes/{dispute.pk}/messages?order=newest&pageSize=4")
    flat = [pk for page in pages for pk in page]
    assert flat == expected(dispute, internal=role == "staff")[::-1]
    # The newest page is the first one asked for.
    first = client.get(f"/api/disputes/{dispute.pk}/messages?order=newest&pageSize=4")
    assert [m["id"] for m in first.json()] == flat[:4]


def test_prev_links_walk_back_over_the_same_messages(
    world: dict[str, Any], client_for: Callable[..., APIClient]
) -> None:
    dispute = world["dispute"]
    client = client_for(dispute.buyer)
    forward = walk(client, f"/api/disputes/{dispute.pk}/messages?pageSize=4")
    last = f"/api/disputes/{dispute.pk}/messages?pageSize=4&page={len(forward)}"
    backward = walk(client, last, rel="prev")
    assert backward == forward[::-1]


def test_party_never_sees_an_internal_note_on_any_page(
    world: dict[str, Any], client_for: Callable[..., APIClient]
) -> None:
    dispute = world["dispute"]
    for order in ("oldest", "newest"):
        for page in walk(
            client_for(dispute.seller),
            f"/api/disputes/{dispute.pk}/messages?pageSize=3&order={order}",
        ):
            visibilities = set(
                Message.objects.filter(pk__in=page).values_list("visibility", flat=True)
            )
            assert visibilities == {Visibility.PUBLIC}


@pytest.mark.parametrize(
    ("role", "query", "status", "code"),
    [
        ("anonymous", "", 401, "not_authenticated"),
        ("stranger", "", 403, "not_allowed"),
        # Who asks is decided first: a stranger's bad parameter does not confirm the dispute.
        ("stranger", "?order=sideways", 403, "not_allowed"),
        ("stranger", "?pageSize=1000", 403, "not_allowed"),
        ("buyer", "?order=sideways", 400, "validation_error"),
        ("buyer", "?pageSize=101", 400, "validation_error"),
        ("buyer", "?page=0", 400, "validation_error"),
    ],
)
def test_the_list_refuses_strangers_and_bad_parameters(
    world: dict[str, Any],
    client_for: Callable[..., APIClient],
    role: str,
    query: str,
    status: int,
    code: str,
) -> None:
    dispute = world["dispute"]
    user = {"anonymous": None, "stranger": world["stranger"], "buyer": dispute.buyer}[role]
    response = client_for(user).get(f"/api/disputes/{dispute.pk}/messages{query}")
    assert response.status_code == status
    assert response.json()["code"] == code
    assert set(response.json()) == {"error", "code", "details"}


def test_a_missing_dispute_is_404(
    world: dict[str, Any], client_for: Callable[..., APIClient]
) -> None:
    response = client_for(world["dispute"].buyer).get("/api/disputes/999999/messages")
    assert response.status_code == 404
    assert response.json()["code"] == "dispute_not_found"


def test_the_page_size_is_bounded_and_defaults_to_50(
    client_for: Callable[..., APIClient],
) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    fill(dispute, staff, 160)
    client = client_for(dispute.buyer)
    response = client.get(f"/api/disputes/{dispute.pk}/messages")
    assert len(response.json()) == 50
    assert response["X-Page-Size"] == "50"
    response = client.get(f"/api/disputes/{dispute.pk}/messages?pageSize=100")
    assert len(response.json()) == 100


def _queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:300]
    return len(queries)


@pytest.mark.parametrize("role", ["buyer", "staff"])
def test_list_query_count_is_constant_in_the_number_of_messages(
    client_for: Callable[..., APIClient], role: str
) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    client = client_for(staff if role == "staff" else dispute.buyer)
    paths = [
        f"/api/disputes/{dispute.pk}/messages",
        f"/api/disputes/{dispute.pk}/messages?order=newest&pageSize=10",
        f"/api/disputes/{dispute.pk}/messages?page=2&pageSize=10",
        f"/api/disputes/{dispute.pk}",
    ]
    fill(dispute, staff, 30)
    few = [_queries(client, path) for path in paths]
    fill(dispute, staff, 300, first=30)
    many = [_queries(client, path) for path in paths]
    assert few == many
    # The user (token), the dispute and its policy check, one page of messages; the detail is
    # the user, one statement and its open offer.
    assert many == [3, 3, 3, 3]


# --- the detail's newest N ------------------------------------------------------------------


@pytest.mark.parametrize("count", [4, 5, 6])
@override_settings(ECHO_DETAIL_MESSAGES=5)
def test_detail_embeds_the_newest_n_oldest_first_and_says_when_more_exist(
    client_for: Callable[..., APIClient], count: int
) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    # Public messages only (below), so a party's thread is exactly `count` long.
    Message.objects.bulk_create(
        Message(
            dispute=dispute,
            author=dispute.buyer if n % 2 else dispute.seller,
            body=f"message {n}",
            created_at=START + timedelta(seconds=n),
        )
        for n in range(count)
    )
    data = client_for(dispute.buyer).get(f"/api/disputes/{dispute.pk}").json()
    newest = expected(dispute, internal=False)[-5:]
    assert [m["id"] for m in data["messages"]] == newest
    assert data["messageCount"] == count
    assert data["moreMessages"] is (count > 5)
    assert data["messagesUrl"] == f"/api/disputes/{dispute.pk}/messages"
    # The URL it names pages the whole thread.
    walked = walk(client_for(dispute.buyer), data["messagesUrl"] + "?pageSize=2")
    assert [pk for page in walked for pk in page] == expected(dispute, internal=False)


@override_settings(ECHO_DETAIL_MESSAGES=5)
def test_detail_counts_only_what_the_caller_may_read(
    world: dict[str, Any], client_for: Callable[..., APIClient]
) -> None:
    dispute = world["dispute"]
    party = client_for(dispute.buyer).get(f"/api/disputes/{dispute.pk}").json()
    desk = client_for(world["staff"]).get(f"/api/disputes/{dispute.pk}").json()
    public = expected(dispute, internal=False)
    everything = expected(dispute, internal=True)
    assert (party["messageCount"], desk["messageCount"]) == (len(public), len(everything))
    assert [m["id"] for m in party["messages"]] == public[-5:]
    assert [m["id"] for m in desk["messages"]] == everything[-5:]
    assert {m["visibility"] for m in party["messages"]} == {"public"}
    assert party["moreMessages"] is True and desk["moreMessages"] is True


def test_a_new_dispute_says_it_has_no_messages(
    client_for: Callable[..., APIClient], order: Any, buyer: User
) -> None:
    response = client_for(buyer).post(
        "/api/disputes", {"orderId": order.pk, "reason": "The parcel never arrived."}
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["messages"], data["messageCount"], data["moreMessages"]) == ([], 0, False)
    assert data["messagesUrl"] == f"/api/disputes/{data['id']}/messages"


# --- the thread page ------------------------------------------------------------------------


def _page_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li id="message-(\d+)"', html)]


def _older(html: str) -> str | None:
    found = re.search(r'rel="prev" href="\?page=(\d+)#messages-heading">Older messages', html)
    return found.group(1) if found else None


@override_settings(ECHO_THREAD_PAGE_SIZE=4)
def test_thread_page_opens_on_the_newest_page_and_walks_back_over_every_message(
    world: dict[str, Any],
) -> None:
    dispute = world["dispute"]
    client = Client()
    client.force_login(dispute.buyer)
    public = expected(dispute, internal=False)
    response = client.get(f"/disputes/{dispute.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    # The newest page: the last messages, oldest first within it, and no link to newer ones.
    remainder = len(public) % 4 or 4
    assert _page_ids(html) == public[-remainder:]
    assert "Newer messages" not in html
    assert f"Messages ({len(public)})" in html
    seen = list(_page_ids(html))
    while (number := _older(html)) is not None:
        html = client.get(f"/disputes/{dispute.pk}/?page={number}").content.decode()
        assert 'rel="next"' in html and "Newer messages" in html
        seen = _page_ids(html) + seen
    assert seen == public
    internal = Message.objects.filter(dispute=dispute, visibility=Visibility.INTERNAL)
    assert internal.exists()
    for note in internal:
        assert note.body not in html


@pytest.mark.parametrize("page", ["1", "999", "abc", "-1"])
@override_settings(ECHO_THREAD_PAGE_SIZE=4)
def test_thread_page_number_out_of_range_shows_a_page_not_an_error(
    world: dict[str, Any], page: str
) -> None:
    dispute = world["dispute"]
    client = Client()
    client.force_login(dispute.seller)
    response = client.get(f"/disputes/{dispute.pk}/?page={page}")
    assert response.status_code == 200
    public = expected(dispute, internal=False)
    shown = _page_ids(response.content.decode())
    # Django's get_page: not a number is the first page, past the end is the last.
    assert shown == (public[:4] if page in ("1", "abc") else public[-(len(public) % 4 or 4) :])


def test_thread_page_query_count_is_constant_in_the_number_of_messages() -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    client = Client()
    client.force_login(dispute.buyer)
    path = f"/disputes/{dispute.pk}/"
    fill(dispute, staff, 10)
    few = [_queries(client, path), _queries(client, path + "?page=1")]
    fill(dispute, staff, 300, first=10)
    many = [_queries(client, path), _queries(client, path + "?page=1")]
    assert few == many


# --- the admin's dispute page ---------------------------------------------------------------


def _desk() -> tuple[Client, User]:
    agent = new_staff()
    agent.groups.add(support_group_ensure())
    client = Client()
    client.force_login(agent)
    return client, agent


@override_settings(ECHO_THREAD_PAGE_SIZE=4)
def test_admin_thread_is_paged_newest_first_page_with_internal_notes() -> None:
    client, agent = _desk()
    dispute = make_dispute(staff=agent)
    fill(dispute, agent, 23)
    everything = expected(dispute, internal=True)
    page_url = f"/admin/disputes/dispute/{dispute.pk}/change/"
    seen: list[int] = []
    number: str | None = ""
    while number is not None:
        html = client.get(page_url + (f"?page={number}" if number else "")).content.decode()
        seen = [int(pk) for pk in re.findall(r'id="message-(\d+)"', html)] + seen
        found = re.search(r'rel="prev" href="\?page=(\d+)#thread"', html)
        number = found.group(1) if found else None
    assert seen == everything
    assert f"({len(everything)} messages, oldest first" in client.get(page_url).content.decode()


def test_admin_thread_query_count_is_constant_in_the_number_of_messages() -> None:
    client, agent = _desk()
    dispute = make_dispute(staff=agent)
    path = f"/admin/disputes/dispute/{dispute.pk}/change/"
    fill(dispute, agent, 10)
    few = [_queries(client, path), _queries(client, path + "?page=1")]
    fill(dispute, agent, 300, first=10)
    many = [_queries(client, path), _queries(client, path + "?page=1")]
    assert few == many
