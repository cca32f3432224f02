"""When a dispute waits for staff: escalation and the respondent's answer start a wait; a staff
public message or decision ends it answered; an internal note does not; any other terminal move
ends it unanswered. One StaffWait row per period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeKind, DisputeStatus, StaffWait, Visibility
from tests.factories import make_dispute, make_overdue

pytestmark = pytest.mark.django_db
TARGET = timedelta(hours=24)


def waits(dispute: Dispute) -> list[tuple[bool, bool]]:
    """(ended, answered) per period, oldest first."""
    return [
        (w.ended_at is not None, w.answered_at is not None)
        for w in StaffWait.objects.filter(dispute=dispute).order_by("id")
    ]


def reload(dispute: Dispute) -> Dispute:
    return Dispute.objects.get(pk=dispute.pk)


def escalate(dispute: Dispute) -> Dispute:
    services.dispute_escalate(
        actor=dispute.buyer, dispute_id=dispute.pk, reason="We cannot agree; please decide."
    )
    return reload(dispute)


def test_a_new_dispute_does_not_wait_for_staff() -> None:
    dispute = make_dispute()
    assert (dispute.staff_wait_since, dispute.staff_due_at) == (None, None)
    assert waits(dispute) == []


def test_escalation_starts_the_wait() -> None:
    dispute = escalate(make_dispute())
    assert dispute.kind == DisputeKind.ORDER
    assert dispute.staff_wait_since == dispute.escalated_at
    assert dispute.staff_due_at == dispute.escalated_at + TARGET  # type: ignore[operator]
    [wait] = StaffWait.objects.filter(dispute=dispute)
    assert (wait.started_at, wait.due_at, wait.answered_at, wait.ended_at) == (
        dispute.staff_wait_since,
        dispute.staff_due_at,
        None,
        None,
    )


def test_the_respondents_answer_starts_the_wait() -> None:
    dispute = make_dispute()
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Here is my side.")
    dispute = reload(dispute)
    assert dispute.status == DisputeStatus.UNDER_REVIEW
    assert dispute.staff_wait_since == dispute.first_response_at
    assert dispute.staff_due_at == dispute.first_response_at + TARGET  # type: ignore[operator]
    assert waits(dispute) == [(False, False)]


def test_the_openers_message_does_not_start_a_wait() -> None:
    dispute = make_dispute()
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="Any news?")
    assert reload(dispute).staff_due_at is None
    assert waits(dispute) == []


@override_settings(ECHO_STAFF_RESPONSE_HOURS=2)
def test_the_target_comes_from_the_setting() -> None:
    dispute = escalate(make_dispute())
    assert dispute.staff_due_at - dispute.staff_wait_since == timedelta(hours=2)  # type: ignore[operator]


def test_a_second_reason_to_wait_keeps_the_first_due_time() -> None:
    dispute = escalate(make_dispute())
    due = dispute.staff_due_at
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Here is my side.")
    dispute = reload(dispute)
    assert dispute.status == DisputeStatus.UNDER_REVIEW
    assert dispute.staff_due_at == due
    assert waits(dispute) == [(False, False)]


def test_a_staff_public_message_ends_the_wait_answered(staff: User) -> None:
    dispute = escalate(make_dispute(staff=staff))
    message = services.message_post(actor=staff, dispute_id=dispute.pk, body="Looking into it.")
    dispute = reload(dispute)
    assert (dispute.staff_wait_since, dispute.staff_due_at) == (None, None)
    [wait] = StaffWait.objects.filter(dispute=dispute)
    assert wait.answered_at == wait.ended_at == message.created_at
    assert wait.answered_in_time


def test_an_internal_note_does_not_answer(staff: User) -> None:
    dispute = escalate(make_dispute(staff=staff))
    due = dispute.staff_due_at
    services.message_post(
        actor=staff,
        dispute_id=dispute.pk,
        body="Checking the carrier.",
        visibility=Visibility.INTERNAL,
    )
    assert reload(dispute).staff_due_at == due
    assert waits(dispute) == [(False, False)]


def test_a_staff_message_when_nobody_waits_changes_nothing(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.message_post(actor=staff, dispute_id=dispute.pk, body="Please answer the buyer.")
    assert waits(dispute) == []


def test_a_wait_after_an_answer_is_a_new_period(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.message_post(actor=staff, dispute_id=dispute.pk, body="Please answer the buyer.")
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Here is my side.")
    services.message_post(actor=staff, dispute_id=dispute.pk, body="Thanks, reviewing.")
    escalate(dispute)
    assert waits(dispute) == [(True, True), (False, False)]


def test_a_staff_decision_ends_the_wait_answered(staff: User) -> None:
    dispute = escalate(make_dispute(staff=staff))
    decided = services.dispute_close(
        actor=staff, dispute_id=dispute.pk, outcome="won", resolution="For the seller."
    )
    assert (decided.staff_wait_since, decided.staff_due_at) == (None, None)
    [wait] = StaffWait.objects.filter(dispute=dispute)
    assert wait.answered_at == wait.ended_at == decided.closed_at


def test_withdrawal_ends_the_wait_unanswered() -> None:
    dispute = escalate(make_dispute())
    services.dispute_withdraw(actor=dispute.buyer, dispute_id=dispute.pk)
    dispute = reload(dispute)
    assert (dispute.status, dispute.staff_due_at) == (DisputeStatus.CLOSED, None)
    assert waits(dispute) == [(True, False)]


def test_a_settlement_ends_the_wait_unanswered() -> None:
    dispute = escalate(make_dispute())
    offer = services.offer_propose(actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("5"))
    services.offer_accept(actor=dispute.buyer, dispute_id=dispute.pk, offer_id=offer.pk)
    assert reload(dispute).staff_due_at is None
    assert waits(dispute) == [(True, False)]


def test_expiry_ends_the_wait_unanswered() -> None:
    dispute = escalate(make_dispute())
    make_overdue(dispute)
    assert services.disputes_expire() == 1
    dispute = reload(dispute)
    assert (dispute.status, dispute.staff_due_at) == (DisputeStatus.LOST, None)
    assert waits(dispute) == [(True, False)]
