"""The payment provider's chargeback webhook (docs/design.md §8).

The signature is checked over the raw body before anything is parsed: an unsigned request never
reaches the JSON parser, let alone the database.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes import services
from disputes.models import TERMINAL_STATUSES, DisputeStatus, ReasonCode
from echo_disputes.errors import DomainError, InvalidInput
from echo_disputes.i18n import interpolate_lazy
from echo_disputes.openapi import errors
from echo_disputes.parsers import json_bounded_loads
from echo_disputes.serializers import CurrencyField, MoneyField

logger = logging.getLogger("disputes.webhooks")

SIGNATURE_HEADER = "X-Echo-Signature"
SIGNATURE_PREFIX = "sha256="
UNIX_MAX = 253402300799


class BadSignature(DomainError):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_code = "invalid_signature"
    default_message = interpolate_lazy(
        _("Missing or wrong %(header)s signature."),
        {"header": SIGNATURE_HEADER},
    )


class PayloadTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_message = _("The request body is too large.")


def signature_for(body: bytes, secret: str) -> str:
    """The header value the provider sends: `sha256=<hex HMAC-SHA256 of the raw body>`."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_verify(body: bytes, header: str | None) -> None:
    secret = settings.PAYMENTS_WEBHOOK_SECRET
    if not secret:
        # An empty key would make every signature forgeable: refuse everything instead.
        logger.error("PAYMENTS_WEBHOOK_SECRET is not set; refusing the webhook call")
        raise BadSignature()
    if not header or not hmac.compare_digest(
        signature_for(body, secret).encode(), header.strip().encode()
    ):
        raise BadSignature()


class StrictCharField(serializers.CharField):
    """A JSON string only: DRF's CharField would turn a number into one silently."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)
class UnixTimeField(serializers.Field):
    default_error_messages = {"invalid": _("Unix seconds (an integer) expected.")}

    def to_internal_value(self, data: Any) -> datetime:
        if isinstance(data, bool) or not isinstance(data, int) or not 0 <= data <= UNIX_MAX:
            self.fail("invalid")
        return datetime.fromtimestamp(data, UTC)

    def to_representation(self, value: datetime) -> int:
        return int(value.timestamp())


class ExpirationTimeField(serializers.DateTimeField):
    """Unix seconds or an ISO 8601 string with an offset (`2024-05-05T00:00:00Z`)."""

    def to_internal_value(self, value: Any) -> datetime:
        if isinstance(value, bool):
            self.fail("invalid", format="unix seconds or ISO 8601")
        if isinstance(value, int):
            return UnixTimeField().to_internal_value(value)
        if not isinstance(value, str):
            self.fail("invalid", format="unix seconds or ISO 8601")
        return super().to_internal_value(value)


class ReasonField(StrictCharField):
    """The reason code (`product_not_received`) or its display form (`Product not received`)."""

    def to_internal_value(self, data: Any) -> str:
        code = super().to_internal_value(data).strip().lower().replace(" ", "_")
        if code not in ReasonCode.values:
            raise serializers.ValidationError(
                _("Use one of %(reasons)s.")
                % {"reasons": ", ".join(str(label) for label in ReasonCode.labels)}
            )
        return code


class ChargebackDataInput(serializers.Serializer):
    dispute_id = StrictCharField(max_length=100)
    transaction_id = StrictCharField(max_length=64)
    reason = ReasonField(required=False, default=ReasonCode.GENERAL.value)
    amount = MoneyField()
    currency = CurrencyField()
    fee = MoneyField(required=False, allow_null=True, default=None, min_value=Decimal("0"))
    fee_currency = CurrencyField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=DisputeStatus.choices)
    expiration_time = ExpirationTimeField(required=False, allow_null=True, default=None)


class ChargebackEventInput(serializers.Serializer):
    """Unknown fields are ignored on purpose: a provider adds fields without notice, and refusing
    them would turn every such addition into an outage of the webhook."""

    id = StrictCharField(max_length=100)
    type = serializers.ChoiceField(choices=services.CHARGEBACK_EVENT_TYPES)
    created = UnixTimeField()
    # The provider's field name; the metaclass pops declared fields, so `.data` still works.
    data = ChargebackDataInput()  # type: ignore[assignment]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["type"] == "dispute.closed" and attrs["data"]["status"] not in TERMINAL_STATUSES:
            raise serializers.ValidationError(
                {"data": {"status": [_("dispute.closed needs won, lost or closed.")]}}
            )
        return attrs


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors as dotted field names: {"data.amount": [...]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = key if key == "non_field_errors" and not prefix else f"{prefix}{key}"
            flat.update(_flatten(value, f"{name}."))
        return flat
    return {prefix.rstrip("."): [str(message) for message in detail]}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _parse(body: bytes) -> dict[str, Any]:
    try:
        # Decimal, not float: money never passes through a binary fraction. Within the API's
        # depth and key limits, so a signed but absurd body is a 400, not a RecursionError.
        document = json_bounded_loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except ParseError:
        raise InvalidInput(_("The body is not valid JSON."), code="parse_error") from None
    if not isinstance(document, dict):
        raise InvalidInput(_("The body must be a JSON object."), code="parse_error")
    return document


def _event(document: dict[str, Any]) -> services.ChargebackEvent:
    data = ChargebackEventInput(data=document)
    if not data.is_valid():
        details = _flatten(data.errors)
        field, messages = next(iter(details.items()))
        raise InvalidInput(
            _("%(field)s: %(messages_0)s") % {"field": field, "messages_0": messages[0]},
            details=details,
        )
    v, d = data.validated_data, data.validated_data["data"]
    return services.ChargebackEvent(
        event_id=v["id"],
        type=v["type"],
        created=v["created"],
        provider_dispute_id=d["dispute_id"],
        transaction_id=d["transaction_id"],
        reason_code=d["reason"],
        amount=d["amount"],
        currency=d["currency"],
        status=d["status"],
        fee=d["fee"],
        fee_currency=d["fee_currency"],
        expiration_time=d["expiration_time"],
        payload=document,
    )


WebhookAccepted = inline_serializer(
    name="WebhookAccepted",
    fields={
        "id": serializers.CharField(help_text="The event id."),
        "result": serializers.ChoiceField(
            choices=["applied", "ignored_stale", "ignored_terminal"],
            help_text="What the event did when it was first accepted.",
        ),
        "replayed": serializers.BooleanField(help_text="True when this id was seen before."),
        "disputeId": serializers.IntegerField(allow_null=True),
    },
)


@extend_schema(tags=["webhooks"])
class PaymentsWebhook(APIView):
    # The provider authenticates by signature, not by a user: no JWT, no session (hence no CSRF).
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="payments_webhook",
        summary="Chargeback events from the payment provider (HMAC-signed)",
        description=(
            f"`{SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the raw body under "
            "PAYMENTS_WEBHOOK_SECRET>`. Every accepted event answers 200, replays included; an "
            "event older than the last one applied to its dispute changes nothing."
        ),
        auth=[],
        parameters=[
            OpenApiParameter(
                SIGNATURE_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex>",
            )
        ],
        request=ChargebackEventInput,
        responses={200: WebhookAccepted, **errors(400, 401, 404, 413)},
    )
    def post(self, request: Request) -> Response:
        try:
            body = request.body
        except RequestDataTooBig:
            raise PayloadTooLarge() from None
        signature_verify(body, request.headers.get(SIGNATURE_HEADER))
        outcome = services.chargeback_apply(event=_event(_parse(body)))
        if outcome.refused:
            # Stored (committed) as refused by the service; the provider is told why.
            message = services.chargeback_future_refusal()
            raise InvalidInput(
                _("created: %(message)s") % {"message": message}, details={"created": [message]}
            )
        return Response(
            {
                "id": outcome.event.event_id,
                "result": outcome.event.result,
                "replayed": outcome.replayed,
                "disputeId": outcome.event.dispute_id,
            }
        )
