"""The expiry job decides party disputes only; a chargeback follows the provider's events
(disputes/services/decisions.py::disputes_expire, `manage.py expire_disputes`)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from disputes.models import Dispute, DisputeKind, DisputeStatus, EventType
from tests.factories import make_dispute, make_order, make_overdue
from tests.payments.helpers import event_doc, post_event

pytestmark = pytest.mark.django_db


def _expire() -> str:
    out = StringIO()
    call_command("expire_disputes", stdout=out)
    return out.getvalue().strip()


def test_an_unanswered_chargeback_past_its_deadline_is_left_to_the_provider(order: Any) -> None:
    now = int(timezone.now().timestamp())
    opened = event_doc(order, created=now - 3600, expiration_time=now - 60)
    assert post_event(opened).status_code == 200
    chargeback = Dispute.objects.get(kind=DisputeKind.CHARGEBACK)
    assert chargeback.respond_by < timezone.now()

    assert _expire() == "Expired 0 dispute(s)."
    chargeback.refresh_from_db()
    assert chargeback.status == DisputeStatus.NEEDS_RESPONSE
    assert chargeback.outcome == ""
    assert not chargeback.events.filter(type=EventType.EXPIRED).exists()

    won = event_doc(order, event_id="evt_2", type="dispute.closed", created=now, status="won")
    response = post_event(won)
    assert response.status_code == 200
    assert response.json()["result"] == "applied"
    chargeback.refresh_from_db()
    assert (chargeback.status, chargeback.outcome) == (DisputeStatus.WON, "won")


def test_an_overdue_party_dispute_still_expires_beside_an_overdue_chargeback() -> None:
    party = make_overdue(make_dispute())
    other = make_order()
    now = int(timezone.now().timestamp())
    post_event(event_doc(other, created=now - 3600, expiration_time=now - 60))

    assert _expire() == "Expired 1 dispute(s)."
    party.refresh_from_db()
    assert (party.status, party.outcome) == (DisputeStatus.LOST, "expired")
    chargeback = Dispute.objects.get(kind=DisputeKind.CHARGEBACK)
    assert chargeback.status == DisputeStatus.NEEDS_RESPONSE
    assert chargeback.respond_by < timezone.now() - timedelta(seconds=30)
