"""Reads for the parties' API and pages, already limited to what the user may see.

Each scope comes from the policy as a `Q` (disputes.policies), so a list shows exactly the rows
the object checks allow.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from disputes import policies, sql
from disputes.models import OPEN_STATUSES, Dispute, DisputeEvent, Message
from disputes.policies import Action
from disputes.selectors.offers import open_offer_for
from echo_disputes.errors import NotFound
from orders.models import Order
from orders.policies import OrderAction, order_require

NO_DISPUTE = _("Dispute not found")


def _base() -> QuerySet[Dispute]:
    # Only the opener is shown; the order is shown by id (`order_id`), so no join to orders.
    return Dispute.objects.select_related("opened_by")


def disputes_visible_to(user: Any) -> QuerySet[Dispute]:
    """Staff see every dispute; a party those on its orders; anyone else nothing."""
    return _base().filter(policies.visible_disputes_q(user))


def disputes_of_party(user: Any) -> QuerySet[Dispute]:
    """Disputes on orders where the user is buyer or seller, staff included (their own)."""
    return _base().filter(policies.own_disputes_q(user))


def messages_visible_to(user: Any) -> QuerySet[Message]:
    """Internal notes only for staff: a party never sees, lists or counts one."""
    return (
        Message.objects.select_related("author")
        .filter(policies.visible_messages_q(user))
        .order_by("created_at", "id")
    )


def thread_of(user: Any, dispute_id: int, *, newest_first: bool = False) -> QuerySet[Message]:
    """A dispute's messages the user may read, oldest first (newest first if asked), read in the
    order of the thread index (dispute, created_at, id)."""
    qs = messages_visible_to(user).filter(dispute_id=dispute_id)
    return qs.order_by("-created_at", "-id") if newest_first else qs


def latest_events(user: Any, dispute_id: int, *, limit: int) -> tuple[list[DisputeEvent], bool]:
    """The newest `limit` events of a dispute the user may see, oldest first, and whether older
    ones exist: a timeline bounded however long the thread (every message is an event)."""
    newest = list(
        events_visible_to(user).filter(dispute_id=dispute_id).order_by("-at", "-id")[: limit + 1]
    )
    return newest[:limit][::-1], len(newest) > limit


def events_visible_to(user: Any) -> QuerySet[DisputeEvent]:
    return (
        DisputeEvent.objects.select_related("actor")
        .filter(policies.visible_events_q(user))
        .order_by("at", "id")
    )


def dispute_get_for(user: Any, dispute_id: int) -> Dispute:
    """The dispute if it exists (else 404) and the user may see it (else 403), with the newest
    ECHO_DETAIL_MESSAGES messages and the files the user may read as `visible_messages` and
    `visible_evidence`, and how many messages the user may read as `message_count`: one statement
    (disputes.sql), whose rows are used only once the policy allowed the read; and its open
    offer as `open_offer` (None if none), one small indexed query once the read is allowed."""
    dispute = sql.dispute_with_thread(
        dispute_id,
        visibilities=policies.message_visibilities(user),
        newest=settings.ECHO_DETAIL_MESSAGES,
    )
    if dispute is None:
        raise NotFound(NO_DISPUTE, code="dispute_not_found")
    policies.require(user, Action.VIEW, dispute)
    dispute.open_offer = open_offer_for(dispute)  # type: ignore[attr-defined]
    return dispute


def dispute_for_order(user: Any, order_id: int) -> Dispute:
    """The open dispute of an order, else its latest; 404 when the order has none."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFound(_("Order not found"), code="order_not_found")
    order_require(user, OrderAction.VIEW, order)
    scoped = Dispute.objects.filter(order_id=order_id).order_by("-created_at", "-id")
    candidate = (
        scoped.filter(status__in=OPEN_STATUSES).values_list("pk", flat=True).first()
        or scoped.values_list("pk", flat=True).first()
    )
    if candidate is None:
        raise NotFound(_("Dispute not found"), code="dispute_not_found")
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
    million disputes). Each branch below is a short ordered read of one party index, and the
    page's rows are then read by primary key.
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


class PartyDisputeList:
    """A party's disputes as a sequence a paginator can slice, and `count` one query over the
    party indexes. A slice of the unfiltered list (`statuses` given: those only, or all when
    empty) is one statement (disputes.sql); a filtered one is `disputes_slice_for_party`."""

    def __init__(
        self, qs: QuerySet[Dispute], *, user_id: int, statuses: tuple[str, ...] | None = None
    ) -> None:
        self.qs = qs
        self.user_id = user_id
        self.statuses = statuses

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Dispute]:
        start = item.start or 0
        stop = item.stop if item.stop is not None else start
        if self.statuses is not None:
            return sql.party_disputes_page(
                user_id=self.user_id, offset=start, limit=stop - start, statuses=self.statuses
            )
        return disputes_slice_for_party(
            self.qs, user_id=self.user_id, offset=start, limit=max(stop - start, 0)
        )


def disputes_page_of_party(user: Any, *, status: str | None = None) -> QuerySet[Dispute]:
    """The "my disputes" page: the user's disputes as buyer or seller, with what a row shows."""
    qs = disputes_of_party(user).select_related("order__item", "buyer", "seller")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


TIMELINE_EVENTS = 50


def dispute_thread_for_party(user: Any, dispute_id: int) -> Dispute:
    """A dispute's thread page, for its buyer or seller only (else NotFound, so the page does not
    reveal that the dispute exists). Always the party view, even for a staff user who is a party:
    the newest TIMELINE_EVENTS events without note events as `timeline` (oldest first) and
    `timeline_more`. The page reads its messages a page at a time (`party_thread`)."""
    dispute = (
        disputes_of_party(user)
        .select_related("order__item", "buyer", "seller", "closed_by")
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        raise NotFound(NO_DISPUTE, code="dispute_not_found")
    policies.require(user, Action.VIEW, dispute)
    dispute.timeline, dispute.timeline_more = latest_events(  # type: ignore[attr-defined]
        None, dispute.pk, limit=TIMELINE_EVENTS
    )
    return dispute


def party_thread(dispute: Dispute) -> QuerySet[Message]:
    """The thread as its parties read it (public messages only, even for a staff user who is a
    party), oldest first: for a dispute `dispute_thread_for_party` returned."""
    return thread_of(None, dispute.pk)
