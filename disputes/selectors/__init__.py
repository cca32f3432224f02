"""Every reusable read of disputes, already limited to what the user may see."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import User
from accounts.selectors import READER_FIELDS
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


def own_disputes_statuses(user: Any, *, own_only: bool, open_only: bool) -> tuple[str, ...] | None:
    """When a user's list is exactly their own disputes (always for "my disputes"; for the
    general lists, everyone but staff, as in `disputes_visible_to`), the statuses it shows
    (empty: all), so the party pages can be read in one statement; None when it is not."""
    if not (user is not None and user.is_authenticated):
        return None
    if not own_only and user.is_staff:
        return None
    return tuple(OPEN_STATUSES) if open_only else ()


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
    user = rawsql.builder(User, _NAME_ONLY)((user_id, username))
    if seen is not None:
        seen[user_id] = user
    return user


# What a list row shows (DisputeOutput) and what the policy reads: the other columns, four more
# timestamps among them, would cost a conversion each for nothing.
LIST_FIELDS = (
    "id", "order_id", "buyer_id", "seller_id", "opened_by_id", "kind", "reason", "reason_code",
    "status", "outcome", "resolution", "amount", "currency", "refund_amount", "respond_by",
    "created_at", "updated_at", "closed_at",
)  # fmt: skip


def _dispute_statement(
    dispute_id: int, *, visibilities: Sequence[str] | None, reader_id: int | None
) -> tuple[str, list[Any]]:
    """The dispute with its opener's name, then its thread with the authors' names, as one
    UNION ALL so the dispute's columns are sent once. `visibilities` None reads the whole thread
    (the caller filters it once it knows who reads). With `reader_id`, the head row also carries
    that user's row, and there is a head row whenever the user exists, even if the dispute
    does not. Plain SQL that PostgreSQL and SQLite (`make run`) both accept.

    The authors' names are a subquery per message, not a join: inside the UNION the planner
    costed a join to every user (a hash of the whole table, 0.7 ms per request) below twenty
    index lookups (0.05 ms); the subquery leaves it no choice (docs/benchmarks.md)."""
    dispute_width = len(LIST_FIELDS)
    message_width = rawsql.width(Message)
    reader_cols = reader_nulls = ""
    if reader_id is not None:
        reader_cols = ", " + rawsql.select_list(User, "me", READER_FIELDS)
        reader_nulls = ", " + ", ".join(["NULL"] * len(READER_FIELDS))
    message_nulls = ", ".join(["NULL"] * (message_width + 1))
    dispute_cols = rawsql.select_list(Dispute, "d", LIST_FIELDS)
    if reader_id is None:
        sql = f"""SELECT 0 AS part, {dispute_cols}, ou.username, {message_nulls}
                  FROM disputes_dispute d LEFT JOIN accounts_user ou ON ou.id = d.opened_by_id
                  WHERE d.id = %s"""
        params: list[Any] = [dispute_id]
    else:
        sql = f"""SELECT 0 AS part, {dispute_cols}, ou.username, {message_nulls}{reader_cols}
                  FROM accounts_user me
                  LEFT JOIN disputes_dispute d ON d.id = %s
                  LEFT JOIN accounts_user ou ON ou.id = d.opened_by_id
                  WHERE me.id = %s"""
        params = [dispute_id, reader_id]
    # 1-based positions for ORDER BY: the part, the dispute, the opener's name, the message.
    first = 1 + dispute_width + 1 + 1
    created = rawsql.attnames(Message).index("created_at")
    visibility_sql = ""
    if visibilities is not None:
        visibility_sql = f" AND m.visibility IN ({', '.join(['%s'] * len(visibilities))})"
    sql += f"""
        UNION ALL
        SELECT 1, {", ".join(["NULL"] * (dispute_width + 1))},
               {rawsql.select_list(Message, "m")},
               (SELECT mu.username FROM accounts_user mu WHERE mu.id = m.author_id){reader_nulls}
        FROM disputes_message m
        WHERE m.dispute_id = %s{visibility_sql}
        ORDER BY 1, {first + created}, {first}"""
    params += [dispute_id, *(visibilities or ())]
    return sql, params


def _dispute_with_thread(
    user: Any, head: Sequence[Any], thread: Sequence[Sequence[Any]], *, filter_thread: bool
) -> Dispute:
    """The dispute of a head row (404 if none), asked of the policy (403), with the thread as
    `visible_messages`."""
    dispute_width = len(LIST_FIELDS)
    if head[1] is None:
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    dispute = rawsql.builder(Dispute, LIST_FIELDS)(head[1 : dispute_width + 1])
    Dispute.opened_by.field.set_cached_value(  # type: ignore[attr-defined]
        dispute, _username_only(dispute.opened_by_id, head[dispute_width + 1])
    )
    # The thread was read in the same statement; it is used only if the policy allows.
    policies.require(user, Action.VIEW, dispute)
    start = dispute_width + 2
    stop = start + rawsql.width(Message)
    visibility = start + rawsql.attnames(Message).index("visibility")
    shown = set(message_visibilities_for(user))
    authors: dict[int, User] = {}
    cache_author = Message.author.field.set_cached_value  # type: ignore[attr-defined]
    build = rawsql.builder(Message)
    messages = []
    for row in thread:
        if filter_thread and row[visibility] not in shown:
            continue
        message = build(row[start:stop])
        cache_author(message, _username_only(message.author_id, row[stop], authors))
        messages.append(message)
    dispute.visible_messages = messages  # type: ignore[attr-defined]
    return dispute


def dispute_get_for(user: Any, dispute_id: int) -> Dispute:
    """The dispute if it exists (else 404) and the user may see it (else 403), with its thread
    as `visible_messages`, filtered for the user.

    One plain statement (`_dispute_statement`). Through the ORM this was three queries and most
    of the request's CPU; each round trip to PostgreSQL costs about 0.1 ms of CPU on each side
    (docs/benchmarks.md).
    """
    if not rawsql.is_row_id(dispute_id):
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    sql, params = _dispute_statement(
        dispute_id, visibilities=message_visibilities_for(user), reader_id=None
    )
    with rawsql.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    return _dispute_with_thread(user, rows[0], rows[1:], filter_thread=False)


def dispute_get_with_reader(
    *, reader_id: int, dispute_id: int, verify: Callable[[User | None], User]
) -> tuple[User, Dispute]:
    """`dispute_get_for` for a request whose user row has not been read yet (the most frequent
    read of the API): the same statement also reads the user, which `verify` (the
    authentication's check, 401) passes or refuses before anything else is decided.

    The thread comes whole and is filtered here by `message_visibilities_for` once the reader is
    known; internal notes never leave this function for a party."""
    if not rawsql.is_row_id(reader_id):
        verify(None)
    sql, params = _dispute_statement(
        dispute_id if rawsql.is_row_id(dispute_id) else 0, visibilities=None, reader_id=reader_id
    )
    with rawsql.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        verify(None)
        raise NotFound("No user with this id.", code="user_not_found")  # `verify` raised already
    head = rows[0]
    reader_start = 1 + len(LIST_FIELDS) + 1 + rawsql.width(Message) + 1
    user = verify(rawsql.builder(User, READER_FIELDS)(head[reader_start:]))
    return user, _dispute_with_thread(user, head, rows[1:], filter_thread=True)


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


def _party_page_statement(
    *, user_id: int, offset: int, limit: int, statuses: Sequence[str]
) -> tuple[str, list[Any]]:
    """One page of a party's disputes, newest first: the first `offset + limit` rows as buyer and
    as seller, each an ordered read of one party index, merged. A dispute where the user is both
    (no order allows it, but nothing in the table forbids it) comes from the buyer side only.
    The opener's name is a subquery per row: as a join, the planner hashed the whole user table
    for fifty rows."""
    status_sql = ""
    if statuses:
        status_sql = f" AND status IN ({', '.join(['%s'] * len(statuses))})"
    columns = rawsql.select_list(Dispute, "disputes_dispute", LIST_FIELDS)
    branch = f"""SELECT * FROM (
        SELECT {columns} FROM disputes_dispute WHERE {{where}}{status_sql}
        ORDER BY created_at DESC, id DESC LIMIT %s) {{alias}}"""
    sql = f"""SELECT {rawsql.select_list(Dispute, "d", LIST_FIELDS)},
               (SELECT ou.username FROM accounts_user ou WHERE ou.id = d.opened_by_id)
        FROM ({branch.format(where="buyer_id = %s", alias="b")}
              UNION ALL
              {branch.format(where="seller_id = %s AND buyer_id <> %s", alias="s")}) d
        ORDER BY d.created_at DESC, d.id DESC
        LIMIT %s OFFSET %s"""
    params: list[Any] = [user_id, *statuses, offset + limit]
    params += [user_id, user_id, *statuses, offset + limit, limit, offset]
    return sql, params


def _party_page(rows: Sequence[Sequence[Any]], stop: int) -> list[Dispute]:
    openers: dict[int, User] = {}
    cache_opener = Dispute.opened_by.field.set_cached_value  # type: ignore[attr-defined]
    build = rawsql.builder(Dispute, LIST_FIELDS)
    disputes = []
    for row in rows:
        dispute = build(row[:stop])
        cache_opener(dispute, _username_only(dispute.opened_by_id, row[stop], openers))
        disputes.append(dispute)
    return disputes


def disputes_page_of_party_plain(
    *, user_id: int, offset: int, limit: int, statuses: Sequence[str] = ()
) -> list[Dispute]:
    """The unfiltered case of `disputes_slice_for_party` (newest first, optionally only some
    statuses) as one plain statement: the two ordered index reads, the page's rows and the
    opener's name. It is the request the party apps make all the time; through the ORM it was
    three compiled queries (docs/benchmarks.md)."""
    sql, params = _party_page_statement(
        user_id=user_id, offset=offset, limit=limit, statuses=statuses
    )
    with rawsql.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return _party_page(rows, len(LIST_FIELDS))


def disputes_page_with_reader(
    *,
    reader_id: int,
    offset: int,
    limit: int,
    verify: Callable[[User | None], User],
    statuses: Sequence[str] = (),
) -> tuple[User, list[Dispute]]:
    """`disputes_page_of_party_plain` for the reader's own disputes when the reader's row has not
    been read yet: a first row of the same statement carries it, and `verify` (the
    authentication's check, 401) passes or refuses it before any dispute is built."""
    if not rawsql.is_row_id(reader_id):
        verify(None)
    page_sql, page_params = _party_page_statement(
        user_id=reader_id, offset=offset, limit=limit, statuses=statuses
    )
    list_width = len(LIST_FIELDS)
    names = rawsql.attnames(Dispute)
    # 1-based positions in the union: the part, then the page's columns in model order.
    created = 2 + [n for n in names if n in LIST_FIELDS].index("created_at")
    ident = 2 + [n for n in names if n in LIST_FIELDS].index("id")
    sql = f"""SELECT 0 AS part, {", ".join(["NULL"] * (list_width + 1))},
                     {rawsql.select_list(User, "me", READER_FIELDS)}
              FROM accounts_user me WHERE me.id = %s
              UNION ALL
              SELECT 1, p.*, {", ".join(["NULL"] * len(READER_FIELDS))}
              FROM ({page_sql}) p
              ORDER BY 1, {created} DESC, {ident} DESC"""
    with rawsql.cursor() as cursor:
        cursor.execute(sql, [reader_id, *page_params])
        rows = cursor.fetchall()
    if not rows or rows[0][0] != 0:
        verify(None)
        raise NotFound("No user with this id.", code="user_not_found")  # `verify` raised already
    user = verify(rawsql.builder(User, READER_FIELDS)(rows[0][list_width + 2 :]))
    return user, _party_page([row[1:] for row in rows[1:]], list_width)


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
    with rawsql.cursor() as db:
        db.execute(sql, [*params, limit + 1])
        rows = db.fetchall()
    build = rawsql.builder(Dispute, FINANCE_FIELDS)
    disputes = []
    for row in rows:
        # The same two annotations as `disputes_for_finance`.
        dispute = build(row[:-2])
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
