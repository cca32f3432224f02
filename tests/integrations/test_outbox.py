"""The outbox (docs/webhooks.md): each business action writes its events, in the party API's
shapes, in the action's own transaction; nothing internal is ever written, and a rolled-back
change writes nothing."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.db import transaction
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.api.party.serializers import DisputeOutput
from disputes.models import Dispute, DisputeStatus, Visibility
from echo_disputes.errors import Conflict
from integrations.models import OutboundEvent
from integrations.outbox import EVENT_TYPES
from tests.factories import make_dispute, make_order, make_overdue
from tests.offers.helpers import ESCALATION_REASON
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db

Clients = Callable[..., APIClient]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
TEXT_FILE = b"Paid 100.00 EUR for order 7, receipt attached.\n"


@pytest.fixture(autouse=True)
def evidence_root(settings: LazySettings, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    yield root


def exact(response: Any) -> Any:
    """A response's JSON with its numbers as written (24.50 stays Decimal('24.50'))."""
    return json.loads(response.content, parse_float=Decimal)


def events(dispute: Dispute | None = None) -> list[OutboundEvent]:
    rows = OutboundEvent.objects.order_by("id")
    return list(rows if dispute is None else rows.filter(dispute_id=dispute.pk))


def after(mark: int, dispute: Dispute | None = None) -> list[OutboundEvent]:
    return [event for event in events(dispute) if event.pk > mark]


def last_id() -> int:
    newest = OutboundEvent.objects.order_by("-id").first()
    return 0 if newest is None else newest.pk


def party_shape(client: APIClient, dispute_id: int) -> dict[str, Any]:
    """The dispute as its party reads it from the API now, in DisputeOutput's keys."""
    response = client.get(f"/api/disputes/{dispute_id}")
    assert response.status_code == 200
    detail = exact(response)
    return {key: detail[key] for key in DisputeOutput.Meta.fields}


def check_row(event: OutboundEvent, dispute: Dispute, type: str) -> dict[str, Any]:
    """The row's own columns and the body's envelope; returns the body's data."""
    assert (event.type, event.dispute_id, event.buyer_id, event.seller_id) == (
        type,
        dispute.pk,
        dispute.buyer_id,
        dispute.seller_id,
    )
    body = event.body
    assert set(body) == {"id", "type", "createdAt", "data"}
    assert body["id"] == str(event.pk)
    assert body["type"] == type
    assert ISO_Z.match(body["createdAt"]), body["createdAt"]
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture
def dispute(buyer: User, seller: User) -> Dispute:
    return make_dispute(order=make_order(buyer=buyer, seller=seller))


# --- each event, once, with its exact body ------------------------------------------------------


def test_opening_writes_dispute_opened_with_the_party_shape(
    buyer: User, seller: User, client_for: Clients
) -> None:
    order = make_order(buyer=buyer, seller=seller)
    response = client_for(buyer).post(
        "/api/disputes",
        {"orderId": order.pk, "reason": "The parcel arrived empty, nothing inside."},
        format="json",
    )
    assert response.status_code == 201
    dispute = Dispute.objects.get(pk=response.json()["id"])
    [event] = events()
    data = check_row(event, dispute, "dispute.opened")
    assert data == {"dispute": party_shape(client_for(seller), dispute.pk)}
    assert data["dispute"]["state"] == "needs_response"
    assert data["dispute"]["amount"] == Decimal("100.00")
    assert data["dispute"]["createdByUsername"] == "buyer"


def test_the_respondents_first_message_is_message_created_then_dispute_updated(
    dispute: Dispute, seller: User, client_for: Clients
) -> None:
    mark = last_id()
    response = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "Here is my side."}, format="json"
    )
    assert response.status_code == 201
    created, updated = after(mark)
    shape = party_shape(client_for(seller), dispute.pk)
    data = check_row(created, dispute, "message.created")
    assert data["message"] == exact(response)
    # Each event's dispute is as it stood right after that event.
    assert data["dispute"]["state"] == "needs_response"
    assert data == {
        "dispute": {**shape, "state": "needs_response"},
        "message": exact(response),
    }
    data = check_row(updated, dispute, "dispute.updated")
    assert data == {"dispute": shape, "previousState": "needs_response"}
    assert shape["state"] == "under_review"


def test_a_later_public_message_is_only_message_created(
    dispute: Dispute, buyer: User, client_for: Clients
) -> None:
    mark = last_id()
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "Any news?"}, format="json"
    )
    [created] = after(mark)
    assert check_row(created, dispute, "message.created") == {
        "dispute": party_shape(client_for(buyer), dispute.pk),
        "message": exact(response),
    }


def test_a_staff_public_message_is_message_created(dispute: Dispute, staff: User) -> None:
    mark = last_id()
    message = services.message_post(actor=staff, dispute_id=dispute.pk, body="We are looking.")
    [created] = after(mark)
    data = check_row(created, dispute, "message.created")
    assert data["message"]["id"] == message.pk
    assert data["message"]["visibility"] == "public"


def test_an_internal_note_writes_nothing(dispute: Dispute, staff: User) -> None:
    mark = last_id()
    services.message_post(
        actor=staff,
        dispute_id=dispute.pk,
        body="The seller has done this before.",
        visibility=Visibility.INTERNAL,
    )
    assert after(mark) == []


def test_public_evidence_is_evidence_added(
    dispute: Dispute, buyer: User, client_for: Clients
) -> None:
    mark = last_id()
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/evidence",
        {"file": io.BytesIO(TEXT_FILE), "kind": "receipt"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    [added] = after(mark)
    assert check_row(added, dispute, "evidence.added") == {
        "dispute": party_shape(client_for(buyer), dispute.pk),
        "evidence": exact(response),
    }


def test_internal_evidence_writes_nothing(dispute: Dispute, staff: User) -> None:
    mark = last_id()
    services.evidence_add(
        actor=staff,
        dispute_id=dispute.pk,
        upload=io.BytesIO(TEXT_FILE),
        file_name="notes.txt",
        visibility=Visibility.INTERNAL,
    )
    assert after(mark) == []


def test_offers_created_declined_then_accepted(
    dispute: Dispute, buyer: User, seller: User, client_for: Clients
) -> None:
    mark = last_id()
    made = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/offers", {"amount": "30.00", "note": "Half?"}, format="json"
    )
    assert made.status_code == 201
    [created] = after(mark)
    offer_id = made.json()["id"]
    assert check_row(created, dispute, "offer.created") == {
        "dispute": party_shape(client_for(buyer), dispute.pk),
        "offer": exact(made),
    }
    assert created.body["data"]["offer"]["amount"] == Decimal("30.00")

    mark = last_id()
    declined = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/offers/{offer_id}/decline", {}, format="json"
    )
    assert declined.status_code == 200
    [event] = after(mark)
    data = check_row(event, dispute, "offer.declined")
    assert data["offer"]["status"] == "declined"
    assert data["offer"]["id"] == offer_id
    assert data["dispute"] == party_shape(client_for(buyer), dispute.pk)

    second = client_for(seller).post(
        f"/api/disputes/{dispute.pk}/offers", {"amount": "40.00"}, format="json"
    )
    mark = last_id()
    accepted = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/offers/{second.json()['id']}/accept", {}, format="json"
    )
    assert accepted.status_code == 200
    accept, updated, closed = after(mark)
    shape = party_shape(client_for(buyer), dispute.pk)
    data = check_row(accept, dispute, "offer.accepted")
    assert data["offer"]["status"] == "accepted"
    assert data["offer"]["amount"] == Decimal("40.00")
    assert data["dispute"]["state"] == "needs_response"
    assert check_row(updated, dispute, "dispute.updated") == {
        "dispute": shape,
        "previousState": "needs_response",
    }
    assert check_row(closed, dispute, "dispute.closed") == {"dispute": shape}
    assert (shape["state"], shape["outcome"], shape["refundAmount"]) == (
        "closed",
        "settled",
        Decimal("40.00"),
    )


def test_escalation_is_dispute_escalated(
    dispute: Dispute, buyer: User, client_for: Clients
) -> None:
    mark = last_id()
    response = client_for(buyer).post(
        f"/api/disputes/{dispute.pk}/escalate", {"reason": ESCALATION_REASON}, format="json"
    )
    assert response.status_code == 200
    [event] = after(mark)
    shape = party_shape(client_for(buyer), dispute.pk)
    assert check_row(event, dispute, "dispute.escalated") == {"dispute": shape}
    assert shape["escalationReason"] == ESCALATION_REASON


def test_staff_taking_up_is_dispute_updated(dispute: Dispute, staff: User) -> None:
    mark = last_id()
    services.dispute_take_up(actor=staff, dispute_id=dispute.pk)
    [event] = after(mark)
    data = check_row(event, dispute, "dispute.updated")
    assert (data["previousState"], data["dispute"]["state"]) == ("needs_response", "under_review")


def test_a_decision_for_the_buyer_is_updated_then_closed_with_outcome_and_refund(
    dispute: Dispute, buyer: User, staff: User, client_for: Clients
) -> None:
    mark = last_id()
    response = client_for(staff).patch(
        f"/api/disputes/{dispute.pk}/close",
        {"resolution": "Refund part.", "outcome": "lost", "refundAmount": "45.50"},
        format="json",
    )
    assert response.status_code == 200
    updated, closed = after(mark)
    shape = party_shape(client_for(buyer), dispute.pk)
    assert check_row(updated, dispute, "dispute.updated") == {
        "dispute": shape,
        "previousState": "needs_response",
    }
    assert check_row(closed, dispute, "dispute.closed") == {"dispute": shape}
    assert (shape["state"], shape["outcome"], shape["refundAmount"], shape["resolution"]) == (
        "lost",
        "lost",
        Decimal("45.50"),
        "Refund part.",
    )


def test_withdrawal_is_closed_with_outcome_withdrawn(dispute: Dispute, buyer: User) -> None:
    mark = last_id()
    services.dispute_withdraw(actor=buyer, dispute_id=dispute.pk)
    updated, closed = after(mark)
    assert [e.type for e in (updated, closed)] == ["dispute.updated", "dispute.closed"]
    shape = check_row(closed, dispute, "dispute.closed")["dispute"]
    assert (shape["state"], shape["outcome"], shape["refundAmount"]) == (
        "closed",
        "withdrawn",
        None,
    )


def test_expiry_is_closed_with_outcome_expired_and_the_refund(dispute: Dispute) -> None:
    make_overdue(dispute)
    mark = last_id()
    assert services.disputes_expire() == 1
    updated, closed = after(mark)
    check_row(updated, dispute, "dispute.updated")
    shape = check_row(closed, dispute, "dispute.closed")["dispute"]
    assert (shape["state"], shape["outcome"], shape["refundAmount"]) == (
        "lost",
        "expired",
        Decimal("100.00"),
    )
    assert shape["createdByUsername"] == "buyer"


def test_a_chargeback_opens_supersedes_and_closes_through_events(
    dispute: Dispute, buyer: User, client_for: Clients
) -> None:
    order = dispute.order
    mark = last_id()
    assert post_event(event_doc(order, event_id="evt_1")).status_code == 200
    superseded_update, superseded_close, opened = after(mark)
    check_row(superseded_update, dispute, "dispute.updated")
    closed_shape = check_row(superseded_close, dispute, "dispute.closed")["dispute"]
    assert (closed_shape["state"], closed_shape["outcome"]) == ("closed", None)
    chargeback = Dispute.objects.get(provider_dispute_id="dp_1")
    data = check_row(opened, chargeback, "dispute.opened")
    assert data["dispute"]["kind"] == "chargeback"
    assert data["dispute"]["createdByUsername"] == "payment-provider"
    assert data["dispute"]["amount"] == Decimal("60.00")

    mark = last_id()
    lost = event_doc(order, event_id="evt_2", type="dispute.closed", created=1_767_225_700)
    lost["data"]["status"] = "lost"
    assert post_event(lost).status_code == 200
    updated, closed = after(mark)
    shape = party_shape(client_for(buyer), chargeback.pk)
    assert check_row(updated, chargeback, "dispute.updated") == {
        "dispute": shape,
        "previousState": "needs_response",
    }
    assert check_row(closed, chargeback, "dispute.closed") == {"dispute": shape}
    assert (shape["outcome"], shape["refundAmount"]) == ("lost", Decimal("60.00"))


def test_a_provider_update_without_a_new_status_writes_nothing(dispute: Dispute) -> None:
    order = dispute.order
    assert post_event(event_doc(order, event_id="evt_1")).status_code == 200
    mark = last_id()
    again = event_doc(order, event_id="evt_2", type="dispute.updated", created=1_767_225_700)
    assert post_event(again).status_code == 200
    assert after(mark) == []


def test_one_dispute_life_writes_every_type_once_in_order(
    buyer: User, seller: User, staff: User
) -> None:
    dispute = make_dispute(order=make_order(buyer=buyer, seller=seller))
    services.message_post(actor=seller, dispute_id=dispute.pk, body="Here is my side.")
    services.evidence_add(
        actor=buyer, dispute_id=dispute.pk, upload=io.BytesIO(TEXT_FILE), file_name="r.txt"
    )
    first = services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("20"))
    services.offer_decline(actor=buyer, dispute_id=dispute.pk, offer_id=first.pk)
    services.dispute_escalate(actor=buyer, dispute_id=dispute.pk, reason=ESCALATION_REASON)
    second = services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("30"))
    services.offer_accept(actor=buyer, dispute_id=dispute.pk, offer_id=second.pk)
    assert [event.type for event in events(dispute)] == [
        "dispute.opened",
        "message.created",
        "dispute.updated",
        "evidence.added",
        "offer.created",
        "offer.declined",
        "dispute.escalated",
        "offer.created",
        "offer.accepted",
        "dispute.updated",
        "dispute.closed",
    ]
    assert {event.type for event in events(dispute)} == set(EVENT_TYPES)


def test_a_withdrawn_offer_writes_nothing(dispute: Dispute, seller: User) -> None:
    made = services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("20"))
    mark = last_id()
    services.offer_withdraw(actor=seller, dispute_id=dispute.pk, offer_id=made.pk)
    assert after(mark) == []


# --- nothing from what does not commit ------------------------------------------------------------


def test_a_rolled_back_change_writes_no_event(dispute: Dispute, seller: User) -> None:
    mark = last_id()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.message_post(actor=seller, dispute_id=dispute.pk, body="Here is my side.")
        assert [event.type for event in after(mark)] == ["message.created", "dispute.updated"]
        raise RuntimeError("the caller fails after the service")
    assert after(mark) == []
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE


def test_a_refused_move_writes_no_event(dispute: Dispute, staff: User) -> None:
    services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Closed.")
    mark = last_id()
    with pytest.raises(Conflict):
        services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Again.")
    assert after(mark) == []


def test_a_rolled_back_opening_writes_no_event(buyer: User, seller: User) -> None:
    order = make_order(buyer=buyer, seller=seller)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dispute_open(
            actor=buyer, order_id=order.pk, reason="The parcel arrived empty, nothing inside."
        )
        raise RuntimeError("rolled back")
    assert events() == []


# --- what the row keeps ----------------------------------------------------------------------


def test_money_reads_back_as_the_exact_decimal_it_was_written(
    dispute: Dispute, seller: User
) -> None:
    services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("12.50"))
    stored = OutboundEvent.objects.get(type="offer.created")
    assert stored.data["offer"]["amount"] == Decimal("12.50")
    assert str(stored.data["offer"]["amount"]) == "12.50"
    assert stored.data["dispute"]["amount"] == Decimal("100.00")
    assert str(stored.data["dispute"]["amount"]) == "100.00"
