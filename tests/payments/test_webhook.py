from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from disputes.models import (
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeStatus,
    EventType,
    PaymentEvent,
)
from tests.assertions import assert_error
from tests.factories import make_dispute
from tests.payments.helpers import T0, event_doc, post_event, post_raw, sign

pytestmark = pytest.mark.django_db


def chargeback() -> Dispute:
    return Dispute.objects.get(kind=DisputeKind.CHARGEBACK)


# --- signature -----------------------------------------------------------------------------------


def test_missing_signature_is_401_and_stores_nothing(order: Any) -> None:
    body = assert_error(post_event(event_doc(order), signature=None), 401, "invalid_signature")
    assert "X-Echo-Signature" in body["error"]
    assert not PaymentEvent.objects.exists() and not Dispute.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "sha256=",
        "garbage",
        "sha1=0123",
        sign(b"{}"),  # a valid signature of another body
        sign(b"x", secret="another-secret"),
        "sha256=\u00e9\u00e9",  # non-ASCII must not crash the constant-time compare
    ],
)
def test_wrong_signature_is_401(order: Any, signature: str) -> None:
    assert_error(post_event(event_doc(order), signature=signature), 401, "invalid_signature")
    assert not PaymentEvent.objects.exists()


def test_signature_covers_the_raw_bytes_not_the_parsed_json(order: Any) -> None:
    raw = json.dumps(event_doc(order)).encode()
    reformatted = json.dumps(event_doc(order), indent=2).encode()
    assert_error(post_raw(reformatted, signature=sign(raw)), 401)
    assert post_raw(reformatted, signature=sign(reformatted)).status_code == 200


def test_signature_checked_before_parsing(order: Any) -> None:
    assert_error(post_raw(b"not json", signature="sha256=00"), 401, "invalid_signature")


@override_settings(PAYMENTS_WEBHOOK_SECRET="")
def test_no_configured_secret_refuses_everything(order: Any) -> None:
    raw = json.dumps(event_doc(order)).encode()
    assert_error(post_raw(raw, signature=sign(raw, secret="")), 401)


def test_webhook_needs_no_jwt_and_no_csrf(order: Any) -> None:
    from django.test import Client

    response = post_event(event_doc(order), client=Client(enforce_csrf_checks=True))
    assert response.status_code == 200, response.content


# --- malformed -----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"', b"{bad", b"\xff\xfe"])
def test_body_that_is_not_a_json_object_is_400(raw: bytes) -> None:
    assert_error(post_raw(raw), 400)


def test_nan_amount_is_400(order: Any) -> None:
    raw = json.dumps(event_doc(order)).replace('"60.00"', "NaN").encode()
    assert_error(post_raw(raw), 400)


def _without(doc: dict[str, Any], *path: str) -> dict[str, Any]:
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return doc


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: _without(d, "id"), "id"),
        (lambda d: _without(d, "type"), "type"),
        (lambda d: _without(d, "created"), "created"),
        (lambda d: _without(d, "data"), "data"),
        (lambda d: _without(d, "data", "dispute_id"), "data.dispute_id"),
        (lambda d: _without(d, "data", "transaction_id"), "data.transaction_id"),
        (lambda d: _without(d, "data", "amount"), "data.amount"),
        (lambda d: _without(d, "data", "currency"), "data.currency"),
        (lambda d: _without(d, "data", "status"), "data.status"),
        (lambda d: {**d, "id": 123}, "id"),
        (lambda d: {**d, "type": "charge.refunded"}, "type"),
        (lambda d: {**d, "created": "1767225600"}, "created"),
        (lambda d: {**d, "created": 1767225600.5}, "created"),
        (lambda d: {**d, "created": True}, "created"),
        (lambda d: {**d, "created": -1}, "created"),
        (lambda d: {**d, "created": 10**20}, "created"),
        (lambda d: {**d, "data": "x"}, "data.non_field_errors"),
        (lambda d: {**d, "data": {**d["data"], "dispute_id": 42}}, "data.dispute_id"),
        (lambda d: {**d, "data": {**d["data"], "amount": "12.345"}}, "data.amount"),
        (lambda d: {**d, "data": {**d["data"], "amount": "ten"}}, "data.amount"),
        (lambda d: {**d, "data": {**d["data"], "amount": True}}, "data.amount"),
        (lambda d: {**d, "data": {**d["data"], "currency": "eur"}}, "data.currency"),
        (lambda d: {**d, "data": {**d["data"], "fee": "-1.00"}}, "data.fee"),
        (lambda d: {**d, "data": {**d["data"], "fee": "1.001"}}, "data.fee"),
        (lambda d: {**d, "data": {**d["data"], "fee_currency": "euro"}}, "data.fee_currency"),
        (lambda d: {**d, "data": {**d["data"], "status": "warning_needs_response"}}, "data.status"),
        (lambda d: {**d, "data": {**d["data"], "reason": "bored"}}, "data.reason"),
        (lambda d: {**d, "data": {**d["data"], "expiration_time": "soon"}}, "data.expiration_time"),
        (lambda d: {**d, "data": {**d["data"], "expiration_time": [1]}}, "data.expiration_time"),
        (lambda d: {**d, "type": "dispute.closed"}, "data.status"),
    ],
)
def test_malformed_event_is_400_naming_the_field(order: Any, mutate: Any, field: str) -> None:
    body = assert_error(post_event(mutate(event_doc(order))), 400)
    assert field in body["details"], body
    assert not PaymentEvent.objects.exists() and not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "-5.00"}, "data.amount"),
        ({"amount": "0.00"}, "data.amount"),
        ({"amount": "100.01"}, "data.amount"),  # the order's price is 100.00
        ({"currency": "USD"}, "data.currency"),
    ],
)
def test_amount_outside_the_order_is_400(order: Any, data: dict[str, Any], field: str) -> None:
    body = assert_error(post_event(event_doc(order, **data)), 400, "validation_error")
    assert field in body["details"]
    assert not PaymentEvent.objects.exists() and not Dispute.objects.exists()


def test_unknown_transaction_is_404_and_not_stored(order: Any) -> None:
    doc = event_doc(order, transaction_id="txn_nobody_knows")
    assert_error(post_event(doc), 404, "transaction_not_found")
    assert not PaymentEvent.objects.exists()


def test_provider_dispute_of_another_order_is_400(order: Any) -> None:
    from tests.factories import make_order

    post_event(event_doc(order))
    other = make_order()
    body = assert_error(post_event(event_doc(other, event_id="evt_2", created=T0 + 1)), 400)
    assert "data.dispute_id" in body["details"]


# --- effects -------------------------------------------------------------------------------------


def test_created_opens_a_chargeback_the_seller_must_answer(order: Any) -> None:
    response = post_event(event_doc(order, fee="12.50", fee_currency="USD"))
    assert response.status_code == 200, response.content
    dispute = chargeback()
    assert response.json() == {
        "id": "evt_1",
        "result": "applied",
        "replayed": False,
        "disputeId": dispute.pk,
    }
    assert dispute.kind == DisputeKind.CHARGEBACK
    assert dispute.opened_by_id is None
    assert dispute.respondent_id == order.seller_id
    assert (dispute.buyer_id, dispute.seller_id) == (order.buyer_id, order.seller_id)
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE
    assert dispute.reason_code == "fraudulent"
    assert dispute.amount == Decimal("60.00") and dispute.original_amount == Decimal("100.00")
    assert (dispute.fee, dispute.fee_currency) == (Decimal("12.50"), "USD")
    assert dispute.respond_by == datetime.fromtimestamp(T0 + 10 * 86400, UTC)
    assert dispute.provider_dispute_id == "dp_1"
    assert dispute.provider_event_at == datetime.fromtimestamp(T0, UTC)
    stored = PaymentEvent.objects.get()
    assert (stored.event_id, stored.type, stored.result) == ("evt_1", "dispute.created", "applied")
    assert stored.dispute_id == dispute.pk
    assert stored.payload["data"]["amount"] == "60.00"
    assert dispute.events.get(type=EventType.OPENED).actor_id is None


def test_fee_defaults_to_the_chargeback_fee_setting_in_the_order_currency(order: Any) -> None:
    post_event(event_doc(order, reason="product_not_received"))
    dispute = chargeback()
    assert (dispute.fee, dispute.fee_currency) == (Decimal("15.00"), "EUR")
    assert dispute.reason_code == "product_not_received"


@override_settings(CHARGEBACK_FEE=Decimal("7.25"))
def test_fee_setting_is_used(order: Any) -> None:
    post_event(event_doc(order))
    assert chargeback().fee == Decimal("7.25")


def test_amount_as_a_json_number_and_iso_expiration_are_accepted(order: Any) -> None:
    raw = json.dumps(event_doc(order, expiration_time="2026-02-01T00:00:00Z"))
    raw = raw.replace('"60.00"', "60.5")
    assert post_raw(raw.encode()).status_code == 200
    dispute = chargeback()
    assert dispute.amount == Decimal("60.50")
    assert dispute.respond_by == datetime(2026, 2, 1, tzinfo=UTC)


def test_updated_and_closed_move_the_status_through_the_lifecycle(order: Any) -> None:
    post_event(event_doc(order))
    post_event(
        event_doc(
            order, event_id="evt_2", type="dispute.updated", created=T0 + 60, status="under_review"
        )
    )
    assert chargeback().status == DisputeStatus.UNDER_REVIEW
    post_event(
        event_doc(order, event_id="evt_3", type="dispute.closed", created=T0 + 120, status="lost")
    )
    dispute = chargeback()
    assert dispute.status == DisputeStatus.LOST
    assert dispute.outcome == "lost" and dispute.refund_amount == Decimal("60.00")
    assert dispute.closed_at is not None and dispute.closed_by_id is None
    moves = list(
        dispute.events.filter(type=EventType.PROVIDER_UPDATE).values_list(
            "from_status", "to_status"
        )
    )
    assert moves == [("needs_response", "under_review"), ("under_review", "lost")]


def test_update_without_status_change_updates_money_and_is_logged(order: Any) -> None:
    post_event(event_doc(order))
    post_event(
        event_doc(order, event_id="evt_2", type="dispute.updated", created=T0 + 1, amount="70.00")
    )
    dispute = chargeback()
    assert dispute.amount == Decimal("70.00") and dispute.status == DisputeStatus.NEEDS_RESPONSE
    assert dispute.events.filter(type=EventType.PROVIDER_UPDATE, to_status="").count() == 1


def test_replayed_event_answers_200_and_changes_nothing(order: Any) -> None:
    post_event(event_doc(order))
    before = Dispute.objects.values().get()
    events = DisputeEvent.objects.count()
    # Same id, different content: the id alone decides that it was seen.
    response = post_event(event_doc(order, amount="10.00", status="won", created=T0 + 99))
    assert response.status_code == 200
    assert response.json()["replayed"] is True and response.json()["result"] == "applied"
    assert Dispute.objects.values().get() == before
    assert DisputeEvent.objects.count() == events
    assert PaymentEvent.objects.count() == 1


def test_older_event_never_overwrites_a_newer_one(order: Any) -> None:
    closed = event_doc(
        order, event_id="evt_3", type="dispute.closed", created=T0 + 200, status="won"
    )
    updated = event_doc(
        order, event_id="evt_2", type="dispute.updated", created=T0 + 100, status="under_review"
    )
    created = event_doc(order, event_id="evt_1", created=T0)
    assert post_event(closed).json()["result"] == "applied"
    assert post_event(updated).json()["result"] == "ignored_stale"
    assert post_event(created).json()["result"] == "ignored_stale"
    dispute = chargeback()
    assert dispute.status == DisputeStatus.WON and dispute.outcome == "won"
    assert Dispute.objects.count() == 1
    assert dict(PaymentEvent.objects.values_list("event_id", "result")) == {
        "evt_3": "applied",
        "evt_2": "ignored_stale",
        "evt_1": "ignored_stale",
    }


def test_newer_event_after_a_decision_is_recorded_and_ignored(order: Any) -> None:
    post_event(event_doc(order, type="dispute.closed", status="lost"))
    response = post_event(
        event_doc(order, event_id="evt_2", type="dispute.updated", created=T0 + 5, status="won")
    )
    assert response.json()["result"] == "ignored_terminal"
    assert chargeback().status == DisputeStatus.LOST


def test_chargeback_supersedes_the_open_party_dispute(order: Any) -> None:
    party = make_dispute(order=order)
    assert post_event(event_doc(order)).status_code == 200
    party.refresh_from_db()
    assert party.status == DisputeStatus.CLOSED
    assert "chargeback" in party.resolution.lower()
    assert party.events.filter(type=EventType.CLOSED, actor=None).exists()
    assert chargeback().status == DisputeStatus.NEEDS_RESPONSE


def test_chargeback_after_a_decided_party_dispute_leaves_it_alone(order: Any) -> None:
    party = make_dispute(order=order, state=DisputeStatus.WON)
    post_event(event_doc(order))
    party.refresh_from_db()
    assert party.status == DisputeStatus.WON and party.resolution == "Decided for the seller."
    assert chargeback().is_open


def test_trailing_slash_reaches_the_webhook(order: Any) -> None:
    from django.test import Client

    raw = json.dumps(event_doc(order)).encode()
    response = Client().post(
        "/api/webhooks/payments/",
        data=raw,
        content_type="application/json",
        HTTP_X_ECHO_SIGNATURE=sign(raw),
    )
    assert response.status_code == 200
