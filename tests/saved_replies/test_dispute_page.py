"""Answering with a saved reply on the admin dispute page: pick one, see it filled in for the
dispute, edit it, post it through the ordinary posting path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus, Message, SavedReply, Visibility
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db

STALE = "That saved reply is no longer available (it was made inactive or deleted); pick another."


def page(dispute: Dispute) -> str:
    return f"/admin/disputes/dispute/{dispute.pk}/change/"


def flashed(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def reply(actor: User, title: str, body: str, **fields: Any) -> SavedReply:
    return services.saved_reply_save(
        actor=actor, reply=SavedReply(title=title, body=body, **fields)
    )


@pytest.fixture
def tracking(support: User) -> SavedReply:
    return reply(
        support,
        "Ask for tracking number",
        "Hello {seller}, please send the tracking number of order {order} by {respond_by}.",
    )


@pytest.fixture
def escalate(support: User) -> SavedReply:
    return reply(
        support,
        "Escalate to payments",
        "Payments: check {amount} on dispute {dispute}. {agent}",
        visibility=Visibility.INTERNAL,
    )


def test_the_picker_lists_the_active_replies_by_title(
    desk: Client, support: User, dispute: Dispute, tracking: SavedReply, escalate: SavedReply
) -> None:
    reply(support, "Retired", "Old text.", active=False)
    response = desk.get(page(dispute))
    assert [r.title for r in response.context["saved_replies"]] == [
        "Ask for tracking number",
        "Escalate to payments",
    ]
    html = response.content.decode()
    assert f'<option value="{tracking.pk}">Ask for tracking number</option>' in html
    assert f'<option value="{escalate.pk}">Escalate to payments (internal note)</option>' in html
    assert "Retired" not in html
    assert response.context["message_form"].initial == {}


def test_picking_a_reply_fills_the_message_form(
    desk: Client, dispute: Dispute, tracking: SavedReply
) -> None:
    response = desk.get(page(dispute), {"saved_reply": tracking.pk})
    assert response.status_code == 200
    filled = (
        f"Hello bruno, please send the tracking number of order #{dispute.order_id} by "
        "Dec. 4, 2026, 3:30 p.m. UTC."
    )
    form = response.context["message_form"]
    assert form.initial == {"body": filled, "visibility": "public"}
    html = response.content.decode()
    assert f">\n{filled}</textarea>" in html
    assert 'value="public" required id="id_visibility_0" checked' in html
    assert f'<option value="{tracking.pk}" selected>' in html
    assert "“Ask for tracking number” is filled in below for this dispute" in html
    assert not Message.objects.filter(dispute=dispute).exists()


def test_an_internal_reply_preselects_internal_and_names_the_agent(
    desk: Client, dispute: Dispute, escalate: SavedReply
) -> None:
    response = desk.get(page(dispute), {"saved_reply": escalate.pk})
    assert response.context["message_form"].initial == {
        "body": f"Payments: check 1045.50 EUR on dispute #{dispute.pk}. agent",
        "visibility": "internal",
    }
    assert 'value="internal" required id="id_visibility_1" checked' in response.content.decode()


def test_the_reply_is_filled_in_the_language_of_the_page(
    desk: Client, dispute: Dispute, tracking: SavedReply
) -> None:
    # The page's language is the request's (Accept-Language here; docs/i18n.md).
    response = desk.get(page(dispute), {"saved_reply": tracking.pk}, HTTP_ACCEPT_LANGUAGE="es")
    body = response.context["message_form"].initial["body"]
    assert body.endswith("by 4 de diciembre de 2026 a las 15:30 UTC.")


@pytest.mark.parametrize("stale", ["inactive", "deleted", "garbage"])
def test_a_stale_choice_is_an_admin_error_not_a_500(
    desk: Client, support: User, dispute: Dispute, tracking: SavedReply, stale: str
) -> None:
    chosen: int | str = tracking.pk
    if stale == "inactive":
        tracking.active = False
        services.saved_reply_save(actor=support, reply=tracking)
    elif stale == "deleted":
        services.saved_reply_delete(actor=support, reply_id=tracking.pk)
    else:
        chosen = "1; DROP TABLE"
    response = desk.get(page(dispute), {"saved_reply": chosen})
    assert response.status_code == 200
    assert flashed(response) == [("error", STALE)]
    assert response.context["message_form"].initial == {}
    assert STALE in response.content.decode()


def test_posting_the_edited_reply_creates_one_message_through_the_service(
    desk: Client,
    support: User,
    dispute: Dispute,
    tracking: SavedReply,
    client_for: Callable[..., APIClient],
) -> None:
    filled = desk.get(page(dispute), {"saved_reply": tracking.pk}).context["message_form"]
    edited = filled.initial["body"] + " Thank you!"
    response = desk.post(
        f"/admin/disputes/dispute/{dispute.pk}/post/",
        {"body": edited, "visibility": filled.initial["visibility"]},
    )
    assert response.status_code == 302
    assert ("success", "Message posted; the buyer and the seller can read it.") in flashed(response)
    message = Message.objects.get(dispute=dispute)
    assert (message.author, message.visibility, message.body) == (
        support,
        Visibility.PUBLIC,
        edited,
    )
    thread = client_for(dispute.buyer).get(f"/api/disputes/{dispute.pk}/messages").json()
    assert [m["message"] for m in thread] == [edited]


def test_an_internal_reply_posts_a_note_the_parties_never_see(
    desk: Client,
    dispute: Dispute,
    escalate: SavedReply,
    client_for: Callable[..., APIClient],
) -> None:
    filled = desk.get(page(dispute), {"saved_reply": escalate.pk}).context["message_form"]
    response = desk.post(f"/admin/disputes/dispute/{dispute.pk}/post/", filled.initial)
    assert ("success", "Internal note added (staff only).") in flashed(response)
    message = Message.objects.get(dispute=dispute)
    assert (message.visibility, message.body) == (Visibility.INTERNAL, filled.initial["body"])
    for party in (dispute.buyer, dispute.seller):
        thread = client_for(party).get(f"/api/disputes/{dispute.pk}/messages").json()
        assert thread == []
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE


@override_settings(ECHO_MAX_MESSAGES_PER_DISPUTE=1)
def test_the_message_limit_applies_to_a_saved_reply(
    desk: Client, dispute: Dispute, tracking: SavedReply
) -> None:
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Where is it?")
    filled = desk.get(page(dispute), {"saved_reply": tracking.pk}).context["message_form"]
    response = desk.post(f"/admin/disputes/dispute/{dispute.pk}/post/", filled.initial)
    assert [level for level, _text in flashed(response)] == ["error"]
    assert Message.objects.filter(dispute=dispute).count() == 1


def test_a_decided_dispute_offers_no_picker(
    desk: Client, support: User, tracking: SavedReply
) -> None:
    closed = make_dispute(state=DisputeStatus.CLOSED, staff=support)
    response = desk.get(page(closed), {"saved_reply": tracking.pk})
    assert "saved_replies" not in response.context
    assert 'id="saved-reply-form"' not in response.content.decode()


def test_without_saved_replies_the_page_links_to_adding_one(desk: Client, dispute: Dispute) -> None:
    html = desk.get(page(dispute)).content.decode()
    assert 'No saved replies yet. <a href="/admin/disputes/savedreply/add/">' in html


def test_page_queries_are_constant_in_the_number_of_saved_replies(
    desk: Client, support: User, dispute: Dispute, tracking: SavedReply
) -> None:
    def queries(**params: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(page(dispute), params).status_code == 200
        return len(captured)

    one, one_picked = queries(), queries(saved_reply=tracking.pk)
    for n in range(8):
        reply(support, f"Reply {n}", "Hello {buyer}, about {order}: {amount}.")
    assert queries() == one
    assert queries(saved_reply=tracking.pk) == one_picked == one
