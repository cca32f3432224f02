"""The assignment service: assigned, reassigned and unassigned events with who and to whom, the
no-op, the assignee rule (active support staff), who may assign, and that assignment is
staff-internal (no status move, no mail, no outbound event, no trace a party reads)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, DisputeStatus, EventType
from disputes.selectors.party import latest_events
from echo_disputes.errors import Conflict, InvalidInput, NotAllowed
from integrations.models import OutboundEvent
from tests.factories import make_dispute, new_staff, new_user

pytestmark = pytest.mark.django_db


def _events(dispute: Dispute, *types: str) -> list[tuple[str, int | None, dict[str, object]]]:
    rows = DisputeEvent.objects.filter(dispute=dispute, type__in=types).order_by("id")
    return [(e.type, e.actor_id, e.payload) for e in rows]


ASSIGN_TYPES = (EventType.ASSIGNED, EventType.REASSIGNED, EventType.UNASSIGNED)


def test_assign_reassign_unassign_each_log_who_and_to_whom(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    other = new_staff(username="other-agent")
    services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=staff.pk)
    services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=other.pk)
    services.dispute_assign(actor=other, dispute_id=dispute.pk, assignee_id=None)
    assert _events(dispute, *ASSIGN_TYPES) == [
        (
            EventType.ASSIGNED,
            staff.pk,
            {
                "from_assignee_id": None,
                "from_assignee": None,
                "to_assignee_id": staff.pk,
                "to_assignee": "staff",
            },
        ),
        (
            EventType.REASSIGNED,
            staff.pk,
            {
                "from_assignee_id": staff.pk,
                "from_assignee": "staff",
                "to_assignee_id": other.pk,
                "to_assignee": "other-agent",
            },
        ),
        (
            EventType.UNASSIGNED,
            other.pk,
            {
                "from_assignee_id": other.pk,
                "from_assignee": "other-agent",
                "to_assignee_id": None,
                "to_assignee": None,
            },
        ),
    ]
    dispute.refresh_from_db()
    assert dispute.assignee_id is None


def test_assigning_the_same_agent_again_writes_nothing(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=staff.pk)
    before = Dispute.objects.filter(pk=dispute.pk).values().get()
    events = DisputeEvent.objects.count()
    result = services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=staff.pk)
    assert result.assignee_id == staff.pk
    assert DisputeEvent.objects.count() == events
    assert Dispute.objects.filter(pk=dispute.pk).values().get() == before
    # Unassigning an unassigned dispute is a no-op too.
    fresh = make_dispute(staff=staff)
    count = DisputeEvent.objects.filter(dispute=fresh).count()
    services.dispute_assign(actor=staff, dispute_id=fresh.pk, assignee_id=None)
    assert DisputeEvent.objects.filter(dispute=fresh).count() == count


def test_assignment_is_staff_internal(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    before = dict(Dispute.objects.filter(pk=dispute.pk).values().get())
    tasks, outbound = DBTaskResult.objects.count(), OutboundEvent.objects.count()
    services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=staff.pk)
    after = dict(Dispute.objects.filter(pk=dispute.pk).values().get())
    # Only the assignee changed: no status, no activity time a party reads.
    assert {k for k in after if after[k] != before[k]} == {"assignee_id"}
    assert after["status"] == DisputeStatus.NEEDS_RESPONSE
    assert DBTaskResult.objects.count() == tasks, "no mail is queued"
    assert OutboundEvent.objects.count() == outbound, "nothing goes on the event feed"
    buyer = User.objects.get(pk=dispute.buyer_id)
    party_view, _ = latest_events(buyer, dispute.pk, limit=50)
    assert EventType.ASSIGNED not in [e.type for e in party_view]
    staff_view, _ = latest_events(staff, dispute.pk, limit=50)
    assigned = [e for e in staff_view if e.type == EventType.ASSIGNED]
    assert len(assigned) == 1 and assigned[0].is_internal


@pytest.mark.parametrize("kind", ["party", "plain_user", "inactive_staff", "unknown"])
def test_the_assignee_must_be_active_support_staff(staff: User, kind: str) -> None:
    dispute = make_dispute(staff=staff)
    if kind == "party":
        assignee_id = dispute.buyer_id
    elif kind == "plain_user":
        assignee_id = new_user().pk
    elif kind == "inactive_staff":
        assignee_id = new_staff(is_active=False).pk
    else:
        assignee_id = 10**9
    with pytest.raises(InvalidInput) as caught:
        services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=assignee_id)
    assert caught.value.code == "invalid_assignee"
    assert list(caught.value.details) == ["assigneeId"]
    assert _events(dispute, *ASSIGN_TYPES) == []
    assert Dispute.objects.get(pk=dispute.pk).assignee_id is None


@pytest.mark.parametrize("who", ["buyer", "seller", "stranger", "inactive_staff"])
def test_only_support_staff_may_assign(staff: User, who: str) -> None:
    dispute = make_dispute(staff=staff)
    makers: dict[str, Callable[[], User]] = {
        "buyer": lambda: User.objects.get(pk=dispute.buyer_id),
        "seller": lambda: User.objects.get(pk=dispute.seller_id),
        "stranger": new_user,
        "inactive_staff": lambda: new_staff(is_active=False),
    }
    actor = makers[who]()
    with pytest.raises(NotAllowed):
        services.dispute_assign(actor=actor, dispute_id=dispute.pk, assignee_id=staff.pk)
    assert Dispute.objects.get(pk=dispute.pk).assignee_id is None


def test_a_decided_dispute_keeps_its_assignee(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=staff.pk)
    services.dispute_close(actor=staff, dispute_id=dispute.pk, resolution="Closed by support.")
    with pytest.raises(Conflict) as caught:
        services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=None)
    assert caught.value.code == "dispute_closed"
    assert Dispute.objects.get(pk=dispute.pk).assignee_id == staff.pk


def test_taking_up_assigns_the_taker_in_one_event(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.dispute_take_up(actor=staff, dispute_id=dispute.pk)
    dispute.refresh_from_db()
    assert (dispute.status, dispute.assignee_id) == (DisputeStatus.UNDER_REVIEW, staff.pk)
    assert [t for t, _, _ in _events(dispute, EventType.TAKEN_UP, *ASSIGN_TYPES)] == [
        EventType.TAKEN_UP,
        EventType.ASSIGNED,
    ]


def test_taking_up_a_dispute_another_agent_holds_reassigns_it(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    other = new_staff(username="other-agent")
    services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=other.pk)
    services.dispute_take_up(actor=staff, dispute_id=dispute.pk)
    assert [(t, p["to_assignee_id"]) for t, _, p in _events(dispute, *ASSIGN_TYPES)] == [
        (EventType.ASSIGNED, other.pk),
        (EventType.REASSIGNED, staff.pk),
    ]


def test_taking_up_a_dispute_one_already_holds_logs_no_assignment(staff: User) -> None:
    dispute = make_dispute(staff=staff)
    services.dispute_assign(actor=staff, dispute_id=dispute.pk, assignee_id=staff.pk)
    services.dispute_take_up(actor=staff, dispute_id=dispute.pk)
    assert [t for t, _, _ in _events(dispute, *ASSIGN_TYPES)] == [EventType.ASSIGNED]
