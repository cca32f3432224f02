"""The admin dispute page: what staff see, and every action they take from it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, DisputeStatus, EventType, Message, Visibility
from tests.factories import make_dispute, new_staff

pytestmark = pytest.mark.django_db


def page(dispute: Dispute) -> str:
    return f"/admin/disputes/dispute/{dispute.pk}/change/"


def action(dispute: Dispute, name: str) -> str:
    return f"/admin/disputes/dispute/{dispute.pk}/{name}/"


def flashed(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def threaded(support: User) -> Dispute:
    dispute = make_dispute()
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Where is my parcel?")
    services.message_post(
        actor=support,
        dispute_id=dispute.pk,
        body="Carrier confirms a lost parcel.",
        visibility=Visibility.INTERNAL,
    )
    return dispute


def test_page_shows_order_parties_money_reason_and_deadline(
    desk: Client, threaded: Dispute
) -> None:
    html = desk.get(page(threaded)).content.decode()
    order = threaded.order
    assert f"Order #{order.pk}" in html
    assert order.transaction_id in html
    assert threaded.buyer.email in html and threaded.seller.email in html
    assert f"{threaded.amount} {threaded.currency}" in html
    assert threaded.reason in html
    assert threaded.respond_by.strftime("%Y-%m-%d %H:%M") in html
    assert 'class="echo-badge echo-status-needs_response"' in html


def test_page_tells_public_messages_and_internal_notes_apart(
    desk: Client, threaded: Dispute
) -> None:
    html = desk.get(page(threaded)).content.decode()
    public = html.index("Where is my parcel?")
    note = html.index("Carrier confirms a lost parcel.")
    assert html.rfind('data-visibility="public"', 0, public) > html.rfind("echo-note", 0, public)
    note_block = html[html.rfind("<article", 0, note) : note]
    assert "echo-message echo-note" in note_block
    assert "Internal note — staff only" in note_block
    public_block = html[html.rfind("<article", 0, public) : public]
    assert "Public message" in public_block and "echo-note" not in public_block


def test_page_shows_the_event_timeline(desk: Client, threaded: Dispute) -> None:
    html = desk.get(page(threaded)).content.decode()
    timeline = html[html.index('id="timeline"') :]
    for label in ("Opened", "Message posted", "Internal note posted"):
        assert label in timeline
    assert "staff only" in timeline


def test_status_and_history_are_read_only(desk: Client, threaded: Dispute) -> None:
    response = desk.get(page(threaded))
    form = response.context["adminform"].form
    assert list(form.fields) == []
    html = response.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html


def test_posting_to_the_admin_form_itself_writes_nothing(desk: Client, threaded: Dispute) -> None:
    before = Dispute.objects.filter(pk=threaded.pk).values().get()
    response = desk.post(page(threaded), {"status": "won", "outcome": "won", "_save": "Save"})
    assert response.status_code == 302
    assert Dispute.objects.filter(pk=threaded.pk).values().get() == before


def test_post_a_public_message(desk: Client, support: User, threaded: Dispute) -> None:
    response = desk.post(
        action(threaded, "post"),
        {"body": "Please send the tracking number.", "visibility": "public"},
    )
    assert response.status_code == 302 and response["Location"] == page(threaded)
    message = Message.objects.filter(dispute=threaded).latest("id")
    assert (message.author, message.visibility) == (support, Visibility.PUBLIC)
    assert ("success", "Message posted; the buyer and the seller can read it.") in flashed(response)
    assert DisputeEvent.objects.filter(dispute=threaded, type=EventType.MESSAGE_POSTED).count() == 2


def test_post_an_internal_note(desk: Client, support: User, threaded: Dispute) -> None:
    response = desk.post(
        action(threaded, "post"),
        {"body": "Seller has three similar cases.", "visibility": "internal"},
    )
    message = Message.objects.filter(dispute=threaded).latest("id")
    assert (message.author, message.visibility, message.body) == (
        support,
        Visibility.INTERNAL,
        "Seller has three similar cases.",
    )
    assert ("success", "Internal note added (staff only).") in flashed(response)
    html = desk.get(page(threaded)).content.decode()
    assert html.count("Internal note — staff only") == 2


def test_blank_message_is_refused_and_the_draft_kept(desk: Client, threaded: Dispute) -> None:
    count = Message.objects.count()
    response = desk.post(action(threaded, "post"), {"body": "   ", "visibility": "bogus"})
    assert response.status_code == 302
    assert Message.objects.count() == count
    level, text = flashed(response)[0]
    assert level == "error" and text.startswith("Refused:")


def test_refused_service_move_keeps_the_typed_text(desk: Client, threaded: Dispute) -> None:
    services.dispute_close(actor=new_staff(), dispute_id=threaded.pk, resolution="Done.")
    response = desk.post(
        action(threaded, "post"), {"body": "A late thought.", "visibility": "public"}
    )
    assert ("error", "Refused: The dispute is closed; no new messages.") in flashed(response)
    assert not Message.objects.filter(body="A late thought.").exists()
    follow = desk.get(page(threaded))
    assert follow.context["message_form"].initial["body"] == "A late thought."


def test_take_up(desk: Client, support: User, threaded: Dispute) -> None:
    response = desk.post(action(threaded, "take-up"))
    threaded.refresh_from_db()
    assert threaded.status == DisputeStatus.UNDER_REVIEW
    assert DisputeEvent.objects.get(dispute=threaded, type=EventType.TAKEN_UP).actor == support
    assert flashed(response)[0][0] == "success"


def test_take_up_twice_is_an_error_message_not_a_500(desk: Client, threaded: Dispute) -> None:
    desk.post(action(threaded, "take-up"))
    response = desk.post(action(threaded, "take-up"))
    assert response.status_code == 302
    level, text = flashed(response)[-1]
    assert level == "error" and "cannot be moved" in text


@pytest.mark.parametrize(
    ("outcome", "refund", "status", "expected_refund"),
    [
        ("won", "", DisputeStatus.WON, None),
        ("lost", "", DisputeStatus.LOST, Decimal("100.00")),
        ("lost", "40.00", DisputeStatus.LOST, Decimal("40.00")),
        ("", "", DisputeStatus.CLOSED, None),
    ],
)
def test_record_a_resolution(
    desk: Client,
    support: User,
    threaded: Dispute,
    outcome: str,
    refund: str,
    status: str,
    expected_refund: Decimal | None,
) -> None:
    response = desk.post(
        action(threaded, "resolve"),
        {"outcome": outcome, "refund_amount": refund, "resolution": "Decided on the evidence."},
    )
    threaded.refresh_from_db()
    assert threaded.status == status
    assert threaded.refund_amount == expected_refund
    assert threaded.resolution == "Decided on the evidence."
    assert threaded.closed_by == support
    assert flashed(response)[0][0] == "success"
    # Decided: the dispute leaves the queue and its page offers no more actions.
    queue = desk.get("/admin/disputes/dispute/")
    assert threaded.pk not in [d.pk for d in queue.context["cl"].result_list]
    assert 'id="resolution-form"' not in desk.get(page(threaded)).content.decode()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            {"outcome": "won", "refund_amount": "10.00", "resolution": "x"},
            "only when the buyer wins",
        ),
        ({"outcome": "lost", "refund_amount": "999.00", "resolution": "x"}, "may not exceed"),
        ({"outcome": "maybe", "resolution": "x"}, "Outcome"),
        ({"outcome": "won", "resolution": ""}, "Resolution"),
    ],
)
def test_invalid_resolution_is_an_error_message(
    desk: Client, threaded: Dispute, data: dict[str, str], fragment: str
) -> None:
    response = desk.post(action(threaded, "resolve"), data)
    assert response.status_code == 302
    level, text = flashed(response)[0]
    assert level == "error" and fragment in text, text
    threaded.refresh_from_db()
    assert threaded.status == DisputeStatus.NEEDS_RESPONSE


def test_resolution_on_a_decided_dispute_is_refused_as_an_error_message(
    desk: Client, threaded: Dispute
) -> None:
    desk.post(action(threaded, "resolve"), {"outcome": "won", "resolution": "First decision."})
    response = desk.post(
        action(threaded, "resolve"), {"outcome": "lost", "resolution": "Second thoughts."}
    )
    assert response.status_code == 302
    assert ("error", "Refused: The dispute is won; a decided dispute cannot change.") in flashed(
        response
    )
    threaded.refresh_from_db()
    assert (threaded.status, threaded.resolution) == (DisputeStatus.WON, "First decision.")


def test_actions_answer_only_post(desk: Client, threaded: Dispute) -> None:
    for name in ("post", "take-up", "resolve"):
        assert desk.get(action(threaded, name)).status_code == 405


def test_action_on_a_missing_dispute_is_an_error_message(desk: Client) -> None:
    response = desk.post("/admin/disputes/dispute/999999/take-up/")
    assert response.status_code == 302
    assert flashed(response)[0][0] == "error"


def test_forms_carry_a_csrf_token_and_posts_without_one_are_refused(
    support: User, threaded: Dispute
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(support)
    html = client.get(page(threaded)).content.decode()
    for form_id in ("message-form", "take-up-form", "resolution-form"):
        start = html.index(f'id="{form_id}"')
        assert "csrfmiddlewaretoken" in html[start : html.index("</form>", start)]
    response = client.post(action(threaded, "take-up"))
    assert response.status_code == 403
    threaded.refresh_from_db()
    assert threaded.status == DisputeStatus.NEEDS_RESPONSE


def test_non_staff_cannot_act(client_as: Any, party: User, threaded: Dispute) -> None:
    response = client_as(party).post(action(threaded, "take-up"))
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    threaded.refresh_from_db()
    assert threaded.status == DisputeStatus.NEEDS_RESPONSE


def test_staff_outside_the_support_group_can_act(client_as: Any, threaded: Dispute) -> None:
    outsider = client_as(new_staff())
    assert outsider.get(page(threaded)).status_code == 200
    assert outsider.post(action(threaded, "take-up")).status_code == 302
    threaded.refresh_from_db()
    assert threaded.status == DisputeStatus.UNDER_REVIEW


def test_superuser_can_act(client_as: Any, threaded: Dispute) -> None:
    boss = new_staff(is_superuser=True)
    client_as(boss).post(action(threaded, "take-up"))
    threaded.refresh_from_db()
    assert threaded.status == DisputeStatus.UNDER_REVIEW


def test_page_query_count_does_not_grow_with_the_thread(desk: Client, support: User) -> None:
    dispute = make_dispute()
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="First.")
    with CaptureQueriesContext(connection) as one:
        assert desk.get(page(dispute)).status_code == 200
    for n in range(29):
        author, visibility = (
            (support, Visibility.INTERNAL) if n % 3 == 0 else (dispute.buyer, Visibility.PUBLIC)
        )
        services.message_post(
            actor=author, dispute_id=dispute.pk, body=f"Message {n}", visibility=visibility
        )
    with CaptureQueriesContext(connection) as thirty:
        response = desk.get(page(dispute))
    assert len(response.context["thread"]) == 30
    assert len(one.captured_queries) == len(thirty.captured_queries)
