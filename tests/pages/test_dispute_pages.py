from __future__ import annotations

import re
from collections.abc import Callable
from typing import cast

import pytest
from django.test import Client

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus, Message, Outcome
from orders.models import Order
from tests.factories import StaffFactory, make_dispute, make_order, make_overdue

pytestmark = pytest.mark.django_db

PageFor = Callable[[User | None], Client]


def url(dispute: Dispute) -> str:
    return f"/disputes/{dispute.pk}/"


@pytest.fixture
def dispute(order: Order) -> Dispute:
    return make_dispute(order=order)


# --- who may see the pages --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/disputes/", "/disputes/{id}/", "/disputes/{id}/withdraw/"])
def test_anonymous_is_sent_to_login(page_for: PageFor, dispute: Dispute, path: str) -> None:
    target = path.format(id=dispute.pk)
    response = page_for(None).get(target)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={target}"


@pytest.mark.parametrize(
    ("who", "status"), [("buyer", 200), ("seller", 200), ("stranger", 404), ("staff", 404)]
)
def test_thread_page_is_for_the_parties_only(
    page_for: PageFor, actors: dict[str, User | None], dispute: Dispute, who: str, status: int
) -> None:
    response = page_for(actors[who]).get(url(dispute))
    assert response.status_code == status
    if status == 404:
        # Nothing about the dispute leaks to someone who may not see it.
        assert dispute.reason not in response.content.decode()


def test_stranger_cannot_post_or_withdraw(
    page_for: PageFor, stranger: User, dispute: Dispute
) -> None:
    client = page_for(stranger)
    assert client.post(url(dispute), {"message": "Let me in"}).status_code == 404
    assert client.post(f"{url(dispute)}withdraw/").status_code == 404
    assert not Message.objects.filter(dispute=dispute).exists()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE


def test_staff_who_is_a_party_sees_the_party_view_without_internal_notes(
    page_for: PageFor, seller: User, staff: User
) -> None:
    staff_buyer = staff
    dispute = make_dispute(order=make_order(buyer=staff_buyer, seller=seller))
    other_staff = cast(User, StaffFactory())
    services.message_post(
        actor=other_staff, dispute_id=dispute.pk, body="Secret staff note", visibility="internal"
    )
    response = page_for(staff_buyer).get(url(dispute))
    assert response.status_code == 200
    assert "Secret staff note" not in response.content.decode()


def test_missing_dispute_is_404(page_for: PageFor, buyer: User) -> None:
    assert page_for(buyer).get("/disputes/999999/").status_code == 404


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_my_disputes_as_buyer_and_as_seller_only(
    page_for: PageFor, buyer: User, seller: User, stranger: User
) -> None:
    as_buyer = make_dispute(order=make_order(buyer=buyer, seller=seller))
    as_seller = make_dispute(order=make_order(buyer=stranger, seller=buyer))
    foreign = make_dispute(order=make_order(buyer=stranger, seller=seller))
    html = page_for(buyer).get("/disputes/").content.decode()
    assert f"Dispute #{as_buyer.pk}:" in html
    assert f"Dispute #{as_seller.pk}:" in html
    assert f"Dispute #{foreign.pk}:" not in html
    assert "the buyer (seller: seller)" in html
    assert "the seller (buyer: stranger)" in html


def test_list_shows_state_badges_and_time_left(page_for: PageFor, buyer: User) -> None:
    make_dispute(order=make_order(buyer=buyer))
    make_overdue(make_dispute(order=make_order(buyer=buyer)))
    make_dispute(order=make_order(buyer=buyer), state=DisputeStatus.WON)
    html = page_for(buyer).get("/disputes/").content.decode()
    assert 'class="badge badge--needs_response">Needs response<' in html
    assert 'class="badge badge--won">Won (for the seller)<' in html
    assert "OPEN" in html and "CLOSED" in html
    assert "left to respond" in html
    assert "Overdue by" in html


def test_list_filters_by_state(page_for: PageFor, buyer: User) -> None:
    open_one = make_dispute(order=make_order(buyer=buyer))
    won = make_dispute(order=make_order(buyer=buyer), state=DisputeStatus.WON)
    html = page_for(buyer).get("/disputes/?state=won").content.decode()
    assert f"Dispute #{won.pk}:" in html
    assert f"Dispute #{open_one.pk}:" not in html
    assert '<option value="won" selected>' in html


def test_list_with_unknown_state_shows_an_error_and_everything(
    page_for: PageFor, buyer: User
) -> None:
    mine = make_dispute(order=make_order(buyer=buyer))
    response = page_for(buyer).get("/disputes/?state=bogus")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert f"Dispute #{mine.pk}:" in html


def test_list_paginates_and_keeps_the_filter(page_for: PageFor, buyer: User) -> None:
    order = make_order(buyer=buyer)
    for _ in range(21):
        make_dispute(order=order, state=DisputeStatus.CLOSED)
    client = page_for(buyer)
    first = client.get("/disputes/?state=closed").content.decode()
    assert "Page 1 of 2" in first
    assert 'href="?state=closed&amp;page=2"' in first
    second = client.get("/disputes/?state=closed&page=2").content.decode()
    assert second.count('class="card"') == 1
    # A page number past the end shows the last page rather than an error.
    assert client.get("/disputes/?page=99").status_code == 200


def test_empty_list_says_so(page_for: PageFor, stranger: User) -> None:
    assert "You have no disputes." in page_for(stranger).get("/disputes/").content.decode()


# --- the thread -------------------------------------------------------------------------------


def test_thread_shows_summary_order_parties_deadline_and_timeline(
    page_for: PageFor, buyer: User, dispute: Dispute
) -> None:
    html = page_for(buyer).get(url(dispute)).content.decode()
    assert html.count("<h1") == 1
    assert dispute.reason in html
    assert f"Order #{dispute.order_id}" in html
    assert "<dt>Buyer</dt><dd>buyer (you)</dd>" in html
    assert "<dt>Seller</dt><dd>seller</dd>" in html
    assert f"€{dispute.amount}" in html
    assert "<code>needs_response</code>" in html
    assert "left to respond" in html
    assert "Opened" in html  # timeline entry
    assert 'name="message"' in html and 'name="csrfmiddlewaretoken"' in html


def test_messages_show_oldest_first_with_author_and_time(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute
) -> None:
    services.message_post(actor=seller, dispute_id=dispute.pk, body="First from the seller")
    services.message_post(actor=buyer, dispute_id=dispute.pk, body="Then the buyer answers")
    html = page_for(buyer).get(url(dispute)).content.decode()
    assert html.index("First from the seller") < html.index("Then the buyer answers")
    assert "<strong>seller</strong>" in html
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT", html)


def test_posting_a_message_redirects_back_to_the_thread(
    page_for: PageFor, seller: User, dispute: Dispute
) -> None:
    client = page_for(seller)
    response = client.post(url(dispute), {"message": "I shipped it on Monday."})
    assert response.status_code == 302
    message = Message.objects.get(dispute=dispute)
    assert response["Location"] == f"{url(dispute)}#message-{message.pk}"
    page = client.get(url(dispute)).content.decode()
    assert "I shipped it on Monday." in page
    assert "Your message was posted." in page
    # The respondent's first message moves the dispute under review.
    assert "<code>under_review</code>" in page


def test_blank_message_shows_an_error_next_to_the_field(
    page_for: PageFor, buyer: User, dispute: Dispute
) -> None:
    response = page_for(buyer).post(url(dispute), {"message": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_message_error"' in html
    assert "Write a message before sending." in html
    assert 'aria-invalid="true"' in html
    assert not Message.objects.filter(dispute=dispute).exists()


def test_too_long_message_shows_the_service_error_next_to_the_field(
    page_for: PageFor, buyer: User, dispute: Dispute
) -> None:
    response = page_for(buyer).post(url(dispute), {"message": "x" * 2001})
    assert response.status_code == 400
    assert "At most 2000 characters." in response.content.decode()


def test_posting_on_a_dispute_decided_meanwhile_shows_an_error_not_a_500(
    page_for: PageFor, buyer: User, staff: User, dispute: Dispute
) -> None:
    client = page_for(buyer)
    assert 'name="message"' in client.get(url(dispute)).content.decode()
    services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Settled by phone.")
    response = client.post(url(dispute), {"message": "One more thing"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "no new messages" in html
    assert 'name="message"' not in html
    assert not Message.objects.filter(dispute=dispute).exists()


@pytest.mark.parametrize("state", [DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.CLOSED])
def test_terminal_dispute_shows_resolution_and_no_forms(
    page_for: PageFor, buyer: User, order: Order, state: str
) -> None:
    dispute = make_dispute(order=order, state=state)
    html = page_for(buyer).get(url(dispute)).content.decode()
    assert 'name="message"' not in html
    assert "Withdraw this dispute" not in html
    assert "Resolution" in html
    assert dispute.resolution in html
    assert "CLOSED" in html


def test_lost_dispute_shows_the_refund(page_for: PageFor, buyer: User, order: Order) -> None:
    dispute = make_dispute(order=order, state=DisputeStatus.LOST)
    html = page_for(buyer).get(url(dispute)).content.decode()
    assert "Refund to the buyer" in html
    assert f"€{dispute.refund_amount}" in html


def test_internal_notes_and_their_events_are_never_rendered_to_parties(
    page_for: PageFor, buyer: User, seller: User, staff: User, dispute: Dispute
) -> None:
    services.message_post(
        actor=staff, dispute_id=dispute.pk, body="Internal: seller is shady", visibility="internal"
    )
    for party in (buyer, seller):
        html = page_for(party).get(url(dispute)).content.decode()
        assert "seller is shady" not in html
        assert "Internal note" not in html
        assert "Messages (0)" in html


def test_staff_public_message_shows_as_support_staff(
    page_for: PageFor, buyer: User, staff: User, dispute: Dispute
) -> None:
    services.message_post(actor=staff, dispute_id=dispute.pk, body="Please send photos.")
    html = page_for(buyer).get(url(dispute)).content.decode()
    assert "Please send photos." in html
    assert "support staff" in html


def test_script_in_reason_and_message_is_escaped(
    page_for: PageFor, buyer: User, seller: User, order: Order
) -> None:
    dispute = make_dispute(order=order, reason="<script>alert('reason')</script> broken item")
    services.message_post(actor=seller, dispute_id=dispute.pk, body="<script>alert(1)</script>")
    html = page_for(buyer).get(url(dispute)).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#x27;reason&#x27;)&lt;/script&gt;" in html


def test_thread_form_requires_csrf_token(buyer: User, dispute: Dispute) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    assert client.post(url(dispute), {"message": "Hello"}).status_code == 403
    assert not Message.objects.filter(dispute=dispute).exists()


# --- withdraw ---------------------------------------------------------------------------------


def test_opener_sees_withdraw_and_the_other_party_does_not(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute
) -> None:
    assert "Withdraw this dispute" in page_for(buyer).get(url(dispute)).content.decode()
    assert "Withdraw this dispute" not in page_for(seller).get(url(dispute)).content.decode()


def test_withdraw_asks_for_confirmation_then_closes_the_dispute(
    page_for: PageFor, buyer: User, dispute: Dispute
) -> None:
    client = page_for(buyer)
    confirm = client.get(f"{url(dispute)}withdraw/")
    assert confirm.status_code == 200
    assert "Yes, withdraw the dispute" in confirm.content.decode()
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    response = client.post(f"{url(dispute)}withdraw/")
    assert response.status_code == 302
    assert response["Location"] == url(dispute)
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CLOSED
    assert dispute.outcome == Outcome.WITHDRAWN
    html = client.get(url(dispute)).content.decode()
    assert "You withdrew the dispute." in html
    assert "Withdrawn by the opener" in html


def test_withdraw_is_refused_for_the_other_party(
    page_for: PageFor, seller: User, dispute: Dispute
) -> None:
    client = page_for(seller)
    assert client.get(f"{url(dispute)}withdraw/").status_code == 403
    assert client.post(f"{url(dispute)}withdraw/").status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE


def test_withdrawing_a_dispute_already_closed_shows_an_error(
    page_for: PageFor, buyer: User, staff: User, dispute: Dispute
) -> None:
    client = page_for(buyer)
    services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Done.")
    response = client.post(f"{url(dispute)}withdraw/")
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "cannot change" in html
    assert "Yes, withdraw" not in html


def test_seller_opened_dispute_can_be_withdrawn_by_the_seller(
    page_for: PageFor, seller: User, order: Order
) -> None:
    dispute = make_dispute(order=order, opener="seller")
    assert page_for(seller).post(f"{url(dispute)}withdraw/").status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.CLOSED
