"""The offer and escalation rules through the services and the API (docs/design.md §4): the
amount's bounds, who takes part, the lapse of an open offer when the dispute is decided, the
order side of a settlement and the e-mails."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, DisputeKind, EventType, Offer, OfferStatus
from echo_disputes.errors import Conflict, InvalidInput, NotAllowed
from orders.models import OrderStatus
from orders.services import order_set_status
from tests.assertions import assert_error
from tests.disputes.helpers import snapshot
from tests.factories import make_dispute, make_order, make_overdue, new_staff, new_user
from tests.offers.helpers import ESCALATION_REASON, dispute_between, offer
from tests.payments.helpers import event_doc, post_event
from tests.tasks.helpers import FLUSH, make_due, queued

pytestmark = pytest.mark.django_db

Clients = Callable[..., APIClient]


# --- the amount ----------------------------------------------------------------------------------


@pytest.fixture
def partial(buyer: User, seller: User) -> Dispute:
    """A dispute over 60.00 of a 100.00 EUR order: the offer's ceiling is the disputed amount."""
    return make_dispute(order=make_order(buyer=buyer, seller=seller), amount=Decimal("60.00"))


@pytest.mark.parametrize("amount", ["0.01", "1", "59.99", "60.00", "60"])
def test_amount_up_to_the_disputed_amount_is_accepted(
    partial: Dispute, seller: User, amount: str
) -> None:
    made = offer(partial, seller, amount)
    assert (made.amount, made.currency) == (Decimal(amount), "EUR")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Must be more than zero."),
        ("0.00", "Must be more than zero."),
        ("-5.00", "Must be more than zero."),
        ("60.01", "At most 60.00."),
        ("100.00", "At most 60.00."),
        ("12.345", "At most two decimals."),
        ("0.001", "At most two decimals."),
    ],
)
def test_amount_out_of_bounds_is_refused(
    partial: Dispute, seller: User, amount: str, message: str
) -> None:
    before = snapshot(partial.pk)
    with pytest.raises(InvalidInput) as caught:
        offer(partial, seller, amount)
    assert caught.value.details == {"amount": [message]}
    assert snapshot(partial.pk) == before


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "Must be more than zero."),
        (-1, "Must be more than zero."),
        ("-0.01", "Must be more than zero."),
        (60.01, "At most 60.00."),
        ("12.345", "At most two decimals."),
    ],
)
def test_api_amount_out_of_bounds_is_400(
    partial: Dispute, seller: User, client_for: Clients, amount: Any, message: str
) -> None:
    response = client_for(seller).post(
        f"/api/disputes/{partial.pk}/offers", {"amount": amount}, format="json"
    )
    body = assert_error(response, 400, "validation_error")
    assert body["details"] == {"amount": [message]}
    assert not Offer.objects.exists()


@pytest.mark.parametrize("amount", ["abc", True, None, "", "NaN", "Infinity", [1]])
def test_api_amount_that_is_no_number_is_400(
    partial: Dispute, seller: User, client_for: Clients, amount: Any
) -> None:
    response = client_for(seller).post(
        f"/api/disputes/{partial.pk}/offers", {"amount": amount}, format="json"
    )
    assert "amount" in assert_error(response, 400, "validation_error")["details"]
    assert not Offer.objects.exists()


def test_another_currency_is_400(partial: Dispute, seller: User, client_for: Clients) -> None:
    response = client_for(seller).post(
        f"/api/disputes/{partial.pk}/offers", {"amount": "10.00", "currency": "USD"}, format="json"
    )
    body = assert_error(response, 400, "validation_error")
    assert body["details"] == {"currency": ["Must be EUR."]}
    assert not Offer.objects.exists()


def test_the_disputes_currency_is_accepted(
    partial: Dispute, seller: User, client_for: Clients
) -> None:
    response = client_for(seller).post(
        f"/api/disputes/{partial.pk}/offers", {"amount": "10.00", "currency": "EUR"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["currency"] == "EUR"


def test_service_refuses_another_currency(partial: Dispute, seller: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.offer_propose(
            actor=seller, dispute_id=partial.pk, amount=Decimal("5"), currency="GBP"
        )
    assert caught.value.details == {"currency": ["Must be EUR."]}


# --- who takes part -------------------------------------------------------------------------------


def test_staff_who_is_no_party_cannot_propose_or_escalate(partial: Dispute) -> None:
    staff = new_staff()
    before = snapshot(partial.pk)
    with pytest.raises(NotAllowed):
        offer(partial, staff)
    with pytest.raises(NotAllowed):
        services.dispute_escalate(actor=staff, dispute_id=partial.pk, reason=ESCALATION_REASON)
    assert snapshot(partial.pk) == before


def test_staff_who_is_the_seller_may_propose() -> None:
    staff_seller = new_staff()
    dispute = make_dispute(order=make_order(seller=staff_seller))
    assert offer(dispute, staff_seller).proposed_by_id == staff_seller.pk


def test_the_proposer_cannot_accept_or_decline_its_own_offer(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, buyer)
    for move in (services.offer_accept, services.offer_decline):
        with pytest.raises(NotAllowed):
            move(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)
    with pytest.raises(NotAllowed):
        services.offer_withdraw(actor=seller, dispute_id=dispute.pk, offer_id=made.pk)
    made.refresh_from_db()
    assert made.status == OfferStatus.OPEN


def test_nobody_settles_or_escalates_a_chargeback(buyer: User, seller: User) -> None:
    order = make_order(buyer=buyer, seller=seller)
    assert post_event(event_doc(order)).status_code == 200
    chargeback = Dispute.objects.get(kind=DisputeKind.CHARGEBACK)
    for party in (buyer, seller):
        with pytest.raises(NotAllowed):
            offer(chargeback, party)
        with pytest.raises(NotAllowed):
            services.dispute_escalate(
                actor=party, dispute_id=chargeback.pk, reason=ESCALATION_REASON
            )
    assert not Offer.objects.exists()


def test_inactive_party_cannot_propose(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    seller.is_active = False
    seller.save(update_fields=["is_active"])
    with pytest.raises(NotAllowed):
        offer(dispute, seller)


# --- one open offer; the lapse -------------------------------------------------------------------


def test_each_new_offer_supersedes_the_open_one(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    first = offer(dispute, seller, "10.00")
    second = offer(dispute, buyer, "80.00")
    third = offer(dispute, seller, "40.00")
    statuses = dict(Offer.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: OfferStatus.SUPERSEDED,
        second.pk: OfferStatus.SUPERSEDED,
        third.pk: OfferStatus.OPEN,
    }
    made = DisputeEvent.objects.filter(type=EventType.OFFER_MADE).order_by("id")
    assert [e.payload["superseded_offer_id"] for e in made] == [None, first.pk, second.pk]


def test_a_declined_offer_can_be_followed_by_a_new_one(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    services.offer_decline(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)
    again = offer(dispute, seller, "55.00")
    assert again.status == OfferStatus.OPEN
    made.refresh_from_db()
    assert made.status == OfferStatus.DECLINED


def _lapsed(made: Offer, dispute: Dispute) -> None:
    made.refresh_from_db()
    dispute.refresh_from_db()
    assert made.status == OfferStatus.SUPERSEDED
    assert made.decided_at == dispute.closed_at
    assert dispute.outcome != "settled"


@pytest.mark.parametrize("outcome", ["won", "lost", None])
def test_a_staff_decision_lapses_the_open_offer(
    buyer: User, seller: User, outcome: str | None
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller, "45.00")
    services.dispute_close(
        actor=new_staff(), dispute_id=dispute.pk, outcome=outcome, resolution="Decided."
    )
    _lapsed(made, dispute)
    decided = DisputeEvent.objects.get(type__in=[EventType.DECIDED, EventType.CLOSED])
    assert decided.payload["offers_lapsed"] == 1
    with pytest.raises(Conflict) as caught:
        services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)
    assert caught.value.code == "dispute_closed"


def test_withdrawing_the_dispute_lapses_the_open_offer(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    services.dispute_withdraw(actor=buyer, dispute_id=dispute.pk)
    _lapsed(made, dispute)


def test_expiry_lapses_the_open_offer(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, buyer, "70.00")
    make_overdue(dispute)
    assert services.disputes_expire() == 1
    _lapsed(made, dispute)
    assert dispute.outcome == "expired" and dispute.refund_amount == dispute.amount


def test_a_decision_without_an_open_offer_records_no_lapse(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    declined = offer(dispute, seller)
    services.offer_decline(actor=buyer, dispute_id=dispute.pk, offer_id=declined.pk)
    services.dispute_close(actor=new_staff(), dispute_id=dispute.pk, resolution="Closed.")
    assert "offers_lapsed" not in DisputeEvent.objects.get(type=EventType.CLOSED).payload
    declined.refresh_from_db()
    assert declined.status == OfferStatus.DECLINED


def test_the_accepted_offer_stays_accepted(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller, "25.00")
    services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)
    made.refresh_from_db()
    assert made.status == OfferStatus.ACCEPTED
    assert "offers_lapsed" not in DisputeEvent.objects.get(type=EventType.OFFER_ACCEPTED).payload


# --- a settled dispute ----------------------------------------------------------------------------


def test_a_settled_dispute_changes_no_more(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, buyer, "90.00")
    services.offer_accept(actor=seller, dispute_id=dispute.pk, offer_id=made.pk)
    before = snapshot(dispute.pk)
    for call in (
        lambda: offer(dispute, seller),
        lambda: services.dispute_escalate(
            actor=buyer, dispute_id=dispute.pk, reason=ESCALATION_REASON
        ),
        lambda: services.dispute_close(
            actor=new_staff(), dispute_id=dispute.pk, outcome="won", resolution="Late decision."
        ),
        lambda: services.dispute_withdraw(actor=buyer, dispute_id=dispute.pk),
        lambda: services.message_post(actor=buyer, dispute_id=dispute.pk, body="Thanks!"),
    ):
        with pytest.raises(Conflict) as caught:
            call()
        assert caught.value.code == "dispute_closed"
    assert snapshot(dispute.pk) == before


def test_a_settlement_lets_the_order_complete_like_a_decision(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    with pytest.raises(Conflict):
        order_set_status(actor=seller, order_id=dispute.order_id, status=OrderStatus.COMPLETED)
    made = offer(dispute, seller)
    services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)
    order = order_set_status(actor=seller, order_id=dispute.order_id, status=OrderStatus.COMPLETED)
    assert order.status == OrderStatus.COMPLETED


def test_a_settled_order_takes_a_new_dispute(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)
    again = services.dispute_open(
        actor=buyer, order_id=dispute.order_id, reason="It broke again the next week."
    )
    assert again.is_open


def test_escalation_keeps_the_deadline_and_expiry(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    services.dispute_escalate(actor=buyer, dispute_id=dispute.pk, reason=ESCALATION_REASON)
    make_overdue(dispute)
    assert services.disputes_expire() == 1
    dispute.refresh_from_db()
    assert dispute.outcome == "expired" and dispute.escalated_by_id == buyer.pk


def test_an_offer_is_no_response(buyer: User, seller: User) -> None:
    """Only a message answers a dispute: an offer leaves the status and the response time."""
    dispute = dispute_between(buyer, seller)
    offer(dispute, seller)
    dispute.refresh_from_db()
    assert dispute.status == "needs_response" and dispute.first_response_at is None


# --- e-mails --------------------------------------------------------------------------------------


def _recipients() -> list[set[str]]:
    return [set(m.to) for m in mail.outbox]


def test_a_new_offer_mails_the_other_party(
    buyer: User, seller: User, run_tasks: Callable[[], None]
) -> None:
    dispute = dispute_between(buyer, seller)
    run_tasks()
    mail.outbox.clear()
    offer(dispute, seller, "33.00", note="Take a third back?")
    run_tasks()
    assert _recipients() == [{buyer.email}]
    assert mail.outbox[0].subject == f"New offer on dispute #{dispute.pk}"
    assert "33.00 EUR" in mail.outbox[0].body and "Take a third back?" in mail.outbox[0].body


def test_a_settlement_mails_both_parties(
    buyer: User, seller: User, run_tasks: Callable[[], None]
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller, "33.00")
    run_tasks()
    mail.outbox.clear()
    services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=made.pk)
    run_tasks()
    assert _recipients() == [{buyer.email, seller.email}]
    assert mail.outbox[0].subject == f"Dispute #{dispute.pk} was settled"
    assert "refunded 33.00 EUR" in mail.outbox[0].body


def test_an_escalation_mails_both_parties(
    buyer: User, seller: User, run_tasks: Callable[[], None]
) -> None:
    dispute = dispute_between(buyer, seller)
    run_tasks()
    mail.outbox.clear()
    services.dispute_escalate(actor=seller, dispute_id=dispute.pk, reason=ESCALATION_REASON)
    run_tasks()
    assert _recipients() == [{buyer.email, seller.email}]
    assert ESCALATION_REASON in mail.outbox[0].body


def test_decline_mails_the_proposer_and_withdraw_the_other_party(
    buyer: User, seller: User, run_tasks: Callable[[], None]
) -> None:
    dispute = dispute_between(buyer, seller)
    first = offer(dispute, seller)
    run_tasks()
    mail.outbox.clear()
    services.offer_decline(actor=buyer, dispute_id=dispute.pk, offer_id=first.pk)
    run_tasks()
    assert _recipients() == [{seller.email}]
    assert mail.outbox[0].subject == f"Your offer on dispute #{dispute.pk} was declined"
    second = offer(dispute, seller)
    mail.outbox.clear()
    services.offer_withdraw(actor=seller, dispute_id=dispute.pk, offer_id=second.pk)
    # Offer moves are thread activity: the buyer heard of the first offer moments ago, so the
    # second and its withdrawal wait in the buyer's batch, then leave as one digest.
    run_tasks()
    assert mail.outbox == []
    make_due(queued(FLUSH))
    run_tasks()
    assert _recipients() == [{buyer.email}]
    assert mail.outbox[0].subject == f"2 updates on dispute #{dispute.pk}"
    assert f"An offer on dispute #{dispute.pk} was withdrawn" in mail.outbox[0].body


def test_a_refused_offer_mails_nobody(
    buyer: User, seller: User, run_tasks: Callable[[], None]
) -> None:
    dispute = dispute_between(buyer, seller)
    run_tasks()
    mail.outbox.clear()
    with pytest.raises(InvalidInput):
        offer(dispute, seller, "500.00")
    run_tasks()
    assert mail.outbox == []


def test_a_stranger_gets_nothing(buyer: User, seller: User) -> None:
    dispute = dispute_between(buyer, seller)
    with pytest.raises(NotAllowed):
        offer(dispute, new_user())
