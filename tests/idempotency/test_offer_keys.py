"""`Idempotency-Key` on the offer and escalation endpoints (docs/design.md §6, Idempotent writes):
a retry replays the first answer without a second write, another body with the key is 422, and
the object's own checks (404, 403) come before the key is looked at."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import DisputeEvent, EventType, Offer, OfferStatus
from idempotency.models import IdempotencyKey
from tests.offers.helpers import ESCALATION_REASON, dispute_between, offer

pytestmark = pytest.mark.django_db

Clients = Callable[..., APIClient]
KEY = "offer-retry-5e2a91"


def keyed(key: str = KEY) -> dict[str, Any]:
    return {"HTTP_IDEMPOTENCY_KEY": key}


def test_a_retried_offer_is_replayed_not_made_twice(
    buyer: User, seller: User, client_for: Clients, run_tasks: Callable[[], None]
) -> None:
    dispute = dispute_between(buyer, seller)
    client = client_for(seller)
    url = f"/api/disputes/{dispute.pk}/offers"
    run_tasks()
    mail.outbox.clear()

    first = client.post(url, {"amount": "40.00", "note": "Half back."}, format="json", **keyed())
    run_tasks()
    queued = DBTaskResult.objects.count()
    again = client.post(url, {"note": "Half back.", "amount": "40.00"}, format="json", **keyed())
    run_tasks()

    assert first.status_code == again.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    # One offer, not a second superseding the first, and nothing more queued for the buyer.
    assert list(Offer.objects.filter(dispute=dispute).values_list("status", flat=True)) == [
        OfferStatus.OPEN
    ]
    assert DBTaskResult.objects.count() == queued
    assert DisputeEvent.objects.filter(dispute=dispute, type=EventType.OFFER_MADE).count() == 1


def test_the_same_key_with_another_offer_is_422_and_makes_nothing(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    client = client_for(seller)
    url = f"/api/disputes/{dispute.pk}/offers"
    assert client.post(url, {"amount": "40.00"}, format="json", **keyed()).status_code == 201

    response = client.post(url, {"amount": "45.00"}, format="json", **keyed())

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert [str(amount) for amount in Offer.objects.values_list("amount", flat=True)] == ["40.00"]


def test_a_retried_accept_replays_its_200_instead_of_409(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    client = client_for(buyer)
    url = f"/api/disputes/{dispute.pk}/offers/{made.pk}/accept"

    first = client.post(url, {}, format="json", **keyed())
    again = client.post(url, {}, format="json", **keyed())
    unkeyed = client.post(url, {}, format="json")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.json()["status"] == "CLOSED"
    assert unkeyed.status_code == 409
    assert unkeyed.json()["code"] == "dispute_closed"
    assert DisputeEvent.objects.filter(dispute=dispute, type=EventType.OFFER_ACCEPTED).count() == 1


@pytest.mark.parametrize(("move", "by"), [("decline", "buyer"), ("withdraw", "seller")])
def test_a_retried_decline_or_withdraw_replays_its_200(
    buyer: User, seller: User, client_for: Clients, move: str, by: str
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    client = client_for(buyer if by == "buyer" else seller)
    url = f"/api/disputes/{dispute.pk}/offers/{made.pk}/{move}"

    first = client.post(url, {}, format="json", **keyed())
    again = client.post(url, {}, format="json", **keyed())

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again.json()["status"] == ("declined" if move == "decline" else "withdrawn")
    assert client.post(url, {}, format="json").status_code == 409


def test_the_key_of_one_offer_answer_on_another_offer_is_422(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    first = offer(dispute, seller)
    client = client_for(buyer)
    url = f"/api/disputes/{dispute.pk}/offers/{first.pk}/decline"
    assert client.post(url, {}, format="json", **keyed()).status_code == 200
    second = offer(dispute, seller, amount="50.00")

    response = client.post(
        f"/api/disputes/{dispute.pk}/offers/{second.pk}/decline", {}, format="json", **keyed()
    )

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Offer.objects.get(pk=second.pk).status == OfferStatus.OPEN


def test_a_retried_escalation_replays_its_200_instead_of_409(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    client = client_for(seller)
    url = f"/api/disputes/{dispute.pk}/escalate"

    first = client.post(url, {"reason": ESCALATION_REASON}, format="json", **keyed())
    again = client.post(url, {"reason": ESCALATION_REASON}, format="json", **keyed())
    other = client.post(url, {"reason": f"{ESCALATION_REASON} Now."}, format="json", **keyed())
    unkeyed = client.post(url, {"reason": ESCALATION_REASON}, format="json")

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert unkeyed.status_code == 409
    assert unkeyed.json()["code"] == "already_escalated"
    assert DisputeEvent.objects.filter(dispute=dispute, type=EventType.ESCALATED).count() == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("offers", {"amount": "10.00"}),
        ("escalate", {"reason": ESCALATION_REASON}),
        ("offers/{offer}/accept", {}),
        ("offers/{offer}/decline", {}),
        ("offers/{offer}/withdraw", {}),
    ],
)
def test_a_stranger_with_a_key_gets_the_same_403_as_without(
    buyer: User,
    seller: User,
    stranger: User,
    client_for: Clients,
    path: str,
    body: dict[str, str],
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)
    client = client_for(stranger)
    url = f"/api/disputes/{dispute.pk}/" + path.format(offer=made.pk)

    # Not even a malformed key is looked at before the caller is known to be allowed.
    with_key = client.post(url, body, format="json", **keyed(""))
    without = client.post(url, body, format="json")

    assert with_key.status_code == without.status_code == 403
    assert with_key.json() == without.json()
    assert not IdempotencyKey.objects.exists()
    assert Offer.objects.get(pk=made.pk).status == OfferStatus.OPEN


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/api/disputes/999999/offers", {"amount": "10.00"}, "dispute_not_found"),
        ("/api/disputes/999999/escalate", {"reason": ESCALATION_REASON}, "dispute_not_found"),
        ("/api/disputes/999999/offers/1/accept", {}, "dispute_not_found"),
        ("/api/disputes/{dispute}/offers/999999/accept", {}, "offer_not_found"),
        ("/api/disputes/{dispute}/offers/999999/decline", {}, "offer_not_found"),
        ("/api/disputes/{dispute}/offers/999999/withdraw", {}, "offer_not_found"),
    ],
)
def test_a_missing_dispute_or_offer_is_the_same_404_with_a_key(
    buyer: User, seller: User, client_for: Clients, path: str, body: dict[str, str], code: str
) -> None:
    dispute = dispute_between(buyer, seller)
    client = client_for(buyer)
    url = path.format(dispute=dispute.pk)

    with_key = client.post(url, body, format="json", **keyed())
    without = client.post(url, body, format="json")

    assert with_key.status_code == without.status_code == 404
    assert with_key.json() == without.json()
    assert with_key.json()["code"] == code
    assert not IdempotencyKey.objects.exists()


def test_a_malformed_key_on_an_offer_answer_is_400_and_changes_nothing(
    buyer: User, seller: User, client_for: Clients
) -> None:
    dispute = dispute_between(buyer, seller)
    made = offer(dispute, seller)

    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/offers/{made.pk}/accept",
        {},
        format="json",
        **keyed("x" * 256),
    )

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert Offer.objects.get(pk=made.pk).status == OfferStatus.OPEN
