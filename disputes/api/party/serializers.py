from __future__ import annotations

from datetime import UTC
from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from disputes.api.party.evidence import EvidenceOutput
from disputes.models import Dispute, Message, Offer, OfferStatus, Outcome, ReasonCode, Visibility
from echo_disputes.serializers import (
    MONEY_INPUT_HELP,
    CurrencyField,
    MoneyField,
    StrictInputSerializer,
    money_number,
)

# The payment provider opened a chargeback, no user: ECHO's lists show this instead of a blank
# (docs/design.md §6, docs/echo-compatibility.md).
PAYMENT_PROVIDER = "payment-provider"


class DisputeOpenInput(StrictInputSerializer):
    # Length rules live in the service; the serializer only refuses what cannot be a value.
    orderId = serializers.IntegerField(min_value=1, max_value=2**62)
    reason = serializers.CharField(trim_whitespace=False, allow_blank=True)
    reasonCode = serializers.ChoiceField(
        choices=ReasonCode.choices, required=False, default=ReasonCode.GENERAL
    )
    amount = MoneyField(
        required=False, decimal_places=None, max_digits=14, help_text=MONEY_INPUT_HELP
    )
    currency = CurrencyField(required=False)


class MessagePostInput(StrictInputSerializer):
    message = serializers.CharField(trim_whitespace=False, allow_blank=True)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.PUBLIC
    )


class DisputeCloseInput(StrictInputSerializer):
    resolution = serializers.CharField(trim_whitespace=False, allow_blank=True)
    outcome = serializers.ChoiceField(
        choices=[(Outcome.WON.value, "won"), (Outcome.LOST.value, "lost")],
        required=False,
        allow_null=True,
        default=None,
    )
    refundAmount = MoneyField(
        required=False,
        allow_null=True,
        default=None,
        decimal_places=None,
        max_digits=14,
        help_text=MONEY_INPUT_HELP,
    )


class DisputeWithdrawInput(StrictInputSerializer):
    pass


class OfferProposeInput(StrictInputSerializer):
    # The bounds (0 < amount <= the disputed amount, two decimals) are the service's rule.
    amount = MoneyField(decimal_places=None, max_digits=14, help_text=MONEY_INPUT_HELP)
    currency = CurrencyField(
        required=False, help_text="If sent, it must be the dispute's currency."
    )
    note = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False
    )


class DisputeEscalateInput(StrictInputSerializer):
    reason = serializers.CharField(trim_whitespace=False, allow_blank=True)


def _utc_active() -> bool:
    return timezone.get_current_timezone_name() == "UTC"


class _UtcOnce:
    """Asks `_utc_active()` once per serializer: a list's child serializer formats every row, and
    the active time zone (a context-local lookup) cannot change within one response."""

    def utc(self) -> bool:
        known: bool | None = self.__dict__.get("_utc")
        if known is None:
            known = self.__dict__["_utc"] = _utc_active()
        return known


def _iso(value: Any, utc: bool | None = None) -> str | None:
    """What DRF's DateTimeField writes: ISO 8601 in the current time zone, UTC as `Z`.

    `utc` is `_utc_active()` computed once by a caller that formats several timestamps."""
    if value is None:
        return None
    if value.tzinfo is UTC and (_utc_active() if utc is None else utc):
        # The database hands back UTC datetimes and the project runs in UTC: no conversion.
        return value.replace(tzinfo=None).isoformat() + "Z"
    text: str = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class MessageOutput(_UtcOnce, serializers.ModelSerializer):
    disputeId = serializers.IntegerField(source="dispute_id")
    userId = serializers.IntegerField(source="author_id")
    username = serializers.CharField(source="author.username")
    message = serializers.CharField(source="body")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Message
        fields = ("id", "disputeId", "userId", "username", "message", "visibility", "createdAt")

    # The hot paths (a thread, a page of 50) build the dict directly: DRF's per-field machinery
    # cost about a quarter of the request (docs/benchmarks.md). The declared fields stay for the
    # schema; both must list the same keys.
    def to_representation(self, message: Message) -> dict[str, Any]:
        return {
            "id": message.pk,
            "disputeId": message.dispute_id,
            "userId": message.author_id,
            "username": message.author.username,
            "message": message.body,
            "visibility": message.visibility,
            "createdAt": _iso(message.created_at, self.utc()),
        }


class OfferOutput(_UtcOnce, serializers.ModelSerializer):
    disputeId = serializers.IntegerField(source="dispute_id")
    proposedByUserId = serializers.IntegerField(source="proposed_by_id")
    proposedByUsername = serializers.CharField(source="proposed_by.username")
    amount = MoneyField(coerce_to_string=False)
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    createdAt = serializers.DateTimeField(source="created_at")
    decidedAt = serializers.DateTimeField(source="decided_at", allow_null=True)

    class Meta:
        model = Offer
        fields = (
            "id",
            "disputeId",
            "proposedByUserId",
            "proposedByUsername",
            "amount",
            "currency",
            "note",
            "status",
            "createdAt",
            "decidedAt",
        )

    def to_representation(self, offer: Offer) -> dict[str, Any]:
        # Built directly, like MessageOutput, with the same keys as the declared fields.
        utc = self.utc()
        return {
            "id": offer.pk,
            "disputeId": offer.dispute_id,
            "proposedByUserId": offer.proposed_by_id,
            "proposedByUsername": offer.proposed_by.username,
            "amount": money_number(offer.amount),
            "currency": offer.currency,
            "note": offer.note,
            "status": offer.status,
            "createdAt": _iso(offer.created_at, utc),
            "decidedAt": _iso(offer.decided_at, utc),
        }


class DisputeOutput(_UtcOnce, serializers.ModelSerializer):
    """ECHO's dispute shape plus the lifecycle (`state`) and money fields."""

    orderId = serializers.IntegerField(source="order_id")
    createdByUserId = serializers.IntegerField(source="opened_by_id", allow_null=True)
    createdByUsername = serializers.SerializerMethodField()
    reasonCode = serializers.CharField(source="reason_code")
    status = serializers.ChoiceField(source="api_status", choices=["OPEN", "CLOSED"])
    state = serializers.CharField(source="status")
    outcome = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()
    # JSON numbers (24.50), as ECHO's clients read them (docs/design.md §6).
    amount = MoneyField(coerce_to_string=False)
    refundAmount = MoneyField(source="refund_amount", allow_null=True, coerce_to_string=False)
    respondBy = serializers.DateTimeField(source="respond_by")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)
    escalatedAt = serializers.DateTimeField(source="escalated_at", allow_null=True)
    escalatedBy = serializers.IntegerField(source="escalated_by_id", allow_null=True)
    escalationReason = serializers.SerializerMethodField()

    class Meta:
        model = Dispute
        fields: tuple[str, ...] = (
            "id",
            "orderId",
            "createdByUserId",
            "createdByUsername",
            "kind",
            "reason",
            "reasonCode",
            "status",
            "state",
            "outcome",
            "resolution",
            "amount",
            "currency",
            "refundAmount",
            "respondBy",
            "createdAt",
            "updatedAt",
            "closedAt",
            "escalatedAt",
            "escalatedBy",
            "escalationReason",
        )

    def to_representation(self, dispute: Dispute) -> dict[str, Any]:
        # Built directly, like MessageOutput, with the same keys as the declared fields.
        utc = self.utc()
        return {
            "id": dispute.pk,
            "orderId": dispute.order_id,
            "createdByUserId": dispute.opened_by_id,
            "createdByUsername": self.get_createdByUsername(dispute),
            "kind": dispute.kind,
            "reason": dispute.reason,
            "reasonCode": dispute.reason_code,
            "status": dispute.api_status,
            "state": dispute.status,
            "outcome": self.get_outcome(dispute),
            "resolution": self.get_resolution(dispute),
            "amount": money_number(dispute.amount),
            "currency": dispute.currency,
            "refundAmount": money_number(dispute.refund_amount),
            "respondBy": _iso(dispute.respond_by, utc),
            "createdAt": _iso(dispute.created_at, utc),
            "updatedAt": _iso(dispute.updated_at, utc),
            "closedAt": _iso(dispute.closed_at, utc),
            "escalatedAt": _iso(dispute.escalated_at, utc),
            "escalatedBy": dispute.escalated_by_id,
            "escalationReason": self.get_escalationReason(dispute),
        }

    @extend_schema_field(serializers.CharField())
    def get_createdByUsername(self, dispute: Dispute) -> str:
        # A chargeback has no opener (`createdByUserId` null); its name is the provider's.
        return dispute.opened_by.username if dispute.opened_by else PAYMENT_PROVIDER

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_outcome(self, dispute: Dispute) -> str | None:
        return dispute.outcome or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_resolution(self, dispute: Dispute) -> str | None:
        # ECHO documents null until an admin closes the dispute.
        return dispute.resolution or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_escalationReason(self, dispute: Dispute) -> str | None:
        # Null until a party escalates, like `resolution` until a decision.
        return dispute.escalation_reason or None


class DisputeDetailOutput(DisputeOutput):
    """The dispute with the newest ECHO_DETAIL_MESSAGES messages of its thread (oldest first among
    them), how many the caller may read in all, and where the whole thread is paged."""

    messages = serializers.SerializerMethodField()
    messageCount = serializers.IntegerField(
        help_text="Messages of the thread the caller may read, in all."
    )
    moreMessages = serializers.BooleanField(
        help_text="True when `messages` holds only the newest of them: page the rest at "
        "`messagesUrl`."
    )
    messagesUrl = serializers.CharField(help_text="The thread, paged (oldest first).")
    evidence = serializers.SerializerMethodField()
    openOffer = serializers.SerializerMethodField()

    class Meta(DisputeOutput.Meta):
        fields = (
            *DisputeOutput.Meta.fields,
            "messages",
            "messageCount",
            "moreMessages",
            "messagesUrl",
            "evidence",
            "openOffer",
        )

    def to_representation(self, dispute: Dispute) -> dict[str, Any]:
        data = super().to_representation(dispute)
        data["messages"] = self.get_messages(dispute)
        shown = len(data["messages"])
        count = getattr(dispute, "message_count", shown)
        data["messageCount"] = count
        data["moreMessages"] = count > shown
        data["messagesUrl"] = reverse("dispute-messages", args=[dispute.pk])
        data["evidence"] = self.get_evidence(dispute)
        data["openOffer"] = self.get_openOffer(dispute)
        return data

    @extend_schema_field(OfferOutput(allow_null=True))
    def get_openOffer(self, dispute: Dispute) -> dict[str, Any] | None:
        # The selector reads the open offer as `open_offer` (a new dispute has none).
        offer = getattr(dispute, "open_offer", None)
        return None if offer is None else OfferOutput(offer).data  # type: ignore[return-value]

    @extend_schema_field(EvidenceOutput(many=True))
    def get_evidence(self, dispute: Dispute) -> list[dict[str, Any]]:
        # The selector reads the files already filtered for the caller (none on a new dispute).
        return EvidenceOutput(getattr(dispute, "visible_evidence", []), many=True).data  # type: ignore[return-value]

    @extend_schema_field(MessageOutput(many=True))
    def get_messages(self, dispute: Dispute) -> list[dict[str, Any]]:
        # The selector reads the newest messages already filtered for the caller.
        return MessageOutput(getattr(dispute, "visible_messages", []), many=True).data  # type: ignore[return-value]
