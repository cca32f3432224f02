"""Staff manage webhook endpoints: `GET/POST /api/webhooks/endpoints`,
`DELETE /api/webhooks/endpoints/{endpoint_id}` (docs/webhooks.md, "Managing endpoints").

Anyone without a valid token gets 401, a signed-in non-staff user 403. The POST's answer is the
only place the endpoint's signing secret is ever shown.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policies import is_support_staff
from echo_disputes.openapi import errors
from echo_disputes.serializers import StrictInputSerializer
from integrations import services
from integrations.models import WebhookEndpoint
from integrations.outbox import EVENT_TYPES


class SupportStaff(BasePermission):
    """401 for no user (DRF's NotAuthenticated, before this runs), 403 for a non-staff user."""

    message = _("Only support staff manage webhooks.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_support_staff(request.user)


class EndpointInput(StrictInputSerializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="An https URL on a public host (checked again before every delivery).",
    )
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        required=False,
        allow_empty=True,
        max_length=len(EVENT_TYPES) * 4,
        help_text="The event types to send; empty or left out: every type.",
    )
    active = serializers.BooleanField(required=False, default=True)


class EndpointOutput(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    eventTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        source="event_types",
        help_text="Empty: every type.",
    )
    active = serializers.BooleanField()
    consecutiveFailures = serializers.IntegerField(
        source="consecutive_failures", help_text="Deliveries failed in a row."
    )
    disabledAt = serializers.DateTimeField(source="disabled_at", allow_null=True)
    createdAt = serializers.DateTimeField(source="created_at")
    secretHint = serializers.CharField(
        source="secret_hint", help_text="The last four characters of the signing secret."
    )


class EndpointCreated(EndpointOutput):
    secret = serializers.CharField(
        help_text="The signing secret (X-Echo-Signature). Shown in this answer only: store it."
    )


@extend_schema(tags=["webhooks"])
class EndpointList(generics.GenericAPIView):
    permission_classes = (IsAuthenticated, SupportStaff)
    serializer_class = EndpointOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.order_by("id")

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="The webhook endpoints, oldest first (staff)",
        responses={200: EndpointOutput(many=True), **errors(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(EndpointOutput(page, many=True).data)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Register a webhook endpoint; the answer holds its secret, once (staff)",
        request=EndpointInput,
        responses={201: EndpointCreated, **errors(400, 401, 403, 415)},
    )
    def post(self, request: Request) -> Response:
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        endpoint, secret = services.endpoint_create(
            actor=request.user,
            url=values["url"],
            event_types=values.get("eventTypes"),
            active=values["active"],
        )
        body = dict(EndpointOutput(endpoint).data, secret=secret)
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(tags=["webhooks"])
class EndpointDetail(generics.GenericAPIView):
    permission_classes = (IsAuthenticated, SupportStaff)
    serializer_class = EndpointOutput
    filter_backends = ()
    pagination_class = None

    @extend_schema(
        operation_id="webhook_endpoints_delete",
        summary="Remove a webhook endpoint and its deliveries (staff)",
        request=None,
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request: Request, endpoint_id: str) -> Response:
        services.endpoint_delete(actor=request.user, endpoint_id=int(endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
