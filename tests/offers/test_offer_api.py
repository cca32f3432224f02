"""The offer and escalation endpoints end to end (docs/design.md §6): shapes, statuses and what
each leaves in the database."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, DisputeEvent, DisputeStatus, EventType, Offer, OfferStatus
from tests.assertions import assert_error
from tests.offers.helpers import ESCALATION_REASON, OFFER_FIELDS, dispute_between, offer

pytestmark = pytest.mark.django_db

Clients = Callable[..., APIClient]


def test_propose_returns_the_offer(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller)
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/offers",
        {"amount": 40.5, "note": "  Half, as a gesture.  "},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == OFFER_FIELDS
    made = Offer.objects.get()
    assert data == {
        "id": made.pk,
        "disputeId": dispute.pk,
        "proposedByUserId": seller.pk,
        "proposedByUsername": "seller",
        "amount": 40.5,
        "currency": "EUR",
        "note": "Half, as a gesture.",
        "status": "open",
        "createdAt": made.created_at.isoformat().replace("+00:00", "Z"),
        "decidedAt": None,
    }
    assert b'"amount":40.50' in response.content
    event = DisputeEvent.objects.filter(type=EventType.OFFER_MADE).get()
    assert (event.actor_id, event.payload["offer_id"]) == (seller.pk, made.pk)


def test_detail_carries_the_open_offer(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller)
    detail = client_for(buyer).get(f"/api/disputes/{dispute.pk}").json()
    assert detail["openOffer"] is None
    assert (detail["escalatedAt"], detail["escalatedBy"], detail["escalationReason"]) == (
        None,
        None,
        None,
    )
    made = offer(dispute, seller, "12.34")
    detail = client_for(buyer).get(f"/api/disputes/{dispute.pk}").json()
    assert detail["openOffer"]["id"] == made.pk
    assert detail["openOffer"]["amount"] == 12.34
    assert set(detail["openOffer"]) == OFFER_FIELDS


def test_a_new_offer_supersedes_the_open_one(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    first = offer(dispute, seller, "20.00")
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/offers", {"amount": "60.00"}, format="json"
    )
    assert response.status_code == 201
    first.refresh_from_db()
    assert first.status == OfferStatus.SUPERSEDED and first.decided_at is not None
    listed = client_for(seller).get(f"/api/disputes/{dispute.pk}/offers").json()
    assert [(o["id"], o["status"], o["amount"]) for o in listed] == [
        (response.json()["id"], "open", 60.0),
        (first.pk, "superseded", 20.0),
    ]


def test_accept_settles_the_dispute(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller, "35.00")
    response = client_for(buyer).post(f"/api/disputes/{dispute.pk}/offers/{made.pk}/accept")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["id"] == dispute.pk
    assert (data["status"], data["state"], data["outcome"]) == ("CLOSED", "closed", "settled")
    assert data["refundAmount"] == 35.0
    assert data["resolution"] == (
        "Settled between the parties: the buyer is refunded 35.00 EUR of the 100.00 EUR "
        "disputed, as offered by seller and accepted by buyer."
    )
    assert data["openOffer"] is None and data["closedAt"] is not None
    dispute.refresh_from_db()
    made.refresh_from_db()
    assert made.status == OfferStatus.ACCEPTED and made.decided_at == dispute.closed_at
    assert dispute.closed_by_id == buyer.pk
    event = DisputeEvent.objects.filter(type=EventType.OFFER_ACCEPTED).get()
    assert (event.from_status, event.to_status) == ("needs_response", "closed")


def test_decline_and_withdraw_keep_the_dispute_open(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    response = client_for(buyer).post(f"/api/disputes/{dispute.pk}/offers/{made.pk}/decline")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (made.pk, "declined")
    assert response.json()["decidedAt"] is not None
    second = offer(dispute, seller, "50.00")
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/offers/{second.pk}/withdraw", {}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["status"]) == (second.pk, "withdrawn")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE and dispute.outcome == ""


@pytest.mark.parametrize("move", ["accept", "decline", "withdraw"])
def test_an_offer_that_is_not_open_is_409(
    move: str, buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    offer(dispute, seller, "41.00")  # supersedes `made`
    actor = seller if move == "withdraw" else buyer
    response = client_for(actor).post(f"/api/disputes/{dispute.pk}/offers/{made.pk}/{move}")
    assert_error(response, 409, "offer_not_open")


def test_an_offer_of_another_dispute_is_404(buyer: User, seller: User, client_for: Clients) -> None:
    one = dispute_between(buyer, seller)
    other = dispute_between(buyer, seller)
    made = offer(other, seller)
    response = client_for(buyer).post(f"/api/disputes/{one.pk}/offers/{made.pk}/accept")
    assert_error(response, 404, "offer_not_found")
    made.refresh_from_db()
    assert made.status == OfferStatus.OPEN


def test_a_decided_dispute_takes_no_offers(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller, state=DisputeStatus.LOST)
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/offers", {"amount": "10.00"}, format="json"
    )
    assert_error(response, 409, "dispute_closed")
    assert not Offer.objects.exists()


def test_escalate(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller)
    respond_by = dispute.respond_by
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/escalate", {"reason": f"  {ESCALATION_REASON} "}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    dispute.refresh_from_db()
    assert dispute.escalated_at is not None
    assert data["escalatedAt"] == dispute.escalated_at.isoformat().replace("+00:00", "Z")
    assert (data["escalatedBy"], data["escalationReason"]) == (seller.pk, ESCALATION_REASON)
    assert (data["state"], data["respondBy"]) == (
        "needs_response",
        respond_by.isoformat().replace("+00:00", "Z"),
    )
    again = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/escalate", {"reason": ESCALATION_REASON}, format="json"
    )
    assert_error(again, 409, "already_escalated")
    assert DisputeEvent.objects.filter(type=EventType.ESCALATED).count() == 1


@pytest.mark.parametrize(
    ("reason", "field"),
    [("", "reason"), ("too short", "reason"), ("x" * 501, "reason"), ("    short   ", "reason")],
)
def test_escalation_reason_bounds(
    reason: str, field: str, buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/escalate", {"reason": reason}, format="json"
    )
    body = assert_error(response, 400, "validation_error")
    assert field in body["details"]
    assert Dispute.objects.get(pk=dispute.pk).escalated_at is None


def test_escalation_reason_of_exactly_ten_and_five_hundred(
    buyer: User, seller: User, client_for: Clients
) -> None:
    for reason in ("x" * 10, "y" * 500):
        dispute = dispute_between(buyer, seller)
        response = client_for(buyer).post(
            f"/api/disputes/{dispute.pk}/escalate", {"reason": reason}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["escalationReason"] == reason


def test_a_decided_dispute_cannot_be_escalated(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller, state=DisputeStatus.WON)
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/escalate", {"reason": ESCALATION_REASON}, format="json"
    )
    assert_error(response, 409, "dispute_closed")


def test_unknown_fields_are_400(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller)
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/offers", {"amount": "5.00", "price": 5}, format="json"
    )
    assert assert_error(response, 400)["details"] == {"price": ["Unknown field."]}
    made = offer(dispute, seller)
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/offers/{made.pk}/accept", {"x": 1}, format="json"
    )
    assert_error(response, 400)
    made.refresh_from_db()
    assert made.status == OfferStatus.OPEN


def test_note_too_long_is_400(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller)
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/offers", {"amount": "5.00", "note": "n" * 501}, format="json"
    )
    assert assert_error(response, 400)["details"] == {"note": ["At most 500 characters."]}
    assert not Offer.objects.exists()


def test_missing_amount_is_400(buyer: User, seller: User, client_for: Clients) -> None:
    dispute = dispute_between(buyer, seller)
    response = client_for(seller).post(f"/api/disputes/{dispute.pk}/offers", {}, format="json")
    assert "amount" in assert_error(response, 400)["details"]


@override_settings(DEBUG=True)
def test_seed_demo_has_an_open_offer_a_settlement_and_an_escalation() -> None:
    call_command("seed_demo", stdout=io.StringIO())
    buyer = User.objects.get(email="buyer@example.com")
    disputes = Dispute.objects.filter(buyer=buyer)
    assert Offer.objects.filter(dispute__buyer=buyer, status=OfferStatus.OPEN).count() == 1
    settled = disputes.get(outcome="settled")
    assert (settled.status, settled.refund_amount) == (DisputeStatus.CLOSED, Decimal("12.00"))
    escalated = disputes.get(escalated_at__isnull=False)
    assert escalated.is_open and escalated.escalated_by_id == buyer.pk
    offers = Offer.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Offer.objects.count() == offers


def _queries(client: APIClient, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def test_offer_list_queries_do_not_grow_with_offers(
    buyer: User, seller: User, client_for: Clients
) -> None:
    """The user, the dispute (the policy's object) and the page with its proposers, however
    many offers there are."""
    dispute = dispute_between(buyer, seller)
    client = client_for(buyer)
    url = f"/api/disputes/{dispute.pk}/offers"
    offer(dispute, seller, "1.00")
    one = _queries(client, url)
    for i in range(20):
        offer(dispute, (buyer, seller)[i % 2], f"{i + 2}.00")
    assert _queries(client, url) == one == 3
    assert len(client.get(url).json()) == 21
    page = client.get(url, {"pageSize": 5, "page": 2}).json()
    assert [o["amount"] for o in page] == [16.0, 15.0, 14.0, 13.0, 12.0]
