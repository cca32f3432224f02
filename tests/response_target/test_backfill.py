"""Migration 0009 starts the waits of the disputes already waiting for staff when it ships: its
function runs here on rows made through the services, with their waits cleared first."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, DisputeStatus, EventType, StaffWait, Visibility
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db
migration = importlib.import_module("disputes.migrations.0009_assignment_response_target")


def _forget_waits() -> None:
    StaffWait.objects.all().delete()
    Dispute.objects.update(staff_wait_since=None, staff_due_at=None)


def _backfill() -> dict[int, tuple[object, object]]:
    migration.start_running_waits(apps, None)
    return {
        pk: (since, due)
        for pk, since, due in Dispute.objects.filter(staff_due_at__isnull=False).values_list(
            "pk", "staff_wait_since", "staff_due_at"
        )
    }


def test_backfill_starts_the_waits_that_run(staff: User) -> None:
    answered_by_seller = make_dispute(state=DisputeStatus.UNDER_REVIEW, staff=staff)
    escalated = make_dispute(staff=staff)
    services.dispute_escalate(
        actor=escalated.buyer, dispute_id=escalated.pk, reason="We cannot agree; please decide."
    )
    answered_by_staff = make_dispute(state=DisputeStatus.UNDER_REVIEW, staff=staff)
    services.message_post(actor=staff, dispute_id=answered_by_staff.pk, body="Reviewing.")
    noted = make_dispute(state=DisputeStatus.UNDER_REVIEW, staff=staff)
    services.message_post(
        actor=staff, dispute_id=noted.pk, body="Carrier claim.", visibility=Visibility.INTERNAL
    )
    untouched = make_dispute(staff=staff)
    decided = make_dispute(state=DisputeStatus.UNDER_REVIEW, staff=staff)
    services.dispute_close(actor=staff, dispute_id=decided.pk, resolution="Closed.")
    _forget_waits()

    running = _backfill()

    def start(dispute: Dispute, event: str) -> object:
        return DisputeEvent.objects.get(dispute=dispute, type=event).at

    assert set(running) == {answered_by_seller.pk, escalated.pk, noted.pk}
    for dispute, event in (
        (answered_by_seller, EventType.RESPONDED),
        (escalated, EventType.ESCALATED),
        (noted, EventType.RESPONDED),
    ):
        at = start(dispute, event)
        assert running[dispute.pk] == (at, at + timedelta(hours=24))  # type: ignore[operator]
    assert StaffWait.objects.filter(ended_at__isnull=True).count() == 3
    assert untouched.pk not in running and decided.pk not in running


def test_an_escalation_after_the_staff_answer_waits_from_the_escalation(staff: User) -> None:
    dispute = make_dispute(state=DisputeStatus.UNDER_REVIEW, staff=staff)
    services.message_post(actor=staff, dispute_id=dispute.pk, body="Reviewing.")
    services.dispute_escalate(
        actor=dispute.buyer, dispute_id=dispute.pk, reason="We cannot agree; please decide."
    )
    _forget_waits()
    since, _ = _backfill()[dispute.pk]
    assert since == DisputeEvent.objects.get(dispute=dispute, type=EventType.ESCALATED).at
