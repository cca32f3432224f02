from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DisputeStatus(models.TextChoices):
    # The payment provider's vocabulary, so the finance API can show statuses as they are.
    NEEDS_RESPONSE = "needs_response", _("Needs response")
    UNDER_REVIEW = "under_review", _("Under review")
    WON = "won", _("Won (for the seller)")
    LOST = "lost", _("Lost (for the buyer)")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES: tuple[str, ...] = (DisputeStatus.NEEDS_RESPONSE, DisputeStatus.UNDER_REVIEW)
TERMINAL_STATUSES: tuple[str, ...] = (DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.CLOSED)


class DisputeKind(models.TextChoices):
    ORDER = "order", _("Party dispute")
    CHARGEBACK = "chargeback", _("Chargeback")


class ReasonCode(models.TextChoices):
    FRAUDULENT = "fraudulent", _("Fraudulent")
    PRODUCT_NOT_RECEIVED = "product_not_received", _("Product not received")
    PRODUCT_UNACCEPTABLE = "product_unacceptable", _("Product unacceptable")
    DUPLICATE = "duplicate", _("Duplicate")
    SUBSCRIPTION_CANCELED = "subscription_canceled", _("Subscription canceled")
    CREDIT_NOT_PROCESSED = "credit_not_processed", _("Credit not processed")
    GENERAL = "general", _("General")


class Outcome(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    WITHDRAWN = "withdrawn", _("Withdrawn by the opener")
    EXPIRED = "expired", _("Expired without a response")
    SETTLED = "settled", _("Settled between the parties")


class DisputeQuerySet(models.QuerySet["Dispute"]):
    def open(self) -> DisputeQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: object | None = None) -> DisputeQuerySet:
        return self.filter(
            status=DisputeStatus.NEEDS_RESPONSE, respond_by__lt=now or timezone.now()
        )


class Dispute(models.Model):
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="disputes", verbose_name=_("order")
    )
    # Copied from the order at open (parties never change): the "my disputes" scope becomes an
    # index scan on the dispute table instead of a join through orders on every list call.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disputes_as_buyer",
        verbose_name=_("buyer"),
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disputes_as_seller",
        verbose_name=_("seller"),
    )
    # Null for a chargeback: the payment provider opened it, not a party.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_opened",
        verbose_name=_("opened by"),
    )
    kind = models.CharField(
        max_length=16,
        choices=DisputeKind.choices,
        default=DisputeKind.ORDER,
        verbose_name=_("kind"),
    )
    reason = models.CharField(max_length=500, verbose_name=_("reason"))
    reason_code = models.CharField(
        max_length=32,
        choices=ReasonCode.choices,
        default=ReasonCode.GENERAL,
        verbose_name=_("reason code"),
    )
    status = models.CharField(
        max_length=16,
        choices=DisputeStatus.choices,
        default=DisputeStatus.NEEDS_RESPONSE,
        verbose_name=_("status"),
    )
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, blank=True, default="", verbose_name=_("outcome")
    )
    resolution = models.TextField(
        blank=True, default="", max_length=2000, verbose_name=_("resolution")
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    original_amount = models.DecimalField(
        max_digits=12, decimal_places=2, verbose_name=_("original amount")
    )
    fee = models.DecimalField(max_digits=12, decimal_places=2, default=0, verbose_name=_("fee"))
    fee_currency = models.CharField(max_length=3, verbose_name=_("fee currency"))
    refund_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("refund amount")
    )
    respond_by = models.DateTimeField(verbose_name=_("respond by"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(default=timezone.now, verbose_name=_("updated at"))
    first_response_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first response at")
    )
    last_activity_at = models.DateTimeField(
        default=timezone.now, verbose_name=_("last activity at")
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_closed",
        verbose_name=_("closed by"),
    )
    # The payment provider's own id and the time of its newest applied event (chargebacks only).
    provider_dispute_id = models.CharField(
        max_length=100, null=True, blank=True, unique=True, verbose_name=_("provider dispute id")
    )
    provider_event_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("provider event at")
    )
    # A party asked staff to decide (once per dispute); the deadline and expiry do not change.
    escalated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("escalated at"))
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_escalated",
        verbose_name=_("escalated by"),
    )
    # The database default too: bulk loaders that name only the older columns (seed_scale's COPY)
    # must not write NULL.
    escalation_reason = models.CharField(
        max_length=500, blank=True, default="", db_default="", verbose_name=_("escalation reason")
    )
    # When the respondent of a party dispute was reminded of `respond_by` (72 and 24 hours
    # before it; disputes/services/reminders.py). Null: not sent, and it may never be.
    reminded_72h_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded 72h at"))
    reminded_24h_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded 24h at"))
    # The support agent who owns the dispute (support staff only; disputes/services/assignment.py).
    # PROTECT like every user reference here: accounts are deactivated, never deleted, and a
    # deleted agent must not unassign disputes without a timeline event.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disputes_assigned",
        verbose_name=_("assignee"),
    )
    # The dispute waits for staff since `staff_wait_since` and should be answered before
    # `staff_due_at` (ECHO_STAFF_RESPONSE_HOURS later); both null when it does not wait.
    # One StaffWait row per waiting period (disputes/services/response_target.py).
    staff_wait_since = models.DateTimeField(
        null=True, blank=True, verbose_name=_("staff wait since")
    )
    staff_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("staff due at"))

    objects = DisputeQuerySet.as_manager()

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ("-created_at", "-id")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=OPEN_STATUSES),
                name="dispute_one_open_per_order",
                violation_error_message=_("This order already has an open dispute."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=DisputeStatus.values), name="dispute_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DisputeKind.values), name="dispute_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount__lte=F("original_amount")),
                name="dispute_amount_within_order",
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="dispute_fee_non_negative"),
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True)
                | (Q(refund_amount__gte=0) & Q(refund_amount__lte=F("original_amount"))),
                name="dispute_refund_within_order",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["-created_at", "-id"], name="dispute_created"),
            models.Index(fields=["buyer", "-created_at"], name="dispute_buyer_created"),
            models.Index(fields=["seller", "-created_at"], name="dispute_seller_created"),
            models.Index(fields=["order", "-created_at"], name="dispute_order_created"),
            models.Index(fields=["status", "respond_by"], name="dispute_status_respond_by"),
            models.Index(
                fields=["respond_by", "id"],
                name="dispute_open_queue",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The queue's filters at a million rows: each walks only open disputes in deadline
            # order, so the bounded count and the first page stop early instead of scanning.
            models.Index(
                fields=["respond_by", "id"],
                name="dispute_overdue_queue",
                condition=Q(status=DisputeStatus.NEEDS_RESPONSE),
            ),
            models.Index(
                fields=["reason_code", "respond_by", "id"],
                name="dispute_open_reason_queue",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(
                fields=["kind", "respond_by", "id"],
                name="dispute_open_kind_queue",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The open queue's order, escalated first (oldest escalation first; a btree sorts
            # NULLs last ascending), then by deadline.
            models.Index(
                fields=["escalated_at", "respond_by", "id"],
                name="dispute_open_escalated_queue",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The queue's assignee filter (an agent, or NULL: unassigned) in deadline order.
            models.Index(
                fields=["assignee", "respond_by", "id"],
                name="dispute_open_assignee_queue",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The open queue sorted and filtered by the staff response due time (only open
            # disputes wait; a btree keeps the NULLs, those that do not wait, last ascending).
            models.Index(
                fields=["staff_due_at", "id"],
                name="dispute_open_staff_due",
                condition=Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute #{self.pk}"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def api_status(self) -> str:
        """ECHO clients only know OPEN and CLOSED."""
        return "CLOSED" if self.is_terminal else "OPEN"

    @property
    def respondent_id(self) -> int:
        """Who must answer: the other party of the opener; the seller for a chargeback."""
        return self.buyer_id if self.opened_by_id == self.seller_id else self.seller_id

    def is_party(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in (self.buyer_id, self.seller_id)

    def is_overdue(self, now: object | None = None) -> bool:
        moment = now or timezone.now()
        return self.status == DisputeStatus.NEEDS_RESPONSE and self.respond_by < moment  # type: ignore[operator]


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal note (staff only)")


class Message(models.Model):
    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="messages", verbose_name=_("dispute")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dispute_messages",
        verbose_name=_("author"),
    )
    body = models.TextField(max_length=2000, verbose_name=_("body"))
    visibility = models.CharField(
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        verbose_name=_("visibility"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ("created_at", "id")
        indexes: ClassVar = [
            models.Index(fields=["dispute", "created_at", "id"], name="message_thread"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="message_visibility_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Message #{self.pk} on dispute #{self.dispute_id}"


class EventType(models.TextChoices):
    OPENED = "opened", _("Opened")
    MESSAGE_POSTED = "message_posted", _("Message posted")
    NOTE_POSTED = "note_posted", _("Internal note posted")
    RESPONDED = "responded", _("Respondent answered")
    TAKEN_UP = "taken_up", _("Taken up by staff")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    PROVIDER_UPDATE = "provider_update", _("Updated by the payment provider")
    EVIDENCE_ADDED = "evidence_added", _("Evidence added")
    INTERNAL_EVIDENCE_ADDED = "internal_evidence_added", _("Internal evidence added (staff only)")
    OFFER_MADE = "offer_made", _("Offer made")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    OFFER_DECLINED = "offer_declined", _("Offer declined")
    OFFER_WITHDRAWN = "offer_withdrawn", _("Offer withdrawn")
    ESCALATED = "escalated", _("Escalated to staff")
    REMINDER_SENT = "reminder_sent", _("Respondent reminded of the deadline")
    ASSIGNED = "assigned", _("Assigned")
    REASSIGNED = "reassigned", _("Reassigned")
    UNASSIGNED = "unassigned", _("Unassigned")


# Events that reveal an internal note or internal evidence are staff-only, like what they reveal;
# so is who owns a dispute on the desk (assignment is staff-internal).
INTERNAL_EVENT_TYPES: tuple[str, ...] = (
    EventType.NOTE_POSTED,
    EventType.INTERNAL_EVIDENCE_ADDED,
    EventType.ASSIGNED,
    EventType.REASSIGNED,
    EventType.UNASSIGNED,
)


class DisputeEvent(models.Model):
    """Append-only audit log: the timeline on pages and in the admin."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="events", verbose_name=_("dispute")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispute_events",
        verbose_name=_("actor"),
    )
    type = models.CharField(max_length=32, choices=EventType.choices, verbose_name=_("type"))
    from_status = models.CharField(
        max_length=16, blank=True, default="", verbose_name=_("from status")
    )
    to_status = models.CharField(max_length=16, blank=True, default="", verbose_name=_("to status"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    at = models.DateTimeField(default=timezone.now, verbose_name=_("time"))

    class Meta:
        verbose_name = _("dispute event")
        verbose_name_plural = _("dispute events")
        ordering = ("at", "id")
        indexes: ClassVar = [models.Index(fields=["dispute", "at", "id"], name="event_timeline")]

    def __str__(self) -> str:
        return f"{self.type} on dispute #{self.dispute_id}"

    @property
    def is_internal(self) -> bool:
        return self.type in INTERNAL_EVENT_TYPES


class PaymentEventResult(models.TextChoices):
    APPLIED = "applied", _("Applied")
    STALE = "ignored_stale", _("Ignored: older than the last event applied to the dispute")
    TERMINAL = "ignored_terminal", _("Ignored: the dispute was already decided")
    # Refused with 400 and kept for the record; never applied. A later delivery of the same id
    # is judged afresh (docs/payments.md).
    REFUSED_FUTURE = "refused_future", _("Refused: dated ahead of our clock")


class PaymentEvent(models.Model):
    """A chargeback event the payment provider delivered (signed), kept as received: accepted, or
    refused for its date (`refused_future`).

    The unique `event_id` is what makes a redelivery (sequential or simultaneous) a no-op.
    """

    event_id = models.CharField(max_length=100, unique=True, verbose_name=_("event id"))
    type = models.CharField(max_length=32, verbose_name=_("type"))
    # The provider's event time: orders events per dispute, whatever the delivery order.
    created = models.DateTimeField(verbose_name=_("created (provider)"))
    payload = models.JSONField(encoder=DjangoJSONEncoder, verbose_name=_("payload"))
    received_at = models.DateTimeField(default=timezone.now, verbose_name=_("received at"))
    dispute = models.ForeignKey(
        Dispute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_events",
        verbose_name=_("dispute"),
    )
    result = models.CharField(
        max_length=24, choices=PaymentEventResult.choices, blank=True, verbose_name=_("result")
    )

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ("-received_at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["dispute", "created"], name="payment_event_dispute"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class EvidenceKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    SHIPPING_PROOF = "shipping_proof", _("Proof of shipping")
    PHOTO = "photo", _("Photo")
    CORRESPONDENCE = "correspondence", _("Correspondence")
    REFUND_POLICY = "refund_policy", _("Refund policy")
    OTHER = "other", _("Other")


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The stored name is ours, never the uploader's: the cleaned original is `file_name`.
    return f"disputes/{instance.dispute_id}/{filename}"


def evidence_storage() -> Any:
    from disputes.storage import evidence_storage as storage

    return storage


class Evidence(models.Model):
    """A file on a dispute, append-only (docs/design.md §3, Evidence): never edited or deleted
    through the product. `sha256` and `size` describe the stored bytes, which are what is served
    (images are re-encoded without their metadata)."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("dispute")
    )
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dispute_evidence",
        verbose_name=_("uploader"),
    )
    kind = models.CharField(
        max_length=24,
        choices=EvidenceKind.choices,
        default=EvidenceKind.OTHER,
        verbose_name=_("kind"),
    )
    description = models.CharField(
        max_length=500, blank=True, default="", verbose_name=_("description")
    )
    file_name = models.CharField(max_length=150, verbose_name=_("file name"))
    content_type = models.CharField(max_length=64, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    visibility = models.CharField(
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        verbose_name=_("visibility"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    file = models.FileField(
        storage=evidence_storage,
        upload_to=evidence_upload_to,
        max_length=255,
        verbose_name=_("file"),
    )

    class Meta:
        verbose_name = _("evidence")
        ordering = ("created_at", "id")
        verbose_name_plural = _("evidence")
        indexes: ClassVar = [
            models.Index(fields=["dispute", "created_at", "id"], name="evidence_dispute"),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="evidence_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="evidence_size_positive"),
        ]

    def __str__(self) -> str:
        return f"Evidence #{self.pk} on dispute #{self.dispute_id}"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUPERSEDED = "superseded", _("Superseded")


class Offer(models.Model):
    """A refund one party proposes to the other (docs/design.md §3, Offers). At most one is open
    per dispute; accepting it settles the dispute. Rows are never deleted: they are the history."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="offers", verbose_name=_("dispute")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dispute_offers",
        verbose_name=_("proposed by"),
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    note = models.CharField(max_length=500, blank=True, default="", verbose_name=_("note"))
    status = models.CharField(
        max_length=16,
        choices=OfferStatus.choices,
        default=OfferStatus.OPEN,
        verbose_name=_("status"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    decided_at = models.DateTimeField(null=True, blank=True, verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ("-created_at", "-id")
        indexes: ClassVar = [
            models.Index(fields=["dispute", "-created_at", "-id"], name="offer_dispute_created"),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=Q(status=OfferStatus.OPEN),
                name="offer_one_open_per_dispute",
                violation_error_message=_("This dispute already has an open offer."),
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="offer_amount_positive"),
            models.CheckConstraint(
                condition=Q(status__in=OfferStatus.values), name="offer_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Offer #{self.pk} on dispute #{self.dispute_id}"

    @property
    def is_open(self) -> bool:
        return self.status == OfferStatus.OPEN


class StaffWait(models.Model):
    """One period a dispute waited for support staff (docs/admin.md, Staff response target):
    from an escalation or the respondent's answer until staff answer it or it is decided.

    `due_at` is `started_at` plus ECHO_STAFF_RESPONSE_HOURS as set when the period began;
    `answered_at` is when staff answered (a public message or a decision), null if they did not;
    `ended_at` is when the period ended for any reason (null while it runs)."""

    dispute = models.ForeignKey(
        Dispute, on_delete=models.PROTECT, related_name="staff_waits", verbose_name=_("dispute")
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    due_at = models.DateTimeField(verbose_name=_("due at"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))

    class Meta:
        ordering = ("started_at", "id")
        verbose_name = _("staff wait")
        verbose_name_plural = _("staff waits")
        indexes: ClassVar = [
            # The dashboard's weekly share reads the periods by due week.
            models.Index(fields=["due_at"], name="staff_wait_due"),
        ]
        constraints: ClassVar = [
            # At most one running period per dispute: the services end one before a new begins.
            models.UniqueConstraint(
                fields=["dispute"],
                condition=Q(ended_at__isnull=True),
                name="staff_wait_one_running",
            ),
            models.CheckConstraint(
                condition=Q(due_at__gt=F("started_at")), name="staff_wait_due_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"Staff wait #{self.pk} on dispute #{self.dispute_id}"

    @property
    def answered_in_time(self) -> bool:
        return self.answered_at is not None and staff_in_time(self.answered_at, self.due_at)


def staff_overdue(due_at: datetime, now: datetime) -> bool:
    """At the due time itself a dispute is overdue: the target is "answered within N hours", and
    N hours after the start is no longer within them (docs/decisions.md)."""
    return now >= due_at


def staff_in_time(answered_at: datetime, due_at: datetime) -> bool:
    return not staff_overdue(due_at, answered_at)


# The same boundary for queries: the queue's filter and the dashboard's weekly share.
def staff_overdue_q(now: datetime) -> Q:
    """Disputes whose staff wait is overdue at `now` (`staff_overdue` as a filter)."""
    return Q(staff_due_at__lte=now)


def staff_answered_in_time_q() -> Q:
    """Waits answered in time (`staff_in_time` as a filter on StaffWait)."""
    return Q(answered_at__lt=F("due_at"))


class SavedReply(models.Model):
    """A reply template support staff pick on the dispute page: `disputes.replies` checks its
    placeholders when it is saved and fills them in for one dispute. Nothing refers to a saved
    reply (a posted message is plain text), so deleting one changes no thread."""

    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"), max_length=2000)
    # The thread's own choices: a public reply becomes a message, an internal one a note.
    visibility = models.CharField(
        _("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Only active replies are offered on the dispute page."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = (Lower("title").asc(), "id")
        constraints: ClassVar = [
            # "Refund approved" and "refund approved" would be one entry in the picker.
            models.UniqueConstraint(
                Lower("title"),
                name="saved_reply_title_ci_unique",
                violation_error_message=_("A saved reply with this title already exists."),
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="saved_reply_visibility_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        # Imported here: disputes.replies reads the Dispute model defined above.
        from disputes.replies import validate_template

        try:
            validate_template(self.body)
        except ValidationError as error:
            raise ValidationError({"body": error.error_list}) from None
