"""Offers and escalation on the thread page: make, accept (with its confirmation page), decline,
withdraw, escalate, the errors next to the fields, who sees which button, and the query counts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeKind, DisputeStatus, Offer, OfferStatus, Outcome
from orders.models import Order
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db

PageFor = Callable[[User | None], Client]


def url(dispute: Dispute) -> str:
    return f"/disputes/{dispute.pk}/"


@pytest.fixture
def dispute(order: Order) -> Dispute:
    # 60.00 EUR of a 100.00 EUR order is in dispute: offers may go up to 60.00.
    return make_dispute(order=order, amount=Decimal("60.00"))


@pytest.fixture
def offer(seller: User, dispute: Dispute) -> Offer:
    return services.offer_propose(
        actor=seller, dispute_id=dispute.pk, amount=Decimal("25.00"), note="Half, as a gesture."
    )


def html_of(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


# --- who sees which button ---------------------------------------------------------------------


def test_the_other_party_sees_accept_and_decline_and_the_proposer_sees_withdraw(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    accept = f'href="/disputes/{dispute.pk}/offers/{offer.pk}/accept/"'
    decline = f'action="/disputes/{dispute.pk}/offers/{offer.pk}/decline/"'
    withdraw = f'action="/disputes/{dispute.pk}/offers/{offer.pk}/withdraw/"'
    as_buyer = html_of(page_for(buyer), url(dispute))
    assert "Open offer: €25.00 refund" in as_buyer
    assert "Offered by seller," in as_buyer
    assert "Half, as a gesture." in as_buyer
    assert accept in as_buyer and decline in as_buyer
    assert withdraw not in as_buyer
    as_seller = html_of(page_for(seller), url(dispute))
    assert "Offered by seller (you)," in as_seller
    assert withdraw in as_seller
    assert accept not in as_seller and decline not in as_seller
    # Either party may make a (new) offer and ask staff to decide.
    for html in (as_buyer, as_seller):
        assert f'action="/disputes/{dispute.pk}/offers/"' in html
        assert "Make a new offer" in html
        assert 'name="offer-amount"' in html and 'name="offer-note"' in html
        assert f'href="/disputes/{dispute.pk}/escalate/"' in html


def test_the_amount_field_shows_the_dispute_currency_and_ceiling(
    page_for: PageFor, buyer: User, dispute: Dispute
) -> None:
    html = html_of(page_for(buyer), url(dispute))
    assert '<label for="id_offer-amount">Refund you offer (EUR)' in html
    assert "at most the amount in dispute, 60.00 EUR" in html
    assert "No open offer." in html
    assert "Make an offer" in html


@pytest.mark.parametrize("state", [DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.CLOSED])
def test_a_decided_dispute_shows_no_offer_or_escalation_forms(
    page_for: PageFor, buyer: User, order: Order, state: str
) -> None:
    dispute = make_dispute(order=order, state=state)
    html = html_of(page_for(buyer), url(dispute))
    assert 'name="offer-amount"' not in html
    assert "/escalate/" not in html
    assert 'id="offers"' not in html


def test_a_chargeback_takes_no_offers_or_escalation(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute
) -> None:
    Dispute.objects.filter(pk=dispute.pk).update(kind=DisputeKind.CHARGEBACK, opened_by=None)
    for party in (buyer, seller):
        client = page_for(party)
        html = html_of(client, url(dispute))
        assert 'id="offers"' not in html
        assert "/escalate/" not in html
        assert client.post(f"{url(dispute)}offers/", {"offer-amount": "5"}).status_code == 403
        assert client.get(f"{url(dispute)}escalate/").status_code == 403
    assert not Offer.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/disputes/{id}/escalate/",
        "/disputes/{id}/offers/{offer}/accept/",
    ],
)
def test_strangers_and_staff_get_404_on_the_offer_pages(
    page_for: PageFor, stranger: User, staff: User, dispute: Dispute, offer: Offer, path: str
) -> None:
    target = path.format(id=dispute.pk, offer=offer.pk)
    for user in (stranger, staff):
        assert page_for(user).get(target).status_code == 404


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/disputes/{id}/offers/", {"offer-amount": "10.00"}),
        ("/disputes/{id}/offers/{offer}/accept/", {}),
        ("/disputes/{id}/offers/{offer}/decline/", {}),
        ("/disputes/{id}/offers/{offer}/withdraw/", {}),
        ("/disputes/{id}/escalate/", {"escalate-reason": "Let staff look at this one."}),
    ],
)
def test_strangers_and_staff_cannot_post_offer_actions(
    page_for: PageFor,
    stranger: User,
    staff: User,
    dispute: Dispute,
    offer: Offer,
    path: str,
    data: dict[str, str],
) -> None:
    target = path.format(id=dispute.pk, offer=offer.pk)
    for user in (stranger, staff):
        assert page_for(user).post(target, data).status_code == 404
    offer.refresh_from_db()
    dispute.refresh_from_db()
    assert offer.status == OfferStatus.OPEN
    assert Offer.objects.filter(dispute=dispute).count() == 1
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    assert dispute.escalated_at is None


def test_anonymous_is_sent_to_login(page_for: PageFor, dispute: Dispute, offer: Offer) -> None:
    target = f"/disputes/{dispute.pk}/offers/{offer.pk}/accept/"
    response = page_for(None).get(target)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={target}"


def test_an_unknown_offer_is_404(page_for: PageFor, buyer: User, dispute: Dispute) -> None:
    client = page_for(buyer)
    assert client.get(f"/disputes/{dispute.pk}/offers/999999/accept/").status_code == 404
    assert client.post(f"/disputes/{dispute.pk}/offers/999999/decline/").status_code == 404


def test_an_offer_of_another_dispute_is_404(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    from tests.factories import make_order

    other = make_dispute(order=make_order(buyer=buyer, seller=seller))
    client = page_for(buyer)
    assert client.get(f"/disputes/{other.pk}/offers/{offer.pk}/accept/").status_code == 404
    assert client.post(f"/disputes/{other.pk}/offers/{offer.pk}/accept/").status_code == 404
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN


# --- making an offer ---------------------------------------------------------------------------


def test_making_an_offer_redirects_to_the_offers_and_shows_it(
    page_for: PageFor, seller: User, buyer: User, dispute: Dispute
) -> None:
    client = page_for(seller)
    response = client.post(
        f"{url(dispute)}offers/", {"offer-amount": "30.50", "offer-note": "Keep the item."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url(dispute)}#offers"
    offer = Offer.objects.get(dispute=dispute)
    assert (offer.amount, offer.currency, offer.note, offer.status) == (
        Decimal("30.50"),
        "EUR",
        "Keep the item.",
        OfferStatus.OPEN,
    )
    assert offer.proposed_by_id == seller.pk
    html = html_of(client, url(dispute))
    assert "You offered a refund of €30.50. The other party has been told." in html
    assert "Open offer: €30.50 refund" in html
    # The timeline says so, with the amount.
    assert "Offer made" in html
    assert '<span class="timeline__amount">€30.50</span>' in html


def test_a_new_offer_supersedes_the_open_one_and_the_history_is_newest_first(
    page_for: PageFor, buyer: User, dispute: Dispute, offer: Offer
) -> None:
    client = page_for(buyer)
    assert client.post(f"{url(dispute)}offers/", {"offer-amount": "40"}).status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.SUPERSEDED
    newest = Offer.objects.get(dispute=dispute, status=OfferStatus.OPEN)
    assert newest.amount == Decimal("40.00")
    html = html_of(client, url(dispute))
    history = html[html.index("History") :]
    assert history.index(f'id="offer-{newest.pk}"') < history.index(f'id="offer-{offer.pk}"')
    assert "Superseded" in history
    assert "Open offer: €40.00 refund" in html


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("0", "Must be more than zero."),
        ("-5.00", "Must be more than zero."),
        ("60.01", "At most 60.00."),
        ("1000", "At most 60.00."),
        ("10.005", "At most two decimals."),
        ("ten", "Enter an amount."),
        ("", "Enter the refund you offer."),
    ],
)
def test_bad_amounts_show_an_error_next_to_the_amount(
    page_for: PageFor, seller: User, dispute: Dispute, amount: str, error: str
) -> None:
    response = page_for(seller).post(
        f"{url(dispute)}offers/", {"offer-amount": amount, "offer-note": "typed text"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="id_offer-amount_error"') :]
    assert error in errors[: errors.index("</ul>")]
    assert 'aria-invalid="true"' in html
    # What was typed is kept.
    assert "typed text</textarea>" in html
    assert not Offer.objects.filter(dispute=dispute).exists()


def test_a_too_long_note_shows_an_error_next_to_the_note(
    page_for: PageFor, seller: User, dispute: Dispute
) -> None:
    response = page_for(seller).post(
        f"{url(dispute)}offers/", {"offer-amount": "10", "offer-note": "x" * 501}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_offer-note_error"' in html
    assert "At most 500 characters." in html
    assert not Offer.objects.filter(dispute=dispute).exists()


def test_an_offer_on_a_dispute_decided_meanwhile_is_an_error_not_a_500(
    page_for: PageFor, seller: User, staff: User, dispute: Dispute
) -> None:
    client = page_for(seller)
    services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Decided by phone.")
    response = client.post(f"{url(dispute)}offers/", {"offer-amount": "10"})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "a decided dispute takes no offers" in html
    assert 'name="offer-amount"' not in html
    assert not Offer.objects.filter(dispute=dispute).exists()


def test_the_offer_form_requires_a_csrf_token(buyer: User, dispute: Dispute) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    assert client.post(f"{url(dispute)}offers/", {"offer-amount": "10"}).status_code == 403
    assert not Offer.objects.filter(dispute=dispute).exists()


def test_the_offer_note_is_escaped(page_for: PageFor, buyer: User, dispute: Dispute) -> None:
    client = page_for(buyer)
    client.post(f"{url(dispute)}offers/", {"offer-amount": "5", "offer-note": "<script>x</script>"})
    html = html_of(client, url(dispute))
    assert "<script>x" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


# --- accepting: the confirmation step ----------------------------------------------------------


def test_accept_asks_for_confirmation_then_settles_the_dispute(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    client = page_for(buyer)
    target = f"{url(dispute)}offers/{offer.pk}/accept/"
    confirm = client.get(target)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert "Accept €25.00 and settle dispute" in page
    assert "closes the dispute for good" in page
    assert "Yes, accept and settle" in page
    assert f'action="{target}"' in page
    # Looking at the confirmation changes nothing.
    dispute.refresh_from_db()
    offer.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    assert offer.status == OfferStatus.OPEN

    response = client.post(target)
    assert response.status_code == 302
    assert response["Location"] == url(dispute)
    dispute.refresh_from_db()
    offer.refresh_from_db()
    assert dispute.status == DisputeStatus.CLOSED
    assert dispute.outcome == Outcome.SETTLED
    assert dispute.refund_amount == Decimal("25.00")
    assert offer.status == OfferStatus.ACCEPTED

    html = html_of(client, url(dispute))
    assert "You accepted the offer. The dispute is closed as settled" in html
    for party in (buyer, seller):
        html = html_of(page_for(party), url(dispute))
        assert "<dt>Outcome</dt><dd>Settled between the parties</dd>" in html
        assert "<dt>Refund to the buyer</dt><dd>€25.00</dd>" in html
        assert "Offer accepted" in html
        assert "CLOSED" in html
        # Nothing more to do on a settled dispute.
        assert 'name="offer-amount"' not in html
        assert "/escalate/" not in html
        assert "/accept/" not in html


def test_settled_shows_on_the_list_and_the_order_page(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=offer.pk)
    for party in (buyer, seller):
        client = page_for(party)
        listing = html_of(client, "/disputes/?state=closed")
        assert "<dt>Outcome</dt><dd>Settled between the parties, refund €25.00</dd>" in listing
        order_page = html_of(client, f"/orders/{dispute.order_id}/")
        assert '<span class="muted">Settled between the parties</span>' in order_page


def test_the_proposer_cannot_accept_their_own_offer(
    page_for: PageFor, seller: User, dispute: Dispute, offer: Offer
) -> None:
    client = page_for(seller)
    target = f"{url(dispute)}offers/{offer.pk}/accept/"
    assert client.get(target).status_code == 403
    assert client.post(target).status_code == 403
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE


def test_accepting_an_offer_superseded_meanwhile_is_409_with_the_reason(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    client = page_for(buyer)
    target = f"{url(dispute)}offers/{offer.pk}/accept/"
    assert "Yes, accept and settle" in html_of(client, target)
    services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("20.00"))
    response = client.post(target)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "The offer is superseded" in html
    assert "Yes, accept and settle" not in html
    assert "nothing to accept" in html
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    # Looking at it again: the same page without the button, and no error.
    again = html_of(client, target)
    assert "This offer is superseded" in again
    assert "Yes, accept and settle" not in again


def test_accepting_after_a_staff_decision_is_409(
    page_for: PageFor, buyer: User, staff: User, dispute: Dispute, offer: Offer
) -> None:
    services.dispute_close(
        actor=staff, dispute_id=dispute.pk, outcome="won", resolution="For the seller."
    )
    response = page_for(buyer).post(f"{url(dispute)}offers/{offer.pk}/accept/")
    assert response.status_code == 409
    dispute.refresh_from_db()
    assert dispute.outcome == Outcome.WON


# --- declining and withdrawing -----------------------------------------------------------------


def test_decline_keeps_the_dispute_open(
    page_for: PageFor, buyer: User, dispute: Dispute, offer: Offer
) -> None:
    client = page_for(buyer)
    response = client.post(f"{url(dispute)}offers/{offer.pk}/decline/")
    assert response.status_code == 302
    assert response["Location"] == f"{url(dispute)}#offers"
    offer.refresh_from_db()
    dispute.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    html = html_of(client, url(dispute))
    assert "You declined the offer. The dispute stays open." in html
    assert "No open offer." in html
    assert "Offer declined" in html  # the timeline
    assert "Declined" in html  # the history


def test_withdraw_an_offer(page_for: PageFor, seller: User, dispute: Dispute, offer: Offer) -> None:
    client = page_for(seller)
    response = client.post(f"{url(dispute)}offers/{offer.pk}/withdraw/")
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    html = html_of(client, url(dispute))
    assert "You withdrew your offer. The dispute stays open." in html
    assert "Offer withdrawn" in html


def test_the_wrong_party_is_refused_decline_and_withdraw(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    assert page_for(seller).post(f"{url(dispute)}offers/{offer.pk}/decline/").status_code == 403
    assert page_for(buyer).post(f"{url(dispute)}offers/{offer.pk}/withdraw/").status_code == 403
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN


def test_declining_an_offer_no_longer_open_shows_the_reason_at_the_offers(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    services.offer_withdraw(actor=seller, dispute_id=dispute.pk, offer_id=offer.pk)
    response = page_for(buyer).post(f"{url(dispute)}offers/{offer.pk}/decline/")
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="offer-errors"' in html
    assert "The offer is withdrawn; only an open offer can change." in html
    offer.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN


def test_decline_and_withdraw_answer_only_post(
    page_for: PageFor, buyer: User, dispute: Dispute, offer: Offer
) -> None:
    client = page_for(buyer)
    assert client.get(f"{url(dispute)}offers/{offer.pk}/decline/").status_code == 405
    assert client.get(f"{url(dispute)}offers/{offer.pk}/withdraw/").status_code == 405
    assert client.get(f"{url(dispute)}offers/").status_code == 405


# --- escalation --------------------------------------------------------------------------------


def test_escalation_page_then_escalate(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute
) -> None:
    client = page_for(seller)
    target = f"{url(dispute)}escalate/"
    page = html_of(client, target)
    assert "Ask support staff to decide dispute" in page
    assert 'name="escalate-reason"' in page
    assert "Yes, ask support staff to decide" in page
    dispute.refresh_from_db()
    assert dispute.escalated_at is None
    reason = "We cannot agree on the condition of the item."
    response = client.post(target, {"escalate-reason": reason})
    assert response.status_code == 302
    assert response["Location"] == url(dispute)
    dispute.refresh_from_db()
    assert dispute.escalated_at is not None
    assert dispute.escalated_by_id == seller.pk
    assert dispute.escalation_reason == reason
    # The deadline and the state stay as they were.
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    html = html_of(client, url(dispute))
    assert "You asked support staff to decide." in html
    assert "to support staff by seller (you)" in html
    assert reason in html
    assert "Escalated to staff" in html  # the timeline
    assert f'href="{target}"' not in html
    as_buyer = html_of(page_for(buyer), url(dispute))
    assert "to support staff by seller," in as_buyer
    assert f'href="{target}"' not in as_buyer


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("Too short", "At least 10 characters."),
        ("   ", "Say why support staff should decide."),
        ("", "Say why support staff should decide."),
        ("x" * 501, "At most 500 characters."),
    ],
)
def test_a_bad_reason_shows_an_error_next_to_the_field(
    page_for: PageFor, buyer: User, dispute: Dispute, reason: str, error: str
) -> None:
    response = page_for(buyer).post(f"{url(dispute)}escalate/", {"escalate-reason": reason})
    assert response.status_code == 400
    html = response.content.decode()
    errors = html[html.index('id="id_escalate-reason_error"') :]
    assert error in errors[: errors.index("</ul>")]
    dispute.refresh_from_db()
    assert dispute.escalated_at is None


def test_escalating_twice_is_409_with_the_reason(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute
) -> None:
    services.dispute_escalate(
        actor=buyer, dispute_id=dispute.pk, reason="The seller stopped answering."
    )
    client = page_for(seller)
    page = html_of(client, f"{url(dispute)}escalate/")
    assert "already escalated" in page
    assert 'name="escalate-reason"' not in page
    response = client.post(f"{url(dispute)}escalate/", {"escalate-reason": "Me too, please."})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "The dispute was already escalated to staff." in html
    dispute.refresh_from_db()
    assert dispute.escalated_by_id == buyer.pk


def test_escalating_a_decided_dispute_is_409(page_for: PageFor, buyer: User, order: Order) -> None:
    dispute = make_dispute(order=order, state=DisputeStatus.WON)
    client = page_for(buyer)
    assert "nothing to escalate" in html_of(client, f"{url(dispute)}escalate/")
    response = client.post(f"{url(dispute)}escalate/", {"escalate-reason": "Please look again."})
    assert response.status_code == 409
    dispute.refresh_from_db()
    assert dispute.escalated_at is None


# --- query counts ------------------------------------------------------------------------------


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_thread_query_count_does_not_grow_with_the_offers(
    page_for: PageFor, buyer: User, seller: User, dispute: Dispute, offer: Offer
) -> None:
    client = page_for(buyer)
    one = queries(client, url(dispute))
    accept_one = queries(client, f"{url(dispute)}offers/{offer.pk}/accept/")
    latest = offer
    for i in range(20):
        proposer = (buyer, seller)[i % 2]
        latest = services.offer_propose(
            actor=proposer, dispute_id=dispute.pk, amount=Decimal(f"{i + 1}.00"), note=f"n{i}"
        )
        if i % 5 == 0:
            services.offer_withdraw(actor=proposer, dispute_id=dispute.pk, offer_id=latest.pk)
    latest = services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("9.99"))
    assert Offer.objects.filter(dispute=dispute).count() == 22
    assert queries(client, url(dispute)) == one
    assert queries(client, f"{url(dispute)}offers/{latest.pk}/accept/") == accept_one
