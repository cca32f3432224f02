"""Every reusable read of disputes, already limited to what the user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

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
from echo_disputes.errors import NotFound
from orders.models import Order
from orders.policies import OrderAction, order_require


def _base() -> QuerySet[Dispute]:
    return Dispute.objects.select_related("opened_by", "order")


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
    qs = Message.objects.select_related("author").order_by("created_at", "id")
    if not (user is not None and user.is_authenticated and user.is_staff):
        qs = qs.filter(visibility=Visibility.PUBLIC)
    return qs


def events_visible_to(user: Any) -> QuerySet[DisputeEvent]:
    qs = DisputeEvent.objects.select_related("actor").order_by("at", "id")
    if not (user is not None and user.is_authenticated and user.is_staff):
        qs = qs.exclude(type="note_posted")
    return qs


def dispute_get_for(user: Any, dispute_id: int, *, with_thread: bool = True) -> Dispute:
    """The dispute if it exists (else 404) and the user may see it (else 403), with its thread
    as `visible_messages`, filtered for the user."""
    qs = _base()
    if with_thread:
        qs = qs.prefetch_related(
            Prefetch("messages", queryset=messages_visible_to(user), to_attr="visible_messages")
        )
    dispute = qs.filter(pk=dispute_id).first()
    if dispute is None:
        raise NotFound("No dispute with this id.", code="dispute_not_found")
    policies.require(user, Action.VIEW, dispute)
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
