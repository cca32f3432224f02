"""Every reusable read of disputes, already limited to what the user may see."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import User
from disputes import policies
from disputes.models import (
    OPEN_STATUSES,
    Dispute,
    DisputeEvent,
    EventType,
    Message,
    Visibility,
)
from disputes.policies import Action
from echo_disputes import rawsql
from echo_disputes.errors import InvalidInput, NotFound
from orders.models import Order
from orders.policies import OrderAction, order_require


def _base() -> QuerySet[Dispute]:
    # Only the opener is shown; the order is shown by id (`order_id`), so no join to orders.
    return Dispute.objects.select_related("opened_by")


def disputes_visible_to(user: Any) -> QuerySet[Dispute]:
    """Staff see every dispute; a party those on its orders; anyone else nothing."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return Dispute.objects.none()
    qs = _base()
    if user.is_staff:
        return qs
    return qs.filter(Q(buyer_id=user.pk) | Q(seller_id=user.pk))


def disputes_of_party(user: Any) -> QuerySet[Dispute]:
    """Disputes on orders where the user is buyer or seller, staff included (their own)."""
    if not (user is not None and user.is_authenticated):
        return Dispute.objects.none()
    return _base().filter(Q(buyer_id=user.pk) | Q(seller_id=user.pk))


def messages_visible_to(user: Any) -> QuerySet[Message]:
    """Internal notes only for staff: a party never sees, lists or counts one."""
    return (
        Message.objects.select_related("author")
        .filter(visibility__in=message_visibilities_for(user))
        .order_by("created_at", "id")
    )


def events_visible_to(user: Any) -> QuerySet[DisputeEvent]:
    qs = DisputeEvent.objects.select_related("actor").order_by("at", "id")
    if not (user is not None and user.is_authenticated and user.is_staff):
        qs = qs.exclude(type="note_posted")
    return qs


def message_visibilities_for(user: Any) -> list[str]:
    """Which messages of a thread the user reads: internal notes only for staff."""
    if user is not None and user.is_authenticated and user.is_staff:
        return list(Visibility.values)
    return [Visibility.PUBLIC]


_NAME_ONLY = ("id", "username")


def _username_only(
    user_id: int | None, username: str, seen: dict[int, User] | None = None
) -> User | None:
    # The API shows only the opener's and the authors' names: a User holding just those (the
    # rest deferred), one per person in a page.
    if user_id is None:
        return None
    if seen is not None and user_id in seen:
        return seen[user_id]
    user = rawsql.instance(User, (user_id, username), _NAME_ONLY)
    if seen is not None:
        seen[user_id] = user
    return user


def dispute_get_for(user: Any, dispute_id: int, *, with_thread: bool = True) -> Dispute:
    """The dispute if it exists (else 404) and the user may see it (else 403), with its thread
    as `visible_messages`, filtered for the user.

    One plain statement: the dispute with its opener's name, then the thread (already filtered
    for the user) with the authors' names, as a UNION ALL so the dispute's columns are sent once.
    Through the ORM this was three queries and most of the request's CPU; each round trip to
    PostgreSQL costs about 0.1 ms of CPU on each side (docs/benchmarks.md).
    """
    if not rawsql.is_row_id(dispute_id):
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    dispute_width = rawsql.width(Dispute)
    message_width = rawsql.width(Message)
    # Plain SQL that PostgreSQL and SQLite (`make run`) both accept.
    sql = f"""SELECT 0 AS part, {rawsql.select_list(Dispute, "d")}, ou.username,
                     {", ".join(["NULL"] * (message_width + 1))}
              FROM disputes_dispute d LEFT JOIN accounts_user ou ON ou.id = d.opened_by_id
              WHERE d.id = %s"""
    params: list[Any] = [dispute_id]
    if with_thread:
        # 1-based positions for ORDER BY: the part, the dispute, the opener's name, the message.
        first = 1 + dispute_width + 1 + 1
        created = rawsql.attnames(Message).index("created_at")
        visibilities = message_visibilities_for(user)
        sql += f"""
            UNION ALL
            SELECT 1, {", ".join(["NULL"] * (dispute_width + 1))},
                   {rawsql.select_list(Message, "m")}, mu.username
            FROM disputes_message m LEFT JOIN accounts_user mu ON mu.id = m.author_id
            WHERE m.dispute_id = %s AND m.visibility IN ({", ".join(["%s"] * len(visibilities))})
            ORDER BY 1, {first + created}, {first}"""
        params += [dispute_id, *visibilities]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    head = rows[0]
    dispute = rawsql.instance(Dispute, head[1 : dispute_width + 1])
    Dispute.opened_by.field.set_cached_value(  # type: ignore[attr-defined]
        dispute, _username_only(dispute.opened_by_id, head[dispute_width + 1])
    )
    # The thread was read in the same statement; it is used only if the policy allows.
    policies.require(user, Action.VIEW, dispute)
    if with_thread:
        start = dispute_width + 2
        authors: dict[int, User] = {}
        cache_author = Message.author.field.set_cached_value  # type: ignore[attr-defined]
        messages = []
        for row in rows[1:]:
            message = rawsql.instance(Message, row[start : start + message_width])
            cache_author(message, _username_only(message.author_id, row[-1], authors))
            messages.append(message)
        dispute.visible_messages = messages  # type: ignore[attr-defined]
    return dispute


def dispute_for_order(user: Any, order_id: int) -> Dispute:
    """The open dispute of an order, else its latest; 404 when the order has none."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound("No order with this id.", code="order_not_found")
    order_require(user, OrderAction.VIEW, order)
    scoped = Dispute.objects.filter(order_id=order_id).order_by("-created_at", "-id")
    candidate = (
        scoped.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True).first()
        or scoped.values_list("pk", flat=True).first()
    )
    if candidate is None:
        raise NotFound("This order has no dispute.", code="dispute_not_found")
    return dispute_get_for(user, candidate)


def order_has_open_dispute(*, order_id: int) -> bool:
    return Dispute.objects.open().filter(order_id=order_id).exists()


def disputes_slice_for_party(
    qs: QuerySet[Dispute], *, user_id: int, offset: int, limit: int
) -> list[Dispute]:
    """Rows `offset` to `offset + limit` of `qs` (a party's disputes, already filtered and
    ordered), read as two index-ordered scans, as buyer and as seller, merged here.

    With `buyer_id = u OR seller_id = u` PostgreSQL can read neither party index in order, so for
    a page it may walk the global created-at index instead, until enough of the user's rows turn
    up: for a user whose disputes are old that reads most of the table (about a second at a
    million disputes). Each branch below is a short ordered read of one party index.
    """
    ordering = [str(o) for o in (qs.query.order_by or Dispute._meta.ordering or ())]
    fields = [o.lstrip("-") for o in ordering]
    keys = qs.order_by(*ordering).values_list("pk", *fields)
    found: dict[int, tuple[Any, ...]] = {}
    for column in ("buyer_id", "seller_id"):
        for row in keys.filter(**{column: user_id})[: offset + limit]:
            found[row[0]] = row
    merged = list(found.values())
    # Stable sorts from the last key to the first give the lexicographic order with each key's
    # own direction.
    for index in reversed(range(len(fields))):
        merged.sort(key=lambda row: row[index + 1], reverse=ordering[index].startswith("-"))
    page_ids = [row[0] for row in merged[offset : offset + limit]]
    if not page_ids:
        return []
    rows = {dispute.pk: dispute for dispute in qs.filter(pk__in=page_ids)}
    return [rows[pk] for pk in page_ids if pk in rows]


# What a list row shows (DisputeOutput) and what the policy reads: the other columns, four more
# timestamps among them, would cost a conversion each for nothing.
LIST_FIELDS = (
    "id", "order_id", "buyer_id", "seller_id", "opened_by_id", "kind", "reason", "reason_code",
    "status", "outcome", "resolution", "amount", "currency", "refund_amount", "respond_by",
    "created_at", "updated_at", "closed_at",
)  # fmt: skip


def disputes_page_of_party_plain(
    *, user_id: int, offset: int, limit: int, statuses: Sequence[str] = ()
) -> list[Dispute]:
    """The unfiltered case of `disputes_slice_for_party` (newest first, optionally only some
    statuses) as one plain statement: the two ordered index reads, the page's rows and the
    opener's name. It is the request the party apps make all the time; through the ORM it was
    three compiled queries (docs/benchmarks.md)."""
    status_sql = ""
    if statuses:
        status_sql = f" AND status IN ({', '.join(['%s'] * len(statuses))})"
    branch = f"""SELECT * FROM (
        SELECT id FROM disputes_dispute WHERE {{column}} = %s{status_sql}
        ORDER BY created_at DESC, id DESC LIMIT %s) {{alias}}"""
    sql = f"""SELECT {rawsql.select_list(Dispute, "d", LIST_FIELDS)}, ou.username
        FROM ({branch.format(column="buyer_id", alias="b")}
              UNION
              {branch.format(column="seller_id", alias="s")}) k
        JOIN disputes_dispute d ON d.id = k.id
        LEFT JOIN accounts_user ou ON ou.id = d.opened_by_id
        ORDER BY d.created_at DESC, d.id DESC
        LIMIT %s OFFSET %s"""
    branch_params: list[Any] = [user_id, *statuses, offset + limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*branch_params, *branch_params, limit, offset])
        rows = cursor.fetchall()
    openers: dict[int, User] = {}
    cache_opener = Dispute.opened_by.field.set_cached_value  # type: ignore[attr-defined]
    disputes = []
    for row in rows:
        dispute = rawsql.instance(Dispute, row[:-1], LIST_FIELDS)
        cache_opener(dispute, _username_only(dispute.opened_by_id, row[-1], openers))
        disputes.append(dispute)
    return disputes


class PartyDisputeList:
    """A party's disputes as a sequence Django's Paginator can page: the count is one bitmap
    query, and each page is read by `disputes_slice_for_party`."""

    def __init__(self, qs: QuerySet[Dispute], *, user_id: int) -> None:
        self.qs = qs
        self.user_id = user_id

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: slice) -> list[Dispute]:
        start = item.start or 0
        stop = item.stop if item.stop is not None else start
        return disputes_slice_for_party(
            self.qs, user_id=self.user_id, offset=start, limit=max(stop - start, 0)
        )


def disputes_page_of_party(user: Any, *, status: str | None = None) -> QuerySet[Dispute]:
    """The "my disputes" page: the user's disputes as buyer or seller, with what a row shows."""
    qs = disputes_of_party(user).select_related("order__item", "buyer", "seller")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def dispute_thread_for_party(user: Any, dispute_id: int) -> Dispute:
    """A dispute's thread page, for its buyer or seller only (else NotFound, so the page does not
    reveal that the dispute exists). Always the party view, even for a staff user who is a party:
    public messages as `visible_messages`, the timeline without note events as `timeline`."""
    dispute = (
        disputes_of_party(user)
        .select_related("order__item", "buyer", "seller", "closed_by")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.select_related("author")
                .filter(visibility=Visibility.PUBLIC)
                .order_by("created_at", "id"),
                to_attr="visible_messages",
            ),
            Prefetch(
                "events",
                queryset=DisputeEvent.objects.select_related("actor")
                .exclude(type=EventType.NOTE_POSTED)
                .order_by("at", "id"),
                to_attr="timeline",
            ),
        )
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    policies.require(user, Action.VIEW, dispute)
    return dispute


# --- the finance API (DESIGN §7) -----------------------------------------------------------------


def disputes_for_finance(user: Any) -> QuerySet[Dispute]:
    """Staff read every dispute; anyone else those of the store they own, i.e. where they are the
    seller. Call only after `policies.finance_require_read`."""
    qs = Dispute.objects.annotate(
        store_id=F("order__item__store_id"), transaction_id=F("order__transaction_id")
    )
    if user.is_staff:
        return qs
    return qs.filter(seller_id=user.pk)


def finance_cursor_encode(dispute: Dispute) -> str:
    raw = f"{dispute.created_at.isoformat()}|{dispute.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _finance_cursor_decode(cursor: str) -> tuple[datetime, int]:
    wrong = InvalidInput("wrong cursor", code="wrong_cursor", details={"cursor": ["wrong cursor"]})
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, pk = raw.partition("|")
        moment, ident = datetime.fromisoformat(stamp), int(pk)
    except ValueError:
        raise wrong from None
    if moment.tzinfo is None or not rawsql.is_row_id(ident):
        raise wrong
    return moment, ident


FINANCE_FIELDS = (
    "id", "order_id", "seller_id", "reason_code", "status", "amount", "currency",
    "original_amount", "fee", "fee_currency", "respond_by", "created_at", "updated_at",
)  # fmt: skip


def finance_disputes_page(
    user: Any,
    *,
    cursor: str = "",
    limit: int = 10,
    statuses: Sequence[str] = (),
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> tuple[list[Dispute], str]:
    """One page, newest first, and the cursor of the next ("" when there is none).

    The keyset (created_at, id) cursor resumes strictly after the last row shown, so a page never
    repeats or skips a dispute, even while new ones (always newer) are being created.

    One plain statement (finance tools poll this endlessly): the disputes with the fields the
    provider's format shows, the order's transaction id and the store. The scope is the one of
    `disputes_for_finance`: staff every store, anyone else the disputes where they are the seller.
    """
    where: list[str] = []
    params: list[Any] = []
    if not user.is_staff:
        where.append("d.seller_id = %s")
        params.append(user.pk)
    if statuses:
        where.append(f"d.status IN ({', '.join(['%s'] * len(statuses))})")
        params += list(statuses)
    if created_from is not None:
        where.append("d.created_at >= %s")
        params.append(created_from)
    if created_before is not None:
        where.append("d.created_at < %s")
        params.append(created_before)
    if cursor:
        moment, ident = _finance_cursor_decode(cursor)
        where.append("(d.created_at < %s OR (d.created_at = %s AND d.id < %s))")
        params += [moment, moment, ident]
    sql = f"""SELECT {rawsql.select_list(Dispute, "d", FINANCE_FIELDS)}, o.transaction_id,
               i.store_id
        FROM disputes_dispute d
        JOIN orders_order o ON o.id = d.order_id
        JOIN orders_item i ON i.id = o.item_id
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY d.created_at DESC, d.id DESC
        LIMIT %s"""
    with connection.cursor() as db:
        db.execute(sql, [*params, limit + 1])
        rows = db.fetchall()
    disputes = []
    for row in rows:
        # The same two annotations as `disputes_for_finance`.
        dispute = rawsql.instance(Dispute, row[:-2], FINANCE_FIELDS)
        dispute.transaction_id, dispute.store_id = row[-2:]  # type: ignore[attr-defined]
        disputes.append(dispute)
    if len(disputes) > limit:
        return disputes[:limit], finance_cursor_encode(disputes[limit - 1])
    return disputes, ""


def finance_dispute_get(user: Any, dispute_id: str) -> Dispute:
    """A dispute in the caller's finance scope; another store's is as missing as an unknown id,
    so ids cannot be probed across stores."""
    dispute = None
    if dispute_id.isascii() and dispute_id.isdigit() and len(dispute_id) <= 18:
        dispute = disputes_for_finance(user).filter(pk=int(dispute_id)).first()
    if dispute is None:
        raise NotFound("record not found", code="dispute_not_found")
    return dispute
