from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from disputes.models import Dispute, Message, Outcome, ReasonCode, Visibility
from echo_disputes.serializers import CurrencyField, MoneyField, StrictInputSerializer


class DisputeOpenInput(StrictInputSerializer):
    # Length rules live in the service; the serializer only refuses what cannot be a value.
    orderId = serializers.IntegerField(min_value=1, max_value=2**62)
    reason = serializers.CharField(trim_whitespace=False, allow_blank=True)
    reasonCode = serializers.ChoiceField(
        choices=ReasonCode.choices, required=False, default=ReasonCode.GENERAL
    )
    amount = MoneyField(required=False, decimal_places=None, max_digits=14)
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
        required=False, allow_null=True, default=None, decimal_places=None, max_digits=14
    )


class DisputeWithdrawInput(StrictInputSerializer):
    pass


class MessageOutput(serializers.ModelSerializer):
    disputeId = serializers.IntegerField(source="dispute_id")
    userId = serializers.IntegerField(source="author_id")
    username = serializers.CharField(source="author.username")
    message = serializers.CharField(source="body")
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Message
        fields = ("id", "disputeId", "userId", "username", "message", "visibility", "createdAt")


class DisputeOutput(serializers.ModelSerializer):
    """ECHO's dispute shape plus the lifecycle (`state`) and money fields."""

    orderId = serializers.IntegerField(source="order_id")
    createdByUserId = serializers.IntegerField(source="opened_by_id", allow_null=True)
    createdByUsername = serializers.SerializerMethodField()
    reasonCode = serializers.CharField(source="reason_code")
    status = serializers.ChoiceField(source="api_status", choices=["OPEN", "CLOSED"])
    state = serializers.CharField(source="status")
    outcome = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()
    amount = MoneyField()
    refundAmount = MoneyField(source="refund_amount", allow_null=True)
    respondBy = serializers.DateTimeField(source="respond_by")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)

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
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_createdByUsername(self, dispute: Dispute) -> str | None:
        return dispute.opened_by.username if dispute.opened_by else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_outcome(self, dispute: Dispute) -> str | None:
        return dispute.outcome or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_resolution(self, dispute: Dispute) -> str | None:
        # ECHO documents null until an admin closes the dispute.
        return dispute.resolution or None


class DisputeDetailOutput(DisputeOutput):
    messages = serializers.SerializerMethodField()

    class Meta(DisputeOutput.Meta):
        fields = (*DisputeOutput.Meta.fields, "messages")

    @extend_schema_field(MessageOutput(many=True))
    def get_messages(self, dispute: Dispute) -> list[dict[str, Any]]:
        # The selector prefetches the thread already filtered for the caller.
        return MessageOutput(getattr(dispute, "visible_messages", []), many=True).data  # type: ignore[return-value]
