"""The dispute lifecycle as data (docs/design.md §4): for each action, the statuses it may start
from and where it leads. Services consult it; nothing else decides whether a move is legal."""

from __future__ import annotations

from enum import StrEnum

from disputes.models import DisputeStatus as S


class Move(StrEnum):
    RESPOND = "respond"
    TAKE_UP = "take_up"
    DECIDE_WON = "decide_won"
    DECIDE_LOST = "decide_lost"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    PROVIDER = "provider"
    # The parties settle: the respondent accepts an offer (docs/design.md §4, Offers).
    SETTLE = "settle"


_OPEN = (S.NEEDS_RESPONSE, S.UNDER_REVIEW)

TRANSITIONS: dict[Move, dict[str, frozenset[str]]] = {
    Move.RESPOND: {S.NEEDS_RESPONSE: frozenset({S.UNDER_REVIEW})},
    Move.TAKE_UP: {S.NEEDS_RESPONSE: frozenset({S.UNDER_REVIEW})},
    Move.DECIDE_WON: {s: frozenset({S.WON}) for s in _OPEN},
    Move.DECIDE_LOST: {s: frozenset({S.LOST}) for s in _OPEN},
    Move.CLOSE: {s: frozenset({S.CLOSED}) for s in _OPEN},
    Move.WITHDRAW: {s: frozenset({S.CLOSED}) for s in _OPEN},
    Move.EXPIRE: {S.NEEDS_RESPONSE: frozenset({S.LOST})},
    # The provider reports its own view of a chargeback: any open status may move to any other
    # status; terminal ones never reopen.
    Move.PROVIDER: {s: frozenset(set(S.values) - {s}) for s in _OPEN},
    Move.SETTLE: {s: frozenset({S.CLOSED}) for s in _OPEN},
}


class Step(StrEnum):
    """Actions on an open dispute that change no status but are allowed only in some statuses."""

    PROPOSE_OFFER = "propose_offer"
    ANSWER_OFFER = "answer_offer"
    WITHDRAW_OFFER = "withdraw_offer"
    ESCALATE = "escalate"
    # Staff give an open dispute an owner; a decided one keeps the owner it had.
    ASSIGN = "assign"


# Offers and escalation belong to a dispute still being worked out: a decided one takes none.
STEPS: dict[Step, frozenset[str]] = {
    Step.PROPOSE_OFFER: frozenset(_OPEN),
    Step.ANSWER_OFFER: frozenset(_OPEN),
    Step.WITHDRAW_OFFER: frozenset(_OPEN),
    Step.ESCALATE: frozenset(_OPEN),
    Step.ASSIGN: frozenset(_OPEN),
}


def step_allowed(step: Step, current: str) -> bool:
    return current in STEPS[step]


def targets(move: Move, current: str) -> frozenset[str]:
    return TRANSITIONS[move].get(current, frozenset())


def is_allowed(move: Move, current: str, target: str) -> bool:
    return target in targets(move, current)


def single_target(move: Move, current: str) -> str | None:
    """The one status a move leads to from `current`, or None when the move is not allowed."""
    found = targets(move, current)
    return next(iter(found)) if len(found) == 1 else None
