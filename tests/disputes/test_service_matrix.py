"""Every (from-state, action, actor) triple against the services (docs/design.md §4 and §5).

The offer moves run against a dispute that holds an open offer made by the respondent before the
dispute reached its state (a decided dispute's offer has lapsed), so the opener is the party who
may answer it and the respondent the one who may withdraw it.

The table is written per action as rows of from-state -> the result for each actor column:
(opener, respondent, stranger, staff). A result is the state the dispute ends in, or the error the
service raises. Rows run with the buyer as opener, and again with the seller as opener for the
actions where the opener's side matters (the respondent's response, the opener's withdrawal).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus, EventType, Message, Offer, OfferStatus, Outcome
from echo_disputes.errors import Conflict, DomainError, NotAllowed, NotFound
from tests.disputes.helpers import new_events, snapshot
from tests.factories import make_dispute, make_order, make_overdue, new_staff, new_user

N = DisputeStatus.NEEDS_RESPONSE.value
R = DisputeStatus.UNDER_REVIEW.value
WON = DisputeStatus.WON.value
LOST = DisputeStatus.LOST.value
CLOSED = DisputeStatus.CLOSED.value
STATES = (N, R, WON, LOST, CLOSED)
TERMINAL = (WON, LOST, CLOSED)

F = NotAllowed  # 403
C = Conflict  # 409

REASON_OK = "Nothing arrived at all."

COLUMNS = ("opener", "respondent", "stranger", "staff")

TABLE: dict[str, dict[str, tuple[Any, Any, Any, Any]]] = {
    # A public message never changes the state, except the respondent's first one.
    "post_public": {N: (N, R, F, N), R: (R, R, F, R), WON: (C, C, F, C), LOST: (C, C, F, C),
                    CLOSED: (C, C, F, C)},
    "post_internal": {N: (F, F, F, N), R: (F, F, F, R), WON: (F, F, F, C), LOST: (F, F, F, C),
                      CLOSED: (F, F, F, C)},
    "take_up": {N: (F, F, F, R), R: (F, F, F, C), WON: (F, F, F, C), LOST: (F, F, F, C),
                CLOSED: (F, F, F, C)},
    "close_won": {N: (F, F, F, WON), R: (F, F, F, WON), WON: (F, F, F, C), LOST: (F, F, F, C),
                  CLOSED: (F, F, F, C)},
    "close_lost": {N: (F, F, F, LOST), R: (F, F, F, LOST), WON: (F, F, F, C),
                   LOST: (F, F, F, C), CLOSED: (F, F, F, C)},
    "close_none": {N: (F, F, F, CLOSED), R: (F, F, F, CLOSED), WON: (F, F, F, C),
                   LOST: (F, F, F, C), CLOSED: (F, F, F, C)},
    "withdraw": {N: (CLOSED, F, F, F), R: (CLOSED, F, F, F), WON: (C, F, F, F),
                 LOST: (C, F, F, F), CLOSED: (C, F, F, F)},
    # Offers and escalation: the parties only, on an open dispute; none changes the state but
    # an accepted offer, which settles it.
    "propose_offer": {N: (N, N, F, F), R: (R, R, F, F), WON: (C, C, F, F), LOST: (C, C, F, F),
                      CLOSED: (C, C, F, F)},
    "accept_offer": {N: (CLOSED, F, F, F), R: (CLOSED, F, F, F), WON: (C, F, F, F),
                     LOST: (C, F, F, F), CLOSED: (C, F, F, F)},
    "decline_offer": {N: (N, F, F, F), R: (R, F, F, F), WON: (C, F, F, F), LOST: (C, F, F, F),
                      CLOSED: (C, F, F, F)},
    "withdraw_offer": {N: (F, N, F, F), R: (F, R, F, F), WON: (F, C, F, F), LOST: (F, C, F, F),
                       CLOSED: (F, C, F, F)},
    "escalate": {N: (N, N, F, F), R: (R, R, F, F), WON: (C, C, F, F), LOST: (C, C, F, F),
                 CLOSED: (C, C, F, F)},
}  # fmt: skip

OFFER_MOVES = ("propose_offer", "accept_offer", "decline_offer", "withdraw_offer")
OPENER_MATTERS = ("post_public", "withdraw", *OFFER_MOVES, "escalate")

SUCCESS_EVENT = {
    "take_up": EventType.TAKEN_UP,
    "close_won": EventType.DECIDED,
    "close_lost": EventType.DECIDED,
    "close_none": EventType.CLOSED,
    "withdraw": EventType.WITHDRAWN,
    "accept_offer": EventType.OFFER_ACCEPTED,
}
# Moves that change no status: their one event carries none.
STILL_EVENT = {
    "propose_offer": EventType.OFFER_MADE,
    "decline_offer": EventType.OFFER_DECLINED,
    "withdraw_offer": EventType.OFFER_WITHDRAWN,
    "escalate": EventType.ESCALATED,
}
# What becomes of the respondent's offer.
OFFER_AFTER = {
    "propose_offer": OfferStatus.SUPERSEDED,
    "accept_offer": OfferStatus.ACCEPTED,
    "decline_offer": OfferStatus.DECLINED,
    "withdraw_offer": OfferStatus.WITHDRAWN,
    "escalate": OfferStatus.OPEN,
}
SUCCESS_OUTCOME = {
    "close_won": Outcome.WON,
    "close_lost": Outcome.LOST,
    "close_none": "",
    "withdraw": Outcome.WITHDRAWN,
    "accept_offer": Outcome.SETTLED,
}


def _the_offer(dispute_id: int) -> int:
    """The respondent's offer the setup made (the one offer of the dispute); for a dispute that
    does not exist, an id that names nothing (the service's 404 is about the dispute first)."""
    found = Offer.objects.filter(dispute_id=dispute_id).values_list("pk", flat=True).first()
    return 987654321 if found is None else found


ACTIONS: dict[str, Callable[[User, int], Any]] = {
    "post_public": lambda u, d: services.message_post(actor=u, dispute_id=d, body="My side."),
    "post_internal": lambda u, d: services.message_post(
        actor=u, dispute_id=d, body="Staff only.", visibility="internal"
    ),
    "take_up": lambda u, d: services.dispute_take_up(actor=u, dispute_id=d),
    "close_won": lambda u, d: services.dispute_close(
        actor=u, dispute_id=d, outcome="won", resolution="For the seller."
    ),
    "close_lost": lambda u, d: services.dispute_close(
        actor=u, dispute_id=d, outcome="lost", resolution="For the buyer."
    ),
    "close_none": lambda u, d: services.dispute_close(
        actor=u, dispute_id=d, resolution="Settled between the parties."
    ),
    "withdraw": lambda u, d: services.dispute_withdraw(actor=u, dispute_id=d),
    "propose_offer": lambda u, d: services.offer_propose(
        actor=u, dispute_id=d, amount=Decimal("12.50"), note="Half of it?"
    ),
    "accept_offer": lambda u, d: services.offer_accept(
        actor=u, dispute_id=d, offer_id=_the_offer(d)
    ),
    "decline_offer": lambda u, d: services.offer_decline(
        actor=u, dispute_id=d, offer_id=_the_offer(d)
    ),
    "withdraw_offer": lambda u, d: services.offer_withdraw(
        actor=u, dispute_id=d, offer_id=_the_offer(d)
    ),
    "escalate": lambda u, d: services.dispute_escalate(
        actor=u, dispute_id=d, reason="We cannot agree on a refund."
    ),
}
# Where the offer and escalation moves act on a dispute with the respondent's open offer.
WITH_OFFER = (*OFFER_MOVES, "escalate")


def _cases() -> list[Any]:
    cases = []
    for action, rows in TABLE.items():
        for state, results in rows.items():
            # Who opened matters only where the opener and the respondent differ in rights.
            openers = ("buyer", "seller") if action in OPENER_MATTERS else ("buyer",)
            for opener in openers:
                for column, expected in zip(COLUMNS, results, strict=True):
                    cases.append(
                        pytest.param(
                            action,
                            state,
                            opener,
                            column,
                            expected,
                            id=f"{action}-{state}-{opener}_opened-{column}",
                        )
                    )
    return cases


def _setup(state: str, opener: str, with_offer: bool = False) -> tuple[Dispute, dict[str, User]]:
    buyer, seller, staff = new_user(), new_user(), new_staff()
    order = make_order(buyer=buyer, seller=seller)
    opener_user, respondent = (buyer, seller) if opener == "buyer" else (seller, buyer)
    if not with_offer:
        dispute = make_dispute(state=state, order=order, opener=opener, staff=staff)
    else:
        start = R if state == R else N
        dispute = make_dispute(state=start, order=order, opener=opener, staff=staff)
        services.offer_propose(actor=respondent, dispute_id=dispute.pk, amount=Decimal("30.00"))
        decisions = {WON: "won", LOST: "lost", CLOSED: None}
        if state in decisions:
            services.dispute_close(
                actor=staff, dispute_id=dispute.pk, outcome=decisions[state], resolution="Done."
            )
        dispute.refresh_from_db()
        assert dispute.status == state
    return dispute, {
        "opener": opener_user,
        "respondent": respondent,
        "stranger": new_user(),
        "staff": staff,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state", "opener", "column", "expected"), _cases())
def test_service_matrix(action: str, state: str, opener: str, column: str, expected: Any) -> None:
    dispute, users = _setup(state, opener, with_offer=action in WITH_OFFER)
    actor = users[column]
    before = snapshot(dispute.pk)

    if isinstance(expected, type) and issubclass(expected, DomainError):
        with pytest.raises(expected) as caught:
            ACTIONS[action](actor, dispute.pk)
        assert caught.value.status_code == {NotAllowed: 403, Conflict: 409}[expected]
        if expected is Conflict:
            # A decided dispute says so; an open one names the refused move.
            wanted = "dispute_closed" if state in TERMINAL else "transition_not_allowed"
            assert caught.value.code == wanted
        assert snapshot(dispute.pk) == before, "a refused call must write nothing"
        return

    ACTIONS[action](actor, dispute.pk)
    dispute.refresh_from_db()
    assert dispute.status == expected
    events = new_events(dispute.pk, before)
    moved = expected != state

    if action.startswith("post_"):
        internal = action == "post_internal"
        message = Message.objects.exclude(pk__in=before["messages"]).get(dispute=dispute)
        assert message.author_id == actor.pk
        assert message.visibility == ("internal" if internal else "public")
        posted = EventType.NOTE_POSTED if internal else EventType.MESSAGE_POSTED
        assert events[0] == (posted, "", "", actor.pk)
        if moved:
            assert events[1:] == [(EventType.RESPONDED, state, expected, actor.pk)]
        else:
            assert len(events) == 1
        if internal:
            # A note leaves no trace in the row a party reads.
            assert Dispute.objects.filter(pk=dispute.pk).values().get() == before["row"]
        return

    if action in WITH_OFFER:
        respondents_offer = Offer.objects.get(pk=before["offers"][0]["id"])
        assert respondents_offer.status == OFFER_AFTER[action]
        assert (respondents_offer.decided_at is None) == (action == "escalate")
    if action in STILL_EVENT:
        assert not moved
        assert events == [(STILL_EVENT[action], "", "", actor.pk)]
        row = Dispute.objects.filter(pk=dispute.pk).values().get()
        changed = {k for k, v in row.items() if before["row"][k] != v}
        escalation = {"escalated_at", "escalated_by_id", "escalation_reason"}
        if state == N:
            # Escalation starts the wait for staff; under review, the respondent's answer did.
            escalation |= {"staff_wait_since", "staff_due_at"}
        activity = {"updated_at", "last_activity_at"}
        assert changed == (activity | escalation if action == "escalate" else activity)
        if action == "propose_offer":
            made = Offer.objects.exclude(pk=respondents_offer.pk).get(dispute=dispute)
            assert (made.proposed_by_id, made.amount, made.status) == (
                actor.pk,
                Decimal("12.50"),
                OfferStatus.OPEN,
            )
        if action == "escalate":
            assert (dispute.escalated_by_id, dispute.escalation_reason) == (
                actor.pk,
                "We cannot agree on a refund.",
            )
        return

    if action == "take_up":
        # Taking a dispute up also assigns it to the taker (a staff-only timeline event).
        assert events == [
            (SUCCESS_EVENT[action], state, expected, actor.pk),
            (EventType.ASSIGNED, "", "", actor.pk),
        ]
        assert dispute.assignee_id == actor.pk
    else:
        assert events == [(SUCCESS_EVENT[action], state, expected, actor.pk)]
    if action == "accept_offer":
        assert dispute.refund_amount == Decimal("30.00")
        assert dispute.resolution.startswith("Settled between the parties")
    if action in SUCCESS_OUTCOME:
        assert dispute.outcome == SUCCESS_OUTCOME[action]
        assert dispute.closed_by_id == actor.pk
        assert dispute.closed_at is not None
        assert dispute.is_terminal
    else:
        assert dispute.closed_at is None
    assert Message.objects.filter(dispute=dispute).count() == len(before["messages"])


# --- open: from "no dispute" and from an existing dispute in every state --------------------------

OPEN_TABLE: dict[str | None, tuple[Any, Any, Any, Any]] = {
    # columns: buyer, seller, stranger, staff (staff is not a party here)
    None: (N, N, F, F),
    N: (C, C, F, F),
    R: (C, C, F, F),
    WON: (N, N, F, F),
    LOST: (N, N, F, F),
    CLOSED: (N, N, F, F),
}


@pytest.mark.django_db
@pytest.mark.parametrize("existing", list(OPEN_TABLE), ids=lambda s: f"existing_{s}")
@pytest.mark.parametrize(
    "column", range(4), ids=lambda i: ("buyer", "seller", "stranger", "staff")[i]
)
def test_open_matrix(existing: str | None, column: int) -> None:
    buyer, seller, stranger, staff = new_user(), new_user(), new_user(), new_staff()
    order = make_order(buyer=buyer, seller=seller)
    previous = make_dispute(state=existing, order=order, staff=staff) if existing else None
    actor = (buyer, seller, stranger, staff)[column]
    expected = OPEN_TABLE[existing][column]
    disputes_before = list(Dispute.objects.values_list("pk", flat=True))
    previous_state = snapshot(previous.pk) if previous else None

    if expected in (F, C):
        with pytest.raises(expected) as caught:
            services.dispute_open(actor=actor, order_id=order.pk, reason="Broken on arrival.")
        if expected is C:
            assert caught.value.code == "dispute_already_open"
        assert list(Dispute.objects.values_list("pk", flat=True)) == disputes_before
    else:
        dispute = services.dispute_open(actor=actor, order_id=order.pk, reason="Broken on arrival.")
        assert dispute.status == expected
        assert dispute.opened_by_id == actor.pk
        assert (dispute.buyer_id, dispute.seller_id) == (buyer.pk, seller.pk)
        assert list(dispute.events.values_list("type", "from_status", "to_status", "actor_id")) == [
            (EventType.OPENED, "", N, actor.pk)
        ]
    if previous is not None:
        assert snapshot(previous.pk) == previous_state


@pytest.mark.django_db
def test_staff_who_is_the_buyer_may_open_and_then_withdraw() -> None:
    staff_buyer = new_staff()
    order = make_order(buyer=staff_buyer)
    dispute = services.dispute_open(actor=staff_buyer, order_id=order.pk, reason="Never arrived.")
    services.dispute_withdraw(actor=staff_buyer, dispute_id=dispute.pk)
    dispute.refresh_from_db()
    assert (dispute.status, dispute.outcome) == (CLOSED, Outcome.WITHDRAWN)


@pytest.mark.django_db
def test_inactive_party_is_refused_everything() -> None:
    dispute = make_dispute()
    buyer = dispute.buyer
    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    before = snapshot(dispute.pk)
    for action in ("post_public", "withdraw"):
        with pytest.raises(NotAllowed):
            ACTIONS[action](buyer, dispute.pk)
    with pytest.raises(NotAllowed):
        services.dispute_open(actor=buyer, order_id=make_order(buyer=buyer).pk, reason=REASON_OK)
    assert snapshot(dispute.pk) == before


# --- expire: the system's move --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("overdue", [True, False], ids=["overdue", "in_time"])
def test_expire_matrix(state: str, overdue: bool) -> None:
    dispute = make_dispute(state=state)
    if overdue:
        make_overdue(dispute)
    before = snapshot(dispute.pk)
    expired = services.disputes_expire()
    dispute.refresh_from_db()
    if state == N and overdue:
        assert expired == 1
        assert (dispute.status, dispute.outcome) == (LOST, Outcome.EXPIRED)
        assert dispute.refund_amount == dispute.amount
        assert dispute.closed_at is not None and dispute.closed_by_id is None
        assert new_events(dispute.pk, before) == [(EventType.EXPIRED, N, LOST, None)]
    else:
        assert expired == 0
        assert snapshot(dispute.pk) == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
def test_missing_dispute_is_not_found(action: str, staff: User) -> None:
    with pytest.raises(NotFound):
        ACTIONS[action](staff, 987654321)
