"""The finance API in the payment provider's wire format (docs/design.md §7, the provider's
"Get Dispute").

A finance integration written against the provider reads it with only the base URL and the token
changed: same paths, same envelope, same field names and formats. Errors get the provider's
`{"code", "message"}` body from the project's exception handler (every path under /openapi/).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from disputes import policies, selectors
from disputes.models import Dispute, DisputeStatus, ReasonCode
from echo_disputes.errors import InvalidInput
from echo_disputes.serializers import MoneyField, money_text

# 9999-12-31T23:59:59Z: larger values cannot be a datetime (the caller gets 400, not a 500).
UNIX_MAX = 253402300799


def token_scopes(auth: Any) -> frozenset[str]:
    """The scopes of a JWT: its `scope` claim, a space-separated string."""
    claim = auth.get("scope", "") if auth is not None else ""
    return frozenset(claim.split()) if isinstance(claim, str) else frozenset()


class ReadFinance(BasePermission):
    """No user: 401 (DRF's NotAuthenticated); a user without `read_finance` in the token: 403."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        policies.finance_require_read(request.user, token_scopes(request.auth))
        return True


class UtcZField(serializers.DateTimeField):
    """ISO 8601 in UTC with a `Z`, to the second, as the provider writes it."""

    def to_representation(self, value: datetime) -> str:
        return _utc_z(value)


class FinanceDisputeOutput(serializers.Serializer):
    id = serializers.CharField()
    transaction_order_id = serializers.CharField(source="transaction_id")
    original_order_id = serializers.CharField(source="order_id")
    store_id = serializers.CharField()
    currency = serializers.CharField()
    created_at = UtcZField()
    updated_at = UtcZField()
    expiration_time = UtcZField(source="respond_by")
    dispute_reason = serializers.CharField(source="get_reason_code_display")
    original_order_amount = MoneyField(source="original_amount")
    dispute_amount = MoneyField(
        source="amount", help_text="A settled dispute's is the refund the parties agreed."
    )
    status = serializers.ChoiceField(choices=DisputeStatus.choices)
    fee = MoneyField()
    fee_currency = serializers.CharField()

    # Built directly: DRF's per-field machinery was most of a page's CPU (docs/benchmarks.md).
    # The declared fields stay for the schema and list the same keys.
    def to_representation(self, dispute: Dispute) -> dict[str, Any]:
        return {
            "id": str(dispute.pk),
            "transaction_order_id": dispute.transaction_id,  # type: ignore[attr-defined]
            "original_order_id": str(dispute.order_id),
            "store_id": str(dispute.store_id),  # type: ignore[attr-defined]
            "currency": dispute.currency,
            "created_at": _utc_z(dispute.created_at),
            "updated_at": _utc_z(dispute.updated_at),
            "expiration_time": _utc_z(dispute.respond_by),
            "dispute_reason": REASON_LABELS.get(dispute.reason_code, dispute.reason_code),
            "original_order_amount": money_text(dispute.original_amount),
            "dispute_amount": money_text(selectors.finance_dispute_amount(dispute)),
            "status": dispute.status,
            "fee": money_text(dispute.fee),
            "fee_currency": dispute.fee_currency,
        }


REASON_LABELS = {value: str(label) for value, label in ReasonCode.choices}


def _utc_z(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class FinanceListQuery(serializers.Serializer):
    cursor = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=10)
    created_at_min = serializers.IntegerField(min_value=0, max_value=UNIX_MAX, required=False)
    created_at_max = serializers.IntegerField(min_value=0, max_value=UNIX_MAX - 1, required=False)


def _statuses(request: Request) -> list[str]:
    """`status` repeated and/or comma-separated: `?status=won&status=lost` = `?status=won,lost`."""
    values = [
        part.strip()
        for raw in request.query_params.getlist("status")
        for part in raw.split(",")
        if part.strip()
    ]
    unknown = sorted(set(values) - set(DisputeStatus.values))
    if unknown:
        allowed = ", ".join(DisputeStatus.values)
        raise InvalidInput(
            _("status: unknown value %(unknown_0)r; use %(allowed)s.")
            % {"unknown_0": unknown[0], "allowed": allowed},
            details={"status": [_("Use %(allowed)s.") % {"allowed": allowed}]},
        )
    return values


def _success(data: dict[str, Any]) -> Response:
    return Response({"code": "Success", "message": "Success", "data": data})


FinanceError = inline_serializer(
    name="FinanceError",
    fields={
        "code": serializers.ChoiceField(
            choices=["InvalidParameter", "Unauthorized", "Forbidden", "NotFound"]
        ),
        "message": serializers.CharField(),
    },
)
FINANCE_ERRORS = {
    400: OpenApiResponse(FinanceError, description="`InvalidParameter`: a bad query value."),
    401: OpenApiResponse(FinanceError, description="`Unauthorized`: no token or a bad one."),
    403: OpenApiResponse(
        FinanceError, description="`Forbidden`: the token does not hold `read_finance`."
    ),
    404: OpenApiResponse(
        FinanceError, description="`NotFound`: no such dispute in the caller's scope."
    ),
}
AUTH_NOTE = (
    "Bearer JWT whose `scope` claim holds `read_finance` (staff: every store; a seller: its own "
    "store's disputes only)."
)


def _envelope(name: str, data: dict[str, serializers.Field]) -> serializers.Serializer:
    return inline_serializer(
        name=name,
        fields={
            "code": serializers.CharField(default="Success"),
            "message": serializers.CharField(default="Success"),
            "data": inline_serializer(name=f"{name}Data", fields=data),
        },
    )


@extend_schema(tags=["finance"])
class FinanceDisputeList(APIView):
    permission_classes = (ReadFinance,)

    @extend_schema(
        operation_id="finance_disputes_list",
        summary="Disputes with money fields, newest first, cursor-paged (payment provider format)",
        description=AUTH_NOTE,
        parameters=[
            OpenApiParameter(
                "cursor",
                {"type": "string", "maxLength": 200},
                description="`data.cursor` of the previous page.",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                description="1..100, default 10.",
            ),
            OpenApiParameter(
                "status",
                str,
                many=True,
                explode=True,
                description="One or several (repeat it, or separate with commas).",
                enum=DisputeStatus.values,
            ),
            OpenApiParameter(
                "created_at_min",
                {"type": "integer", "minimum": 0, "maximum": UNIX_MAX},
                description="Unix seconds, inclusive.",
            ),
            OpenApiParameter(
                "created_at_max",
                {"type": "integer", "minimum": 0, "maximum": UNIX_MAX - 1},
                description="Unix seconds, inclusive.",
            ),
        ],
        responses={
            200: _envelope(
                "FinanceDisputeList",
                {
                    "disputes": FinanceDisputeOutput(many=True),
                    "cursor": serializers.CharField(help_text='"" when there is no more.'),
                },
            ),
            **{code: FINANCE_ERRORS[code] for code in (400, 401, 403)},
        },
    )
    def get(self, request: Request) -> Response:
        query = FinanceListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        v = query.validated_data
        low, high = v.get("created_at_min"), v.get("created_at_max")
        rows, cursor = selectors.finance_disputes_page(
            request.user,
            cursor=v["cursor"],
            limit=v["limit"],
            statuses=_statuses(request),
            created_from=None if low is None else datetime.fromtimestamp(low, UTC),
            # Inclusive of the whole second named, whatever the sub-second part of created_at.
            created_before=None
            if high is None
            else datetime.fromtimestamp(high, UTC) + timedelta(seconds=1),
        )
        return _success({"disputes": FinanceDisputeOutput(rows, many=True).data, "cursor": cursor})


@extend_schema(tags=["finance"])
class FinanceDisputeDetail(APIView):
    permission_classes = (ReadFinance,)

    @extend_schema(
        operation_id="finance_disputes_retrieve",
        summary="One dispute with money fields (payment provider format)",
        description=AUTH_NOTE
        + " Another store's dispute is `NotFound`, like an unknown id (the provider answers 500).",
        parameters=[OpenApiParameter("dispute_id", str, OpenApiParameter.PATH)],
        responses={
            200: _envelope("FinanceDisputeDetail", {"dispute": FinanceDisputeOutput()}),
            **{code: FINANCE_ERRORS[code] for code in (401, 403, 404)},
        },
    )
    def get(self, request: Request, dispute_id: str) -> Response:
        dispute: Dispute = selectors.finance_dispute_get(request.user, dispute_id)
        return _success({"dispute": FinanceDisputeOutput(dispute).data})
