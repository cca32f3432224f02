"""The two reads the ORM cannot make fast enough, as one read-only statement each.

The dispute detail and a party's page of disputes are the requests the parties' apps make all
the time. Through the ORM each takes several compiled queries, and compiling and building them is
most of the request (docs/benchmarks.md: a detail with 20 messages spends 2.1 ms of CPU in the
ORM's selector and 0.5 ms in the statement below). Rules stay where they are: the caller passes
what the policies decided (which visibilities, which statuses), and the selectors ask the policy
about the result.

Parameters only; instances are built with `Model.from_db`, the values first converted by each
field's own `to_python` (SQLite hands back text for times and numbers where PostgreSQL hands back
the types). Plain SQL that PostgreSQL and SQLite both run. tests/disputes/test_sql.py compares
every statement's rows with the ORM query it replaces, on both databases.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

from accounts.models import User
from disputes.models import Dispute, Evidence, Message

M = TypeVar("M", bound=models.Model)
ROW_ID_MAX = 2**63 - 1

# What a list row shows (DisputeOutput) and what the policy reads; the other columns would cost a
# conversion each for nothing.
LIST_FIELDS = (
    "id", "order_id", "buyer_id", "seller_id", "opened_by_id", "kind", "reason", "reason_code",
    "status", "outcome", "resolution", "amount", "currency", "refund_amount", "respond_by",
    "created_at", "updated_at", "closed_at", "escalated_at", "escalated_by_id",
    "escalation_reason",
)  # fmt: skip
_NAME = ("id", "username")


def _attnames(model: type[models.Model], names: Sequence[str] | None = None) -> list[str]:
    """Column names in model order (`names` None: every concrete field)."""
    fields = [f.attname for f in model._meta.concrete_fields]
    return fields if names is None else [f for f in fields if f in names]


def _columns(model: type[models.Model], alias: str, names: Sequence[str]) -> str:
    columns = {f.attname: f.column for f in model._meta.concrete_fields}
    return ", ".join(f"{alias}.{columns[name]}" for name in names)


def _to_python(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    if isinstance(field, models.DateTimeField):

        def convert_datetime(value: Any) -> Any:
            if value is None:
                return None
            moment = value if isinstance(value, datetime) else field.to_python(value)
            # Times are stored in UTC; SQLite returns them without the offset.
            return timezone.make_aware(moment, UTC) if timezone.is_naive(moment) else moment

        return convert_datetime
    if isinstance(field, models.DecimalField):
        return lambda value: (
            value if value is None or isinstance(value, Decimal) else field.to_python(str(value))
        )
    if isinstance(field, models.BooleanField):
        return lambda value: None if value is None else bool(value)
    return lambda value: value


@cache
def _builder(model: type[M], names: tuple[str, ...]) -> Callable[[Sequence[Any]], M]:
    fields = [model._meta.get_field(name) for name in names]
    converters = [_to_python(field) for field in fields]  # type: ignore[arg-type]
    field_names = list(names)

    def build(values: Sequence[Any]) -> M:
        converted = [convert(value) for convert, value in zip(converters, values, strict=True)]
        return model.from_db(connection.alias, field_names, converted)

    return build


def _named_user(user_id: int | None, username: Any, seen: dict[int, User]) -> User | None:
    """A User holding only its id and name (what the API shows), one per person in a result."""
    if user_id is None:
        return None
    if user_id not in seen:
        seen[user_id] = _builder(User, _NAME)((user_id, username))
    return seen[user_id]


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def dispute_with_thread(
    dispute_id: int, *, visibilities: Sequence[str], newest: int
) -> Dispute | None:
    """The dispute with its opener's name; as `visible_messages` the `newest` latest of its
    messages and as `visible_evidence` its files, both of the given visibilities, oldest first,
    with their authors' names; as `message_count` how many messages of those visibilities it
    holds in all; None when there is no such dispute.

    One UNION ALL, so the dispute's columns travel once: the head row (with the count), one row
    per message, one per file, each part in its own columns (the others NULL). The messages are
    the newest `newest` by the thread index (dispute, created_at, id), read backwards, so a long
    thread costs no more than a short one; the count walks the same index. The people's names are
    a subquery per row rather than a join, which PostgreSQL's planner could cost as a hash of the
    whole user table."""
    if not 0 < dispute_id <= ROW_ID_MAX or not visibilities:
        return None
    dispute_names = tuple(_attnames(Dispute, LIST_FIELDS))
    message_names = tuple(_attnames(Message))
    evidence_names = tuple(_attnames(Evidence))
    # The head carries the opener's name and the message count after the dispute's columns.
    widths = [len(dispute_names) + 2, len(message_names) + 1, len(evidence_names) + 1]

    def typed_nulls(model: type[models.Model], names: Sequence[str]) -> str:
        # The head row comes first and fixes each column's type for the whole UNION: a bare NULL
        # in two parts would make PostgreSQL settle on text before it meets the third.
        fields = {field.attname: field for field in model._meta.concrete_fields}
        casts = [f"CAST(NULL AS {fields[n].db_type(connection)})" for n in names]
        name_type = User._meta.get_field("username").db_type(connection)
        return ", ".join([*casts, f"CAST(NULL AS {name_type})"])

    head_nulls = ["", typed_nulls(Message, message_names), typed_nulls(Evidence, evidence_names)]

    def row(part: int, columns: str) -> str:
        slots = [
            head_nulls[slot] if part == 0 else ", ".join(["NULL"] * width)
            for slot, width in enumerate(widths)
        ]
        slots[part] = columns
        return f"{part}, " + ", ".join(slots)

    def name_of(column: str) -> str:
        return f"(SELECT u.username FROM accounts_user u WHERE u.id = {column})"

    # 1-based positions: the part, then each slot in turn.
    message_at = 2 + widths[0]
    evidence_at = message_at + widths[1]
    order = [
        message_at + message_names.index("created_at"),
        message_at + message_names.index("id"),
        evidence_at + evidence_names.index("created_at"),
        evidence_at + evidence_names.index("id"),
    ]
    shown = _placeholders(visibilities)
    count = (
        "(SELECT COUNT(*) FROM disputes_message c"
        f" WHERE c.dispute_id = d.id AND c.visibility IN ({shown}))"
    )
    head = ", ".join([_columns(Dispute, "d", dispute_names), name_of("d.opened_by_id"), count])
    sql = f"""
        SELECT {row(0, head)}
        FROM disputes_dispute d WHERE d.id = %s
        UNION ALL
        SELECT {row(1, _columns(Message, "t", message_names) + ", " + name_of("t.author_id"))}
        FROM (SELECT m.* FROM disputes_message m
              WHERE m.dispute_id = %s AND m.visibility IN ({shown})
              ORDER BY m.created_at DESC, m.id DESC LIMIT %s) t
        UNION ALL
        SELECT {row(2, _columns(Evidence, "e", evidence_names) + ", " + name_of("e.uploader_id"))}
        FROM disputes_evidence e WHERE e.dispute_id = %s AND e.visibility IN ({shown})
        ORDER BY 1, {", ".join(str(position) for position in order)}"""
    params: list[Any] = [
        *visibilities, dispute_id,
        dispute_id, *visibilities, max(newest, 0),
        dispute_id, *visibilities,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        return None
    names: dict[int, User] = {}
    head_values = rows[0][1 : 1 + widths[0]]
    dispute = _builder(Dispute, dispute_names)(head_values[:-2])
    dispute.opened_by = _named_user(dispute.opened_by_id, head_values[-2], names)
    build_message = _builder(Message, message_names)
    build_evidence = _builder(Evidence, evidence_names)
    messages: list[Message] = []
    files: list[Evidence] = []
    for values in rows[1:]:
        if values[0] == 1:
            cells = values[message_at - 1 : message_at - 1 + widths[1]]
            message = build_message(cells[:-1])
            message.author = _named_user(message.author_id, cells[-1], names)  # type: ignore[assignment]
            messages.append(message)
        else:
            cells = values[evidence_at - 1 : evidence_at - 1 + widths[2]]
            evidence = build_evidence(cells[:-1])
            evidence.uploader = _named_user(evidence.uploader_id, cells[-1], names)  # type: ignore[assignment]
            files.append(evidence)
    dispute.visible_messages = messages  # type: ignore[attr-defined]
    dispute.message_count = int(head_values[-1])  # type: ignore[attr-defined]
    dispute.visible_evidence = files  # type: ignore[attr-defined]
    return dispute


def party_disputes_page(
    *, user_id: int, offset: int, limit: int, statuses: Sequence[str] = ()
) -> list[Dispute]:
    """Rows `offset` to `offset + limit` of the disputes where the user is buyer or seller
    (only `statuses`, if given), newest first, with the opener's name: the first `offset + limit`
    as buyer and as seller, each an ordered read of one party index, merged. A dispute where the
    user is both (no order allows it, but nothing in the table forbids it) comes once."""
    if not 0 < user_id <= ROW_ID_MAX or limit <= 0:
        return []
    names = tuple(_attnames(Dispute, LIST_FIELDS))
    status_sql = f" AND status IN ({_placeholders(statuses)})" if statuses else ""
    branch = f"""SELECT * FROM (
        SELECT {_columns(Dispute, "disputes_dispute", names)} FROM disputes_dispute
        WHERE {{where}}{status_sql}
        ORDER BY created_at DESC, id DESC LIMIT %s) {{alias}}"""
    sql = f"""SELECT {_columns(Dispute, "p", names)},
               (SELECT ou.username FROM accounts_user ou WHERE ou.id = p.opened_by_id)
        FROM ({branch.format(where="buyer_id = %s", alias="b")}
              UNION ALL
              {branch.format(where="seller_id = %s AND buyer_id <> %s", alias="s")}) p
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT %s OFFSET %s"""
    window = offset + limit
    params: list[Any] = [user_id, *statuses, window, user_id, user_id, *statuses, window]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit, offset])
        rows = cursor.fetchall()
    build = _builder(Dispute, names)
    openers: dict[int, User] = {}
    disputes = []
    for row in rows:
        dispute = build(row[:-1])
        dispute.opened_by = _named_user(dispute.opened_by_id, row[-1], openers)
        disputes.append(dispute)
    return disputes


# What the provider's format shows of a dispute (the outcome and refund: a settled dispute's
# amount is its refund, selectors.finance.finance_dispute_amount); the rest is never read.
FINANCE_FIELDS = (
    "id", "order_id", "seller_id", "reason_code", "status", "outcome", "amount", "currency",
    "original_amount", "refund_amount", "fee", "fee_currency", "respond_by", "created_at",
    "updated_at",
)  # fmt: skip


def finance_disputes_page(
    *,
    seller_id: int | None,
    limit: int,
    statuses: Sequence[str] = (),
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    after: tuple[datetime, int] | None = None,
) -> list[Dispute]:
    """Up to `limit` disputes newest first, of one seller (None: every store), with the order's
    transaction id and the store as `transaction_id` and `store_id`; `after` resumes strictly
    after the (created_at, id) of the last row shown (the keyset cursor)."""
    names = tuple(_attnames(Dispute, FINANCE_FIELDS))
    created = Dispute._meta.get_field("created_at")

    def moment(value: datetime) -> Any:
        # The column's own adaptation: SQLite compares stored text, PostgreSQL a timestamptz.
        return created.get_db_prep_value(value, connection)

    where: list[str] = []
    params: list[Any] = []
    if seller_id is not None:
        where.append("d.seller_id = %s")
        params.append(seller_id)
    if statuses:
        where.append(f"d.status IN ({_placeholders(statuses)})")
        params += list(statuses)
    if created_from is not None:
        where.append("d.created_at >= %s")
        params.append(moment(created_from))
    if created_before is not None:
        where.append("d.created_at < %s")
        params.append(moment(created_before))
    if after is not None:
        where.append("(d.created_at < %s OR (d.created_at = %s AND d.id < %s))")
        params += [moment(after[0]), moment(after[0]), after[1]]
    sql = f"""SELECT {_columns(Dispute, "d", names)}, o.transaction_id, i.store_id
        FROM disputes_dispute d
        JOIN orders_order o ON o.id = d.order_id
        JOIN orders_item i ON i.id = o.item_id
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY d.created_at DESC, d.id DESC
        LIMIT %s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    build = _builder(Dispute, names)
    disputes = []
    for row in rows:
        dispute = build(row[:-2])
        dispute.transaction_id, dispute.store_id = row[-2:]  # type: ignore[attr-defined]
        disputes.append(dispute)
    return disputes
