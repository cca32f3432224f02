"""Offer races on real PostgreSQL with real threads (docs/design.md §4, Offers): the dispute's
row lock and the re-read of the offer after it give exactly one winner, and 409 to the rest."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from disputes import services
from disputes.models import Dispute, DisputeEvent, EventType, Offer, OfferStatus, Outcome
from echo_disputes.errors import Conflict
from tests.conftest import bearer
from tests.disputes.test_concurrency import _errors, _ok, run_parallel
from tests.factories import make_dispute, new_staff
from tests.offers.helpers import ESCALATION_REASON

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

ROUNDS = 4


def _only_conflicts(errors: list[Exception]) -> None:
    assert errors and all(isinstance(e, Conflict) for e in errors), errors


def _settled_or_decided_once(dispute: Dispute) -> str:
    """The dispute ended exactly once: one terminal event, and the row agrees with it."""
    dispute.refresh_from_db()
    terminal = list(
        DisputeEvent.objects.filter(dispute=dispute)
        .exclude(to_status="")
        .exclude(to_status__in=["needs_response", "under_review"])
        .values_list("type", flat=True)
    )
    assert len(terminal) == 1, terminal
    settled = dispute.outcome == Outcome.SETTLED
    accepted = Offer.objects.filter(dispute=dispute, status=OfferStatus.ACCEPTED).count()
    assert accepted == (1 if settled else 0)
    assert (terminal[0] == EventType.OFFER_ACCEPTED) == settled
    assert not Offer.objects.filter(dispute=dispute, status=OfferStatus.OPEN).exists()
    return str(terminal[0])


def _race(work: list[Callable[..., Any]]) -> list[tuple[str, Any]]:
    return run_parallel(len(work), lambda i: work[i]())


def test_accept_against_withdraw_has_one_winner() -> None:
    for _ in range(ROUNDS):
        dispute = make_dispute()
        offer = services.offer_propose(
            actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("20.00")
        )
        results = _race(
            [
                lambda d=dispute, o=offer: services.offer_accept(
                    actor=d.buyer, dispute_id=d.pk, offer_id=o.pk
                ),
                lambda d=dispute, o=offer: services.offer_withdraw(
                    actor=d.seller, dispute_id=d.pk, offer_id=o.pk
                ),
            ]
        )
        assert len(_ok(results)) == 1
        _only_conflicts(_errors(results))
        offer.refresh_from_db()
        assert offer.status in (OfferStatus.ACCEPTED, OfferStatus.WITHDRAWN)
        dispute.refresh_from_db()
        assert (dispute.outcome == Outcome.SETTLED) == (offer.status == OfferStatus.ACCEPTED)
        assert dispute.is_open == (offer.status == OfferStatus.WITHDRAWN)


def test_ten_accepts_through_the_api_settle_once() -> None:
    dispute = make_dispute()
    offer = services.offer_propose(
        actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("35.00")
    )
    headers = bearer(dispute.buyer)
    url = f"/api/disputes/{dispute.pk}/offers/{offer.pk}/accept"

    def accept(i: int) -> Any:
        client = APIClient()
        client.credentials(**headers)
        return client.post(url, {}, format="json")

    results = run_parallel(10, accept)
    assert _errors(results) == []
    responses = _ok(results)
    assert sorted(r.status_code for r in responses) == [200] + [409] * 9
    for response in responses:
        if response.status_code == 409:
            assert response.json()["code"] in ("dispute_closed", "offer_not_open")
    assert _settled_or_decided_once(dispute) == EventType.OFFER_ACCEPTED
    dispute.refresh_from_db()
    assert dispute.refund_amount == Decimal("35.00")


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_accept_against_a_staff_decision_is_never_both(outcome: str) -> None:
    staff = new_staff()
    for _ in range(ROUNDS):
        dispute = make_dispute(staff=staff)
        offer = services.offer_propose(
            actor=dispute.buyer, dispute_id=dispute.pk, amount=Decimal("50.00")
        )
        results = _race(
            [
                lambda d=dispute, o=offer: services.offer_accept(
                    actor=d.seller, dispute_id=d.pk, offer_id=o.pk
                ),
                lambda d=dispute: services.dispute_close(
                    actor=staff, dispute_id=d.pk, outcome=outcome, resolution="Decided."
                ),
            ]
        )
        assert len(_ok(results)) == 1
        _only_conflicts(_errors(results))
        ended = _settled_or_decided_once(dispute)
        dispute.refresh_from_db()
        offer.refresh_from_db()
        if ended == EventType.OFFER_ACCEPTED:
            assert (dispute.status, dispute.closed_by_id) == ("closed", dispute.seller_id)
        else:
            assert dispute.status == ("won" if outcome == "won" else "lost")
            assert offer.status == OfferStatus.SUPERSEDED


def test_parallel_proposals_leave_one_open_offer() -> None:
    dispute = make_dispute()
    parties = [dispute.buyer, dispute.seller]
    results = run_parallel(
        10,
        lambda i: services.offer_propose(
            actor=parties[i % 2], dispute_id=dispute.pk, amount=Decimal(10 + i)
        ),
    )
    assert _errors(results) == []
    offers = Offer.objects.filter(dispute=dispute)
    assert offers.count() == 10
    assert offers.filter(status=OfferStatus.OPEN).count() == 1
    assert offers.filter(status=OfferStatus.SUPERSEDED).count() == 9
    # The open one is the last made: each proposal superseded the one before it.
    newest = offers.order_by("-created_at", "-id").first()
    assert newest is not None and newest.status == OfferStatus.OPEN


def test_parallel_escalations_escalate_once() -> None:
    dispute = make_dispute()
    parties = [dispute.buyer, dispute.seller]
    results = run_parallel(
        8,
        lambda i: services.dispute_escalate(
            actor=parties[i % 2], dispute_id=dispute.pk, reason=ESCALATION_REASON
        ),
    )
    assert len(_ok(results)) == 1
    errors = _errors(results)
    _only_conflicts(errors)
    assert {e.code for e in errors} == {"already_escalated"}  # type: ignore[attr-defined]
    assert DisputeEvent.objects.filter(dispute=dispute, type=EventType.ESCALATED).count() == 1
