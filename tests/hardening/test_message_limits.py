"""Issue 15, point 4: floods are bounded. Each user posts at most ECHO_POST_THROTTLE messages per
period, counted alike by the API, the thread page and the admin (429 with Retry-After on the API,
a form error on the page, an error message in the admin); a dispute holds at most
ECHO_MAX_MESSAGES_PER_DISPUTE public messages (409 message_limit_reached, nothing stored)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import support_group_ensure
from disputes import services
from disputes.models import Dispute, DisputeEvent, Message, Visibility
from echo_disputes.errors import Conflict
from tests.factories import make_dispute, new_staff

pytestmark = pytest.mark.django_db


def stored(dispute: Dispute) -> tuple[int, int]:
    return (
        Message.objects.filter(dispute=dispute).count(),
        DisputeEvent.objects.filter(dispute=dispute).count(),
    )


def post(client: APIClient, dispute: Dispute, text: str = "Any news?", **extra: Any) -> Any:
    return client.post(f"/api/disputes/{dispute.pk}/messages", {"message": text, **extra})


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def desk_client() -> tuple[Client, User]:
    agent = new_staff()
    agent.groups.add(support_group_ensure())
    return page_client(agent), agent


def flashed(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


# --- the posting budget ---------------------------------------------------------------------


def test_the_default_budget_is_one_no_typing_person_reaches() -> None:
    assert settings.ECHO_POST_THROTTLE == "20/min"


@override_settings(ECHO_POST_THROTTLE="3/min")
def test_the_api_answers_429_with_retry_after_past_the_budget(
    client_for: Callable[..., APIClient],
) -> None:
    dispute = make_dispute()
    client = client_for(dispute.buyer)
    assert [post(client, dispute, f"message {n}").status_code for n in range(3)] == [201] * 3
    before = stored(dispute)
    response = post(client, dispute, "one too many")
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"error", "code", "details"}
    assert body["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert stored(dispute) == before
    assert not Message.objects.filter(body="one too many").exists()
    # Reading is not posting; another user has a budget of their own.
    assert client.get(f"/api/disputes/{dispute.pk}/messages").status_code == 200
    assert client.get(f"/api/disputes/{dispute.pk}").status_code == 200
    assert post(client_for(dispute.seller), dispute, "my turn").status_code == 201


@override_settings(ECHO_POST_THROTTLE="2/min")
def test_refused_posts_count_too(client_for: Callable[..., APIClient]) -> None:
    # A flood of bad posts costs the flooder the same budget: the throttle runs before anything
    # reads the body.
    dispute = make_dispute()
    client = client_for(dispute.buyer)
    assert post(client, dispute, "").status_code == 400
    assert post(client, dispute, "").status_code == 400
    assert post(client, dispute, "a real one").status_code == 429


@override_settings(ECHO_POST_THROTTLE="2/min")
def test_the_thread_page_shares_the_api_budget_and_shows_a_form_error(
    client_for: Callable[..., APIClient],
) -> None:
    dispute = make_dispute()
    assert post(client_for(dispute.buyer), dispute).status_code == 201
    page = page_client(dispute.buyer)
    assert page.post(f"/disputes/{dispute.pk}/", {"message": "from the page"}).status_code == 302
    before = stored(dispute)
    response = page.post(f"/disputes/{dispute.pk}/", {"message": "flooding on"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert "You are sending messages faster than anyone types." in html
    # What was typed stays in the form.
    assert "flooding on</textarea>" in html
    assert stored(dispute) == before
    # And the page's posts count for the API too.
    assert post(client_for(dispute.buyer), dispute).status_code == 429


@override_settings(ECHO_POST_THROTTLE="1/min")
def test_the_admin_post_form_shares_the_budget_and_shows_a_message() -> None:
    client, agent = desk_client()
    dispute = make_dispute(staff=agent)
    url = f"/admin/disputes/dispute/{dispute.pk}/post/"
    first = client.post(url, {"body": "First note.", "visibility": Visibility.INTERNAL})
    assert first.status_code == 302
    before = stored(dispute)
    response = client.post(url, {"body": "Second note.", "visibility": Visibility.INTERNAL})
    assert response.status_code == 302
    errors = [text for level, text in flashed(response) if level == "error"]
    assert len(errors) == 1 and errors[0].startswith("Refused: too many messages at once; wait ")
    assert stored(dispute) == before


@override_settings(ECHO_POST_THROTTLE="")
def test_an_empty_rate_switches_the_budget_off(client_for: Callable[..., APIClient]) -> None:
    dispute = make_dispute()
    client = client_for(dispute.buyer)
    assert {post(client, dispute, f"m{n}").status_code for n in range(25)} == {201}


# --- the messages a dispute holds -----------------------------------------------------------

LIMIT = 5


def fill_public(dispute: Dispute, count: int) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    Message.objects.bulk_create(
        Message(
            dispute=dispute,
            author=dispute.buyer if n % 2 else dispute.seller,
            body=f"message {n}",
            created_at=start + timedelta(seconds=n),
        )
        for n in range(count)
    )


@pytest.mark.parametrize(("held", "status"), [(LIMIT - 2, 201), (LIMIT - 1, 201), (LIMIT, 409)])
@override_settings(ECHO_MAX_MESSAGES_PER_DISPUTE=LIMIT)
def test_api_post_is_refused_once_the_dispute_is_full(
    client_for: Callable[..., APIClient], held: int, status: int
) -> None:
    dispute = make_dispute()
    fill_public(dispute, held)
    before = stored(dispute)
    response = post(client_for(dispute.buyer), dispute, "one more")
    assert response.status_code == status
    if status == 201:
        assert stored(dispute) == (before[0] + 1, before[1] + 1)
        return
    assert response.json() == {
        "error": f"This dispute already holds {LIMIT} messages, the most one dispute takes; "
        "support staff can still read and decide it.",
        "code": "message_limit_reached",
        "details": {},
    }
    assert stored(dispute) == before


@override_settings(ECHO_MAX_MESSAGES_PER_DISPUTE=LIMIT)
def test_posting_up_to_the_limit_then_one_past_it(client_for: Callable[..., APIClient]) -> None:
    dispute = make_dispute()
    fill_public(dispute, LIMIT - 1)
    buyer, seller = client_for(dispute.buyer), client_for(dispute.seller)
    assert post(seller, dispute, "the last place").status_code == 201
    assert Message.objects.filter(dispute=dispute).count() == LIMIT
    before = stored(dispute)
    activity = Dispute.objects.values_list("updated_at", "last_activity_at").get(pk=dispute.pk)
    assert post(buyer, dispute, "limit + 1").status_code == 409
    assert post(seller, dispute, "limit + 1 again").status_code == 409
    assert stored(dispute) == before
    after = Dispute.objects.values_list("updated_at", "last_activity_at").get(pk=dispute.pk)
    assert after == activity


@override_settings(ECHO_MAX_MESSAGES_PER_DISPUTE=LIMIT)
def test_internal_notes_neither_count_nor_are_refused(
    client_for: Callable[..., APIClient],
) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    desk = client_for(staff)
    # More notes than the limit: the parties can still post up to it.
    for n in range(LIMIT + 2):
        assert post(desk, dispute, f"note {n}", visibility="internal").status_code == 201
    fill_public(dispute, LIMIT - 1)
    assert post(client_for(dispute.buyer), dispute).status_code == 201
    assert post(client_for(dispute.buyer), dispute).status_code == 409
    # On a full thread staff still record why they decide; a public staff message is refused.
    assert post(desk, dispute, "why I decide", visibility="internal").status_code == 201
    assert post(desk, dispute, "to both parties").status_code == 409


@override_settings(ECHO_MAX_MESSAGES_PER_DISPUTE=LIMIT)
def test_the_service_refuses_for_every_caller_alike() -> None:
    dispute = make_dispute()
    fill_public(dispute, LIMIT)
    with pytest.raises(Conflict) as refused:
        services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Hello?")
    assert refused.value.code == "message_limit_reached"
    assert Message.objects.filter(dispute=dispute).count() == LIMIT


@override_settings(ECHO_MAX_MESSAGES_PER_DISPUTE=LIMIT)
def test_the_thread_page_shows_the_limit_as_a_form_error() -> None:
    dispute = make_dispute()
    fill_public(dispute, LIMIT)
    before = stored(dispute)
    response = page_client(dispute.buyer).post(f"/disputes/{dispute.pk}/", {"message": "more"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f"This dispute already holds {LIMIT} messages" in html
    assert stored(dispute) == before


@override_settings(ECHO_MAX_MESSAGES_PER_DISPUTE=LIMIT)
def test_the_admin_shows_the_limit_as_a_message() -> None:
    client, agent = desk_client()
    dispute = make_dispute(staff=agent)
    fill_public(dispute, LIMIT)
    before = stored(dispute)
    response = client.post(
        f"/admin/disputes/dispute/{dispute.pk}/post/",
        {"body": "To both of you.", "visibility": Visibility.PUBLIC},
    )
    assert response.status_code == 302
    assert (
        "error",
        f"Refused: This dispute already holds {LIMIT} messages, the most one dispute takes; "
        "support staff can still read and decide it.",
    ) in flashed(response)
    assert stored(dispute) == before
