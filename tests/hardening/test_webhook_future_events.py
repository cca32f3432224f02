"""A chargeback event dated ahead of our clock is refused: it would make every real event of its
dispute look older and be ignored (disputes/api/webhooks/views.py, ChargebackEventInput)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from disputes.models import Dispute, DisputeStatus, PaymentEvent
from tests.payments.helpers import event_doc, post_event, post_raw

pytestmark = pytest.mark.django_db


def _now() -> int:
    return int(timezone.now().timestamp())


def test_an_event_a_year_ahead_is_400_and_nothing_is_stored(order: Any) -> None:
    response = post_event(event_doc(order, created=_now() + 365 * 86400))
    assert response.status_code == 400
    assert response.json() == {
        "error": "created: Must not be more than 300 seconds ahead of the server's clock.",
        "code": "validation_error",
        "details": {"created": ["Must not be more than 300 seconds ahead of the server's clock."]},
    }
    assert not PaymentEvent.objects.exists()
    assert not Dispute.objects.exists()


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
    assert set(PaymentEvent.objects.values_list("event_id", flat=True)) == {"evt_1", "evt_2"}


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
