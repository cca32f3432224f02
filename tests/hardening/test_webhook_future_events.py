"""A chargeback event dated ahead of our clock is refused with 400 and stored as refused: it would
make every real event of its dispute look older and be ignored (disputes/services/chargebacks.py,
chargeback_apply). Only a correctly signed event is ever stored."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from disputes.models import Dispute, DisputeEvent, DisputeStatus, PaymentEvent, PaymentEventResult
from tests.payments.helpers import event_doc, post_event, post_raw, sign

pytestmark = pytest.mark.django_db


def _now() -> int:
    return int(timezone.now().timestamp())


FUTURE_400 = {
    "error": "created: Must not be more than 300 seconds ahead of the server's clock.",
    "code": "validation_error",
    "details": {"created": ["Must not be more than 300 seconds ahead of the server's clock."]},
}


def test_an_event_a_year_ahead_is_400_and_stored_as_refused(order: Any) -> None:
    created = _now() + 365 * 86400
    document = event_doc(order, created=created)
    response = post_event(document)
    assert response.status_code == 400
    assert response.json() == FUTURE_400
    record = PaymentEvent.objects.get()
    assert (record.event_id, record.type, record.result, record.dispute_id) == (
        "evt_1",
        "dispute.created",
        PaymentEventResult.REFUSED_FUTURE,
        None,
    )
    assert int(record.created.timestamp()) == created
    assert record.payload == document
    assert not Dispute.objects.exists()
    assert not DisputeEvent.objects.exists()


def test_a_refused_event_never_touches_an_existing_chargeback(order: Any) -> None:
    now = _now()
    assert post_event(event_doc(order, created=now - 60)).status_code == 200
    before = Dispute.objects.values().get()
    events_before = DisputeEvent.objects.count()
    forged = event_doc(
        order, event_id="evt_future", type="dispute.closed", created=now + 86400, status="lost"
    )
    assert post_event(forged).status_code == 400
    assert Dispute.objects.values().get() == before
    assert DisputeEvent.objects.count() == events_before
    refused = PaymentEvent.objects.get(event_id="evt_future")
    assert (refused.result, refused.dispute_id) == (PaymentEventResult.REFUSED_FUTURE, None)


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "auto-other-secret"])
def test_an_unsigned_or_badly_signed_future_event_is_401_and_never_stored(
    order: Any, signature: str | None
) -> None:
    body = json.dumps(event_doc(order, created=_now() + 86400)).encode()
    if signature == "auto-other-secret":
        signature = sign(body, "not-the-secret")
    response = post_raw(body, signature=signature)
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert not PaymentEvent.objects.exists()


def test_a_refused_event_redelivered_still_ahead_is_refused_again_and_kept_once(
    order: Any,
) -> None:
    document = event_doc(order, created=_now() + 86400)
    assert post_event(document).status_code == 400
    first = PaymentEvent.objects.get()
    response = post_event(document)
    assert response.status_code == 400
    assert response.json() == FUTURE_400
    assert list(PaymentEvent.objects.values_list("pk", "result")) == [
        (first.pk, PaymentEventResult.REFUSED_FUTURE)
    ]
    assert not Dispute.objects.exists()


def test_a_refused_id_redelivered_in_time_is_applied_once(order: Any) -> None:
    now = _now()
    assert post_event(event_doc(order, created=now + 86400)).status_code == 400
    # The provider fixed its clock and redelivers the same event id, now dated in time.
    response = post_event(event_doc(order, created=now))
    assert response.status_code == 200
    dispute = Dispute.objects.get()
    assert response.json() == {
        "id": "evt_1",
        "result": "applied",
        "replayed": False,
        "disputeId": dispute.pk,
    }
    record = PaymentEvent.objects.get()
    assert (record.result, record.dispute_id) == (PaymentEventResult.APPLIED, dispute.pk)
    assert int(record.created.timestamp()) == now
    # From now on the id is an accepted one: a further delivery is a replay.
    again = post_event(event_doc(order, created=now))
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert PaymentEvent.objects.count() == 1


def test_an_accepted_id_redelivered_with_a_future_date_is_a_replay(order: Any) -> None:
    now = _now()
    assert post_event(event_doc(order, created=now)).status_code == 200
    response = post_event(event_doc(order, created=now + 86400, status="won"))
    assert response.status_code == 200
    assert response.json()["replayed"] is True
    assert response.json()["result"] == "applied"
    assert PaymentEvent.objects.get().result == PaymentEventResult.APPLIED
    assert Dispute.objects.get().status == DisputeStatus.NEEDS_RESPONSE


def test_a_future_update_cannot_freeze_a_chargeback(order: Any) -> None:
    now = _now()
    assert post_event(event_doc(order, created=now - 60)).status_code == 200
    forged = event_doc(
        order, event_id="evt_future", type="dispute.updated", created=now + 86400, status="lost"
    )
    assert post_event(forged).status_code == 400
    real = event_doc(order, event_id="evt_2", type="dispute.closed", created=now, status="won")
    response = post_event(real)
    assert response.status_code == 200
    assert response.json()["result"] == "applied"
    assert Dispute.objects.get().status == DisputeStatus.WON
    assert dict(PaymentEvent.objects.values_list("event_id", "result")) == {
        "evt_1": PaymentEventResult.APPLIED,
        "evt_future": PaymentEventResult.REFUSED_FUTURE,
        "evt_2": PaymentEventResult.APPLIED,
    }


def test_clock_skew_within_the_setting_is_accepted(order: Any) -> None:
    response = post_event(event_doc(order, created=_now() + 240))
    assert response.status_code == 200
    assert response.json()["result"] == "applied"


@override_settings(PAYMENTS_WEBHOOK_MAX_FUTURE=timedelta(seconds=30))
def test_the_allowed_skew_is_a_setting(order: Any) -> None:
    response = post_event(event_doc(order, created=_now() + 120))
    assert response.status_code == 400
    assert response.json()["details"] == {
        "created": ["Must not be more than 30 seconds ahead of the server's clock."]
    }
    assert PaymentEvent.objects.get().result == PaymentEventResult.REFUSED_FUTURE


def test_a_signed_deeply_nested_body_is_400_not_a_traceback(order: Any) -> None:
    document = event_doc(order)
    raw = json.dumps(document)[:-1] + ', "extra": ' + "[" * 1000 + "]" * 1000 + "}"
    response = post_raw(raw.encode())
    assert response.status_code == 400
    assert response.json() == {
        "error": "The body is not valid JSON.",
        "code": "parse_error",
        "details": {},
    }
    assert not PaymentEvent.objects.exists()
