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
}


def targets(move: Move, current: str) -> frozenset[str]:
    return TRANSITIONS[move].get(current, frozenset())


def is_allowed(move: Move, current: str, target: str) -> bool:
    return target in targets(move, current)


def single_target(move: Move, current: str) -> str | None:
    """The one status a move leads to from `current`, or None when the move is not allowed."""
    found = targets(move, current)
    return next(iter(found)) if len(found) == 1 else None
