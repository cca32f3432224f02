"""Every write to disputes, one function per business action (DESIGN §4).

Each service runs in a transaction, locks the row it changes, asks the policy, checks the move
against `states.py`, writes with `update_fields`, appends a `DisputeEvent` and schedules side
effects with `transaction.on_commit`. `_transition` is the only place a status is assigned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import READER_FIELDS, user_get_for_request
from disputes import policies, states
from disputes.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeStatus,
    EventType,
    Message,
    Outcome,
    PaymentEvent,
    PaymentEventResult,
    ReasonCode,
    Visibility,
)
from disputes.notifications import address_sql, notify_addresses, notify_users
from disputes.policies import Action
from echo_disputes import rawsql
from echo_disputes.errors import Conflict, InvalidInput, NotFound
from orders.models import Order

REASON_MIN, REASON_MAX = 10, 500
MESSAGE_MAX = 2000
RESOLUTION_MAX = 2000
CENT = Decimal("0.01")


# --- shared helpers ---------------------------------------------------------------------------


def _lock_dispute(dispute_id: int) -> Dispute:
    # Plain SQL: every write starts here and the ORM's query building cost more than the lock.
    row = None
    if rawsql.is_row_id(dispute_id):
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with rawsql.cursor() as cursor:
            cursor.execute(
                f"SELECT {rawsql.select_list(Dispute, 'd')} FROM disputes_dispute d "  # noqa: S608
                f"WHERE d.id = %s{lock}",
                [dispute_id],
            )
            row = cursor.fetchone()
    if row is None:
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    return rawsql.instance(Dispute, row)


def _event(
    *,
    dispute: Dispute,
    actor: User | None,
    type: str,
    from_status: str = "",
    to_status: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        actor=actor,
        type=type,
        from_status=from_status,
        to_status=to_status,
        payload=payload or {},
        at=at or timezone.now(),
    )


def _transition(
    *,
    dispute: Dispute,
    move: states.Move,
    actor: User | None,
    event_type: str,
    now: datetime,
    target: str | None = None,
    payload: dict[str, Any] | None = None,
) -> list[str]:
    """Apply a lifecycle move in memory and log it; returns the fields the caller must save."""
    current = dispute.status
    chosen = target if target is not None else states.single_target(move, current)
    if chosen is None or not states.is_allowed(move, current, chosen):
        if current in TERMINAL_STATUSES:
            raise Conflict(
                f"The dispute is {current}; a decided dispute cannot change.", code="dispute_closed"
            )
        raise Conflict(
            f"A dispute that is {current} cannot be moved this way ({move}).",
            code="transition_not_allowed",
        )
    dispute.status = chosen
    dispute.updated_at = now
    dispute.last_activity_at = now
    fields = ["status", "updated_at", "last_activity_at"]
    if chosen in TERMINAL_STATUSES:
        dispute.closed_at = now
        fields.append("closed_at")
    _event(
        dispute=dispute,
        actor=actor,
        type=event_type,
        from_status=current,
        to_status=chosen,
        payload=payload,
        at=now,
    )
    return fields


def _parties(dispute: Dispute, *, exclude: int | None = None) -> list[int]:
    return [uid for uid in (dispute.buyer_id, dispute.seller_id) if uid != exclude]


def _notify_on_commit(*, user_ids: list[int], subject: str, body: str) -> None:
    transaction.on_commit(partial(notify_users, user_ids=user_ids, subject=subject, body=body))


def _clean_text(value: str, *, field: str, minimum: int, maximum: int, label: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{label} may not be blank.", details={field: ["May not be blank."]})
    if len(text) < minimum:
        raise InvalidInput(
            f"{label} must be at least {minimum} characters.",
            details={field: [f"At least {minimum} characters."]},
        )
    if len(text) > maximum:
        raise InvalidInput(
            f"{label} must be at most {maximum} characters.",
            details={field: [f"At most {maximum} characters."]},
        )
    return text


def money_validate(
    value: Decimal | None, *, field: str, ceiling: Decimal, default: Decimal
) -> Decimal:
    """A positive amount in cents, no more than the order price."""
    if value is None:
        return default
    if value != value.quantize(CENT):
        raise InvalidInput(
            f"{field} has more than two decimals.", details={field: ["At most two decimals."]}
        )
    if value <= 0:
        raise InvalidInput(
            f"{field} must be more than zero.", details={field: ["Must be more than zero."]}
        )
    if value > ceiling:
        raise InvalidInput(
            f"{field} may not exceed the order price ({ceiling}).",
            details={field: [f"At most {ceiling}."]},
        )
    return value


# --- services ---------------------------------------------------------------------------------


@transaction.atomic
def dispute_open(
    *,
    actor: User,
    order_id: int,
    reason: str,
    reason_code: str = ReasonCode.GENERAL,
    amount: Decimal | None = None,
    currency: str | None = None,
) -> Dispute:
    """A party of the order opens a dispute; at most one is open per order at a time."""
    # Locking the order serialises every open (and order completion) on it, so the check below
    # and the insert are one step; the partial unique index is the last line of defence.
    order = Order.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound(
            "No order with this id.",
            code="order_not_found",
            details={"orderId": ["No order with this id."]},
        )
    policies.require(actor, Action.OPEN, order)
    text = _clean_text(
        reason, field="reason", minimum=REASON_MIN, maximum=REASON_MAX, label="The reason"
    )
    if reason_code not in ReasonCode.values:
        raise InvalidInput("Unknown reason code.", details={"reasonCode": ["Unknown code."]})
    if currency is not None and currency != order.currency:
        raise InvalidInput(
            f"The dispute must be in the order's currency ({order.currency}).",
            details={"currency": [f"Must be {order.currency}."]},
        )
    value = money_validate(
        amount, field="amount", ceiling=order.final_price, default=order.final_price
    )
    if Dispute.objects.filter(order=order, status__in=OPEN_STATUSES).exists():
        raise Conflict("This order already has an open dispute.", code="dispute_already_open")
    now = timezone.now()
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                order=order,
                buyer_id=order.buyer_id,
                seller_id=order.seller_id,
                opened_by=actor,
                kind=DisputeKind.ORDER,
                reason=text,
                reason_code=reason_code,
                amount=value,
                currency=order.currency,
                original_amount=order.final_price,
                fee=Decimal("0.00"),
                fee_currency=order.currency,
                respond_by=now + settings.DISPUTE_RESPONSE_WINDOW,
                created_at=now,
                updated_at=now,
                last_activity_at=now,
            )
    except IntegrityError:
        raise Conflict(
            "This order already has an open dispute.", code="dispute_already_open"
        ) from None
    _event(
        dispute=dispute,
        actor=actor,
        type=EventType.OPENED,
        to_status=DisputeStatus.NEEDS_RESPONSE,
        payload={"reason_code": reason_code, "amount": str(value)},
        at=now,
    )
    _notify_on_commit(
        user_ids=_parties(dispute, exclude=actor.pk),
        subject=f"A dispute was opened on order #{order.pk}",
        body=f"{actor.username} opened dispute #{dispute.pk}: {text}\n"
        f"Please respond by {dispute.respond_by:%Y-%m-%d %H:%M} UTC.",
    )
    return dispute


def _clean_message(body: str) -> str:
    return _clean_text(body, field="message", minimum=1, maximum=MESSAGE_MAX, label="The message")


def _require_open_thread(dispute: Dispute) -> None:
    if dispute.is_terminal:
        raise Conflict(f"The dispute is {dispute.status}; no new messages.", code="dispute_closed")


def _answer_moves_status(actor_id: int | None, dispute: Dispute) -> bool:
    """The respondent's answer to a dispute that needs one moves it under review."""
    return actor_id == dispute.respondent_id and dispute.status == DisputeStatus.NEEDS_RESPONSE


def _counts_as_response(actor_id: int | None, dispute: Dispute) -> bool:
    """A public message from anyone but the opener is a response (the dashboard's first-response
    time); the one-statement post writes the same rule as SQL."""
    return actor_id != dispute.opened_by_id


def _notify_new_message(
    *,
    dispute_id: int,
    author: User,
    text: str,
    addresses: list[str | None] | None = None,
    user_ids: list[int] | None = None,
) -> None:
    """The notice of a public message, to the addresses read with the dispute or, when the path
    did not read them, to the users' (notifications.address_sql either way)."""
    subject = f"New message on dispute #{dispute_id}"
    body = f"{author.username} wrote:\n\n{text}"
    if addresses is None:
        _notify_on_commit(user_ids=user_ids or [], subject=subject, body=body)
        return
    # No transaction is open on the direct paths unless the caller holds one: on_commit then
    # runs at once.
    transaction.on_commit(
        partial(notify_addresses, addresses=addresses, subject=subject, body=body)
    )


def _posted_message(
    *, message_id: int, dispute_id: int, author: User, text: str, at: datetime
) -> Message:
    """The Message a direct path wrote, with its author attached (the view shows the name)."""
    message = rawsql.builder(Message)(
        (message_id, dispute_id, author.pk, text, Visibility.PUBLIC.value, at)
    )
    Message.author.field.set_cached_value(message, author)  # type: ignore[attr-defined]
    return message


@dataclass(frozen=True)
class UnreadActor:
    """A caller known only by the id in a checked token (the API's deferred authentication,
    accounts.authentication): `verify` is the authentication's check of the user's row, which
    the service reads along with its own (401 before anything else is decided)."""

    user_id: int
    verify: Callable[[User | None], User]


def message_post(
    *, actor: User | UnreadActor, dispute_id: int, body: str, visibility: str = Visibility.PUBLIC
) -> Message:
    """Post to the thread. The respondent's first public message moves the dispute under review;
    internal notes are staff-only and change nothing a party can see. The message's `author` is
    the caller's user row (read here for an `UnreadActor`).

    The most frequent write of the desk takes the shortest path that can decide it:
    `_message_post_one_statement` writes an ordinary public message in one statement;
    whatever it does not write (an error to explain, the respondent's answer, a race) goes to
    `_message_post_direct` (one read, the policy, one guarded write, no lock), and what that
    cannot write either (a status move, a note, a lost race) to `_message_post_locked`."""
    if visibility == Visibility.PUBLIC and rawsql.writable_ctes():
        posted = _message_post_one_statement(actor=actor, dispute_id=dispute_id, body=body)
        if posted is not None:
            return posted
        actor, posted = _message_post_direct(actor=actor, dispute_id=dispute_id, body=body)
        if posted is not None:
            return posted
    if isinstance(actor, UnreadActor):
        actor = actor.verify(user_get_for_request(user_id=actor.user_id))
    return _message_post_locked(
        actor=actor, dispute_id=dispute_id, body=body, visibility=visibility
    )


# The writes of every public post after its dispute step `d`, which returns `dispute_id` only
# when the post may be written: the message and its audit event. Shared by the two direct paths
# (the locked path writes the same rows through the ORM, with `_event`).
_POST_WRITES_SQL = """
    m AS (
        INSERT INTO disputes_message (dispute_id, author_id, body, visibility, created_at)
        SELECT d.dispute_id, %(actor)s, %(body)s, %(visibility)s, %(now)s FROM d
        RETURNING id
    ), e AS (
        INSERT INTO disputes_disputeevent
            (dispute_id, actor_id, type, from_status, to_status, payload, at)
        SELECT %(dispute)s, %(actor)s, %(event)s, '', '', jsonb_build_object('message_id', m.id),
               %(now)s
        FROM m
    )"""


def _post_write_params(
    *, dispute_id: int, actor_id: int, text: str, now: datetime
) -> dict[str, Any]:
    return {
        "now": now,
        "dispute": dispute_id,
        "actor": actor_id,
        "body": text,
        "visibility": Visibility.PUBLIC.value,
        "event": EventType.MESSAGE_POSTED.value,
    }


def _message_post_one_statement(
    *, actor: User | UnreadActor, dispute_id: int, body: str
) -> Message | None:
    """An ordinary public message (the caller may post, the dispute is open, and the message
    moves no status) as one statement, the caller's row included: it writes the message, its
    event and the activity time only if all of that holds, and returns None otherwise, without
    telling why: the slower paths then decide with `policies.can` and give the precise answer
    (401, 403, 404, 409 or the respondent's status move). Its conditions are the SQL form of
    those rules (policies.post_message_sql, the open statuses, Dispute.respondent_id and the
    first-response rule of `_message_post_locked`); tests/disputes/test_post_direct.py runs
    every role and status through both and compares."""
    try:
        text = _clean_message(body)
    except InvalidInput:
        return None  # the read path answers, after the policy, as it always has
    user_id = actor.user_id if isinstance(actor, UnreadActor) else actor.pk
    if not (rawsql.is_row_id(dispute_id) and rawsql.is_row_id(user_id)):
        return None
    now = timezone.now()
    statuses = {f"open{n}": status for n, status in enumerate(OPEN_STATUSES)}
    open_statuses = ", ".join(f"%({name})s" for name in statuses)
    reader = rawsql.select_list(User, "me", READER_FIELDS)
    with rawsql.cursor() as cursor:
        cursor.execute(
            f"""
            WITH d AS (
                UPDATE disputes_dispute d
                SET updated_at = %(now)s, last_activity_at = %(now)s,
                    first_response_at = COALESCE(
                        d.first_response_at,
                        CASE WHEN d.opened_by_id IS DISTINCT FROM me.id THEN %(now)s END)
                FROM accounts_user me
                WHERE d.id = %(dispute)s AND me.id = %(actor)s
                  AND {policies.post_message_sql("d", "me")}
                  AND d.status IN ({open_statuses})
                  AND NOT (d.status = %(needs_response)s
                           AND me.id = CASE WHEN d.opened_by_id = d.seller_id
                                            THEN d.buyer_id ELSE d.seller_id END)
                RETURNING d.id AS dispute_id, d.buyer_id, d.seller_id, {reader}
            ), {_POST_WRITES_SQL}
            SELECT m.id, {address_sql("d.buyer_id")}, {address_sql("d.seller_id")}, d.*
            FROM m, d
            """,  # noqa: S608
            {
                **_post_write_params(dispute_id=dispute_id, actor_id=user_id, text=text, now=now),
                **statuses,
                "needs_response": DisputeStatus.NEEDS_RESPONSE.value,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    message_id, buyer_address, seller_address, _, buyer_id, seller_id = row[:6]
    author = rawsql.builder(User, READER_FIELDS)(row[6:])
    addresses = {buyer_id: buyer_address, seller_id: seller_address}
    _notify_new_message(
        dispute_id=dispute_id,
        author=author,
        text=text,
        addresses=[addresses[uid] for uid in (buyer_id, seller_id) if uid != author.pk],
    )
    return _posted_message(
        message_id=message_id, dispute_id=dispute_id, author=author, text=text, at=now
    )


# The columns `_message_post_direct` reads: what the policy, the move check and the notification
# need. The dispute's status is also the write's guard.
_POST_FIELDS = ("id", "buyer_id", "seller_id", "opened_by_id", "status")


def _post_read(actor: User | UnreadActor, dispute_id: int) -> tuple[User, Sequence[Any] | None]:
    """The caller (read now for an `UnreadActor`, and verified) and the dispute's row with the
    parties' e-mail addresses (for the notice after the write), in one statement."""
    columns = (
        f"{rawsql.select_list(Dispute, 'd', _POST_FIELDS)}, "
        f"{address_sql('d.buyer_id')}, {address_sql('d.seller_id')}"
    )
    if not isinstance(actor, UnreadActor):
        row = None
        if rawsql.is_row_id(dispute_id):
            with rawsql.cursor() as cursor:
                cursor.execute(
                    f"SELECT {columns} FROM disputes_dispute d WHERE d.id = %s",  # noqa: S608
                    [dispute_id],
                )
                row = cursor.fetchone()
        return actor, row
    found = None
    if rawsql.is_row_id(actor.user_id):
        with rawsql.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns}, {rawsql.select_list(User, 'me', READER_FIELDS)} "  # noqa: S608
                "FROM accounts_user me LEFT JOIN disputes_dispute d ON d.id = %s "
                "WHERE me.id = %s",
                [dispute_id if rawsql.is_row_id(dispute_id) else 0, actor.user_id],
            )
            found = cursor.fetchone()
    width = len(_POST_FIELDS) + 2
    user = actor.verify(
        None if found is None else rawsql.builder(User, READER_FIELDS)(found[width:])
    )
    row = found[:width] if found is not None and found[0] is not None else None
    return user, row


def _message_post_direct(
    *, actor: User | UnreadActor, dispute_id: int, body: str
) -> tuple[User, Message | None]:
    """A public message as two statements and no transaction of its own: read the dispute, ask
    the same policy and checks as `_message_post_locked`, then write the message, its event and
    the dispute's activity in one statement that only applies if the status is still the one
    the checks saw. No message when it is not, or when the message would move the status: the
    locked path then decides (and answers the conflict) with the row locked.

    Against the locked path this saves the lock, BEGIN and COMMIT and three statements
    (docs/benchmarks.md)."""
    user, row = _post_read(actor, dispute_id)
    actor = user
    if row is None:
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    dispute = rawsql.builder(Dispute, _POST_FIELDS)(row[:-2])
    addresses = dict(zip((dispute.buyer_id, dispute.seller_id), row[-2:], strict=True))
    policies.require(actor, Action.POST_MESSAGE, dispute)
    text = _clean_message(body)
    _require_open_thread(dispute)
    if _answer_moves_status(actor.pk, dispute):
        return actor, None  # a transition: under the lock
    now = timezone.now()
    with rawsql.cursor() as cursor:
        cursor.execute(
            f"""
            WITH d AS (
                UPDATE disputes_dispute
                SET updated_at = %(now)s, last_activity_at = %(now)s,
                    first_response_at = COALESCE(first_response_at, %(first_response)s)
                WHERE id = %(dispute)s AND status = %(status)s
                RETURNING id AS dispute_id
            ), {_POST_WRITES_SQL}
            SELECT id FROM m
            """,  # noqa: S608
            {
                **_post_write_params(dispute_id=dispute.pk, actor_id=actor.pk, text=text, now=now),
                "first_response": now if _counts_as_response(actor.pk, dispute) else None,
                "status": dispute.status,
            },
        )
        written = cursor.fetchone()
    if written is None:
        return actor, None  # the status changed since the read
    _notify_new_message(
        dispute_id=dispute.pk,
        author=actor,
        text=text,
        addresses=[addresses[uid] for uid in _parties(dispute, exclude=actor.pk)],
    )
    return actor, _posted_message(
        message_id=written[0], dispute_id=dispute.pk, author=actor, text=text, at=now
    )


@transaction.atomic
def _message_post_locked(*, actor: User, dispute_id: int, body: str, visibility: str) -> Message:
    dispute = _lock_dispute(dispute_id)
    if visibility not in Visibility.values:
        raise InvalidInput(
            "visibility must be public or internal.",
            details={"visibility": ["Must be public or internal."]},
        )
    internal = visibility == Visibility.INTERNAL
    policies.require(actor, Action.POST_NOTE if internal else Action.POST_MESSAGE, dispute)
    text = _clean_message(body)
    _require_open_thread(dispute)
    now = timezone.now()
    message = Message.objects.create(
        dispute=dispute, author=actor, body=text, visibility=visibility, created_at=now
    )
    _event(
        dispute=dispute,
        actor=actor,
        type=EventType.NOTE_POSTED if internal else EventType.MESSAGE_POSTED,
        payload={"message_id": message.pk},
        at=now,
    )
    if internal:
        # Notes leave no visible trace: not even the dispute's activity time moves.
        return message
    dispute.updated_at = now
    dispute.last_activity_at = now
    fields = ["updated_at", "last_activity_at"]
    if dispute.first_response_at is None and _counts_as_response(actor.pk, dispute):
        dispute.first_response_at = now
        fields.append("first_response_at")
    if _answer_moves_status(actor.pk, dispute):
        fields += _transition(
            dispute=dispute,
            move=states.Move.RESPOND,
            actor=actor,
            event_type=EventType.RESPONDED,
            now=now,
            payload={"message_id": message.pk},
        )
    dispute.save(update_fields=sorted(set(fields)))
    _notify_new_message(
        dispute_id=dispute.pk,
        author=actor,
        text=text,
        user_ids=_parties(dispute, exclude=actor.pk),
    )
    return message


@transaction.atomic
def dispute_take_up(*, actor: User, dispute_id: int) -> Dispute:
    """Staff start reviewing before the respondent has answered."""
    dispute = _lock_dispute(dispute_id)
    policies.require(actor, Action.TAKE_UP, dispute)
    now = timezone.now()
    fields = _transition(
        dispute=dispute,
        move=states.Move.TAKE_UP,
        actor=actor,
        event_type=EventType.TAKEN_UP,
        now=now,
    )
    dispute.save(update_fields=fields)
    return dispute


@transaction.atomic
def dispute_close(
    *,
    actor: User,
    dispute_id: int,
    resolution: str,
    outcome: str | None = None,
    refund_amount: Decimal | None = None,
) -> Dispute:
    """Staff decide: `won` for the seller, `lost` for the buyer (with a refund up to the order
    price, the disputed amount by default), or no outcome to close without a winner."""
    dispute = _lock_dispute(dispute_id)
    policies.require(actor, Action.DECIDE, dispute)
    text = _clean_text(
        resolution, field="resolution", minimum=1, maximum=RESOLUTION_MAX, label="The resolution"
    )
    moves = {
        None: states.Move.CLOSE,
        "": states.Move.CLOSE,
        Outcome.WON.value: states.Move.DECIDE_WON,
        Outcome.LOST.value: states.Move.DECIDE_LOST,
    }
    if outcome not in moves:
        raise InvalidInput(
            "outcome must be won, lost or omitted.",
            details={"outcome": ["Must be won, lost or omitted."]},
        )
    move = moves[outcome]
    refund: Decimal | None = None
    if move is states.Move.DECIDE_LOST:
        refund = money_validate(
            refund_amount,
            field="refundAmount",
            ceiling=dispute.original_amount,
            default=dispute.amount,
        )
    elif refund_amount is not None:
        raise InvalidInput(
            "A refund is recorded only when the buyer wins (outcome lost).",
            details={"refundAmount": ["Only with outcome lost."]},
        )
    now = timezone.now()
    fields = _transition(
        dispute=dispute,
        move=move,
        actor=actor,
        now=now,
        event_type=EventType.CLOSED if move is states.Move.CLOSE else EventType.DECIDED,
        payload={
            "outcome": outcome or "",
            "refund_amount": str(refund) if refund else None,
            "resolution": text,
        },
    )
    dispute.resolution = text
    dispute.outcome = outcome or ""
    dispute.refund_amount = refund
    dispute.closed_by = actor
    dispute.save(update_fields=[*fields, "resolution", "outcome", "refund_amount", "closed_by"])
    _notify_on_commit(
        user_ids=_parties(dispute),
        subject=f"Dispute #{dispute.pk} was decided: {dispute.status}",
        body=f"Resolution: {text}",
    )
    return dispute


@transaction.atomic
def dispute_withdraw(*, actor: User, dispute_id: int) -> Dispute:
    """The opener drops the dispute; it closes with outcome `withdrawn`."""
    dispute = _lock_dispute(dispute_id)
    policies.require(actor, Action.WITHDRAW, dispute)
    now = timezone.now()
    fields = _transition(
        dispute=dispute,
        move=states.Move.WITHDRAW,
        actor=actor,
        event_type=EventType.WITHDRAWN,
        now=now,
    )
    dispute.outcome = Outcome.WITHDRAWN
    dispute.closed_by = actor
    dispute.save(update_fields=[*fields, "outcome", "closed_by"])
    _notify_on_commit(
        user_ids=_parties(dispute, exclude=actor.pk),
        subject=f"Dispute #{dispute.pk} was withdrawn",
        body=f"{actor.username} withdrew the dispute.",
    )
    return dispute


def disputes_expire(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """The system decides for the buyer when the respondent let `respond_by` pass.

    Safe to run on several hosts at once: each batch locks its rows with SKIP LOCKED, so two
    runners never pick the same dispute, and a row already expired no longer matches.
    """
    moment = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Dispute.objects.select_for_update(skip_locked=True)
                .filter(status=DisputeStatus.NEEDS_RESPONSE, respond_by__lt=moment)
                .order_by("respond_by", "id")[:batch_size]
            )
            if not batch:
                return expired
            for dispute in batch:
                fields = _transition(
                    dispute=dispute,
                    move=states.Move.EXPIRE,
                    actor=None,
                    event_type=EventType.EXPIRED,
                    now=timezone.now(),
                    payload={"respond_by": dispute.respond_by.isoformat()},
                )
                dispute.outcome = Outcome.EXPIRED
                dispute.refund_amount = dispute.amount
                dispute.save(update_fields=[*fields, "outcome", "refund_amount"])
                _notify_on_commit(
                    user_ids=_parties(dispute),
                    subject=f"Dispute #{dispute.pk} expired",
                    body="The deadline to respond passed without a response; the dispute was "
                    "decided for the buyer.",
                )
            expired += len(batch)


# --- chargebacks from the payment provider (DESIGN §8) -----------------------------------------

CHARGEBACK_EVENT_TYPES: tuple[str, ...] = ("dispute.created", "dispute.updated", "dispute.closed")
CHARGEBACK_SUPERSEDED = (
    "Superseded by a chargeback: the buyer's bank disputed the payment, so the payment "
    "provider now decides this dispute."
)


@dataclass(frozen=True)
class ChargebackEvent:
    """One provider event, its shape already checked by the webhook's input serializer."""

    event_id: str
    type: str
    created: datetime
    provider_dispute_id: str
    transaction_id: str
    reason_code: str
    amount: Decimal
    currency: str
    status: str
    fee: Decimal | None = None
    fee_currency: str | None = None
    expiration_time: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChargebackResult:
    event: PaymentEvent
    replayed: bool


def _chargeback_outcome(dispute: Dispute) -> list[str]:
    """A provider decision carries its outcome; a lost chargeback refunds the disputed amount."""
    if dispute.status == DisputeStatus.WON:
        dispute.outcome = Outcome.WON
    elif dispute.status == DisputeStatus.LOST:
        dispute.outcome = Outcome.LOST
        dispute.refund_amount = dispute.amount
    else:
        return []
    return ["outcome", "refund_amount"]


def _chargeback_move(
    *, dispute: Dispute, event: ChargebackEvent, now: datetime, fields: list[str]
) -> list[str]:
    """Move to the provider's status (when it differs) through `_transition`, or log the update."""
    payload = {
        "event_id": event.event_id,
        "provider_dispute_id": event.provider_dispute_id,
        "amount": str(dispute.amount),
        "fee": str(dispute.fee),
    }
    if event.status == dispute.status:
        _event(dispute=dispute, actor=None, type=EventType.PROVIDER_UPDATE, payload=payload, at=now)
        return fields
    fields = fields + _transition(
        dispute=dispute,
        move=states.Move.PROVIDER,
        actor=None,
        event_type=EventType.PROVIDER_UPDATE,
        now=now,
        target=event.status,
        payload=payload,
    )
    fields += _chargeback_outcome(dispute)
    _notify_on_commit(
        user_ids=_parties(dispute),
        subject=f"Chargeback on order #{dispute.order_id} is now {dispute.status}",
        body=f"The payment provider reports dispute #{dispute.pk} as {dispute.status}.",
    )
    return fields


def _chargeback_supersede(*, order: Order, event: ChargebackEvent, now: datetime) -> None:
    """A chargeback takes over the order: the open party dispute closes without a winner."""
    for other in Dispute.objects.select_for_update().filter(order=order, status__in=OPEN_STATUSES):
        fields = _transition(
            dispute=other,
            move=states.Move.CLOSE,
            actor=None,
            event_type=EventType.CLOSED,
            now=now,
            payload={"superseded_by": event.provider_dispute_id, "event_id": event.event_id},
        )
        other.resolution = CHARGEBACK_SUPERSEDED
        other.save(update_fields=[*fields, "resolution"])
        _notify_on_commit(
            user_ids=_parties(other),
            subject=f"Dispute #{other.pk} was closed by a chargeback",
            body=CHARGEBACK_SUPERSEDED,
        )


def _chargeback_open(
    *,
    order: Order,
    event: ChargebackEvent,
    amount: Decimal,
    fee: Decimal,
    fee_currency: str,
    now: datetime,
) -> Dispute:
    _chargeback_supersede(order=order, event=event, now=now)
    label = ReasonCode(event.reason_code).label
    dispute = Dispute.objects.create(
        order=order,
        buyer_id=order.buyer_id,
        seller_id=order.seller_id,
        opened_by=None,
        kind=DisputeKind.CHARGEBACK,
        reason=f"Chargeback reported by the payment provider: {label}.",
        reason_code=event.reason_code,
        amount=amount,
        currency=order.currency,
        original_amount=order.final_price,
        fee=fee,
        fee_currency=fee_currency,
        respond_by=event.expiration_time or now + settings.DISPUTE_RESPONSE_WINDOW,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        provider_dispute_id=event.provider_dispute_id,
        provider_event_at=event.created,
    )
    _event(
        dispute=dispute,
        actor=None,
        type=EventType.OPENED,
        to_status=DisputeStatus.NEEDS_RESPONSE,
        payload={
            "event_id": event.event_id,
            "provider_dispute_id": event.provider_dispute_id,
            "reason_code": event.reason_code,
            "amount": str(amount),
            "fee": str(fee),
        },
        at=now,
    )
    _notify_on_commit(
        user_ids=_parties(dispute),
        subject=f"A chargeback was reported on order #{order.pk}",
        body=f"The buyer's bank disputed the payment ({label}, {amount} {order.currency}). "
        f"Please respond by {dispute.respond_by:%Y-%m-%d %H:%M} UTC.",
    )
    if event.status != DisputeStatus.NEEDS_RESPONSE:
        fields = _chargeback_move(dispute=dispute, event=event, now=now, fields=[])
        dispute.save(update_fields=sorted(set(fields)))
    return dispute


def _chargeback_update(
    *,
    dispute: Dispute,
    event: ChargebackEvent,
    amount: Decimal,
    fee: Decimal,
    fee_currency: str,
    now: datetime,
) -> None:
    dispute.amount = amount
    dispute.fee = fee
    dispute.fee_currency = fee_currency
    dispute.reason_code = event.reason_code
    dispute.provider_event_at = event.created
    dispute.updated_at = now
    dispute.last_activity_at = now
    fields = [
        "amount",
        "fee",
        "fee_currency",
        "reason_code",
        "provider_event_at",
        "updated_at",
        "last_activity_at",
    ]
    if event.expiration_time is not None:
        dispute.respond_by = event.expiration_time
        fields.append("respond_by")
    fields = _chargeback_move(dispute=dispute, event=event, now=now, fields=fields)
    dispute.save(update_fields=sorted(set(fields)))


@transaction.atomic
def chargeback_apply(*, event: ChargebackEvent) -> ChargebackResult:
    """Apply a provider event to the order's chargeback dispute, opening it on first sight.

    Once per event id, whatever the delivery (the unique event id decides, even for simultaneous
    deliveries), and never backwards: an event older than the last one applied to the dispute,
    or one about a dispute already decided, is stored and changes nothing.
    """
    # Every event of an order waits on the order row: finding the dispute, superseding a party
    # dispute and inserting the chargeback are one step.
    order = Order.objects.select_for_update().filter(transaction_id=event.transaction_id).first()
    if order is None:
        raise NotFound(
            "No order with this transaction id.",
            code="transaction_not_found",
            details={"data.transaction_id": ["No order with this transaction id."]},
        )
    try:
        with transaction.atomic():
            record = PaymentEvent.objects.create(
                event_id=event.event_id,
                type=event.type,
                created=event.created,
                payload=event.payload,
            )
    except IntegrityError:
        return ChargebackResult(
            event=PaymentEvent.objects.get(event_id=event.event_id), replayed=True
        )
    if event.currency != order.currency:
        raise InvalidInput(
            f"data.currency must be the order's currency ({order.currency}).",
            details={"data.currency": [f"Must be {order.currency}."]},
        )
    amount = money_validate(
        event.amount, field="data.amount", ceiling=order.final_price, default=order.final_price
    )
    fee = settings.CHARGEBACK_FEE if event.fee is None else event.fee
    fee_currency = event.fee_currency or order.currency
    dispute = (
        Dispute.objects.select_for_update()
        .filter(provider_dispute_id=event.provider_dispute_id)
        .first()
    )
    if dispute is not None and dispute.order_id != order.pk:
        raise InvalidInput(
            "data.dispute_id belongs to another transaction.",
            details={"data.dispute_id": ["Belongs to another transaction."]},
        )
    now = timezone.now()
    result = PaymentEventResult.APPLIED
    if dispute is None:
        dispute = _chargeback_open(
            order=order, event=event, amount=amount, fee=fee, fee_currency=fee_currency, now=now
        )
    elif dispute.provider_event_at is not None and event.created < dispute.provider_event_at:
        result = PaymentEventResult.STALE
    elif dispute.is_terminal:
        result = PaymentEventResult.TERMINAL
    else:
        _chargeback_update(
            dispute=dispute, event=event, amount=amount, fee=fee, fee_currency=fee_currency, now=now
        )
    record.dispute = dispute
    record.result = result
    record.save(update_fields=["dispute", "result"])
    return ChargebackResult(event=record, replayed=False)
