"""The peer: three of the API's endpoints as an ordinary team would write them from DRF's tutorial.

Where the floor is the least code that could answer a request, the peer is the usual code: a
`GenericViewSet` whose `get_queryset` uses `select_related`/`prefetch_related`, nested
`ModelSerializer`s, simplejwt's stock `JWTAuthentication` (one user query per request),
`IsAuthenticated` plus an object permission (a party or staff), `PageNumberPagination` (with its
`COUNT(*)`), and a post that saves the message, its `message_posted` event and the dispute's
activity time in a transaction holding the dispute with `SELECT ... FOR UPDATE`.

It answers with the API's JSON (same keys, same bytes for the same rows) and imports nothing of
the product but its models: no product serializer, view, authentication or DRF setting. Every
DRF class it uses is named here, so the product's `REST_FRAMEWORK` settings (authentication,
negotiation, pagination, exception handler) do not reach it. Mounted only in `bench/urls.py`,
under `/peer/`.
"""

from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import exception_handler
from rest_framework_simplejwt.authentication import JWTAuthentication

from disputes.models import Dispute, DisputeEvent, EventType, Message, Visibility

# --- serializers -------------------------------------------------------------------------------


class MessageSerializer(serializers.ModelSerializer):
    disputeId = serializers.IntegerField(source="dispute_id", read_only=True)
    userId = serializers.IntegerField(source="author_id", read_only=True)
    username = serializers.CharField(source="author.username", read_only=True)
    message = serializers.CharField(source="body", max_length=2000)
    createdAt = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Message
        fields = ("id", "disputeId", "userId", "username", "message", "visibility", "createdAt")
        read_only_fields = ("visibility",)


class DisputeSerializer(serializers.ModelSerializer):
    orderId = serializers.IntegerField(source="order_id")
    createdByUserId = serializers.IntegerField(source="opened_by_id", allow_null=True)
    createdByUsername = serializers.CharField(source="opened_by.username", allow_null=True)
    reasonCode = serializers.CharField(source="reason_code")
    status = serializers.CharField(source="api_status")
    state = serializers.CharField(source="status")
    outcome = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()
    refundAmount = serializers.DecimalField(
        source="refund_amount", max_digits=12, decimal_places=2, allow_null=True
    )
    respondBy = serializers.DateTimeField(source="respond_by")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")
    closedAt = serializers.DateTimeField(source="closed_at", allow_null=True)

    class Meta:
        model = Dispute
        fields: tuple[str, ...] = (
            "id", "orderId", "createdByUserId", "createdByUsername", "kind", "reason",
            "reasonCode", "status", "state", "outcome", "resolution", "amount", "currency",
            "refundAmount", "respondBy", "createdAt", "updatedAt", "closedAt",
        )  # fmt: skip
        read_only_fields = fields

    def get_outcome(self, dispute: Dispute) -> str | None:
        return dispute.outcome or None

    def get_resolution(self, dispute: Dispute) -> str | None:
        return dispute.resolution or None


class DisputeDetailSerializer(DisputeSerializer):
    messages = MessageSerializer(source="thread", many=True, read_only=True)

    class Meta(DisputeSerializer.Meta):
        fields = (*DisputeSerializer.Meta.fields, "messages")
        read_only_fields = fields


# --- the stock DRF pieces ----------------------------------------------------------------------


class IsPartyOrStaff(BasePermission):
    def has_object_permission(self, request: Any, view: Any, obj: Dispute) -> bool:
        return bool(request.user.is_staff or request.user.pk in (obj.buyer_id, obj.seller_id))


class ThreadClosed(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The dispute is closed."
    default_code = "dispute_closed"


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "pageSize"
    max_page_size = 100

    def get_paginated_response(self, data: Any) -> Response:
        # The API's lists are a bare array (ECHO's shape) with the paging in the Link header;
        # the count and the links are PageNumberPagination's own.
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in ((self.get_next_link(), "next"), (self.get_previous_link(), "prev"))
            if url
        ]
        return Response(data, headers={"Link": ", ".join(links)} if links else None)


class StockAPI:
    """Every DRF setting the peer relies on, named here rather than read from the product's."""

    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated, IsPartyOrStaff)
    renderer_classes = (JSONRenderer,)
    parser_classes = (JSONParser,)
    content_negotiation_class = DefaultContentNegotiation
    throttle_classes = ()
    filter_backends = ()
    pagination_class = Pagination

    def get_exception_handler(self) -> Any:
        return exception_handler


# --- views -------------------------------------------------------------------------------------


class DisputeViewSet(StockAPI, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Dispute]:
        user = self.request.user
        disputes = Dispute.objects.select_related("opened_by")
        if self.action == "my_disputes":
            return disputes.filter(Q(buyer=user) | Q(seller=user)).order_by("-created_at", "-id")
        thread = Message.objects.select_related("author").order_by("created_at", "id")
        if not user.is_staff:
            thread = thread.filter(visibility=Visibility.PUBLIC)
        return disputes.prefetch_related(Prefetch("messages", queryset=thread, to_attr="thread"))

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return DisputeSerializer if self.action == "my_disputes" else DisputeDetailSerializer

    @action(detail=False, methods=["get"], url_path="user/my-disputes")
    def my_disputes(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class MessageViewSet(StockAPI, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = MessageSerializer

    def get_queryset(self) -> QuerySet[Message]:
        return Message.objects.filter(dispute_id=self.kwargs["dispute_pk"])

    def perform_create(self, serializer: MessageSerializer) -> None:  # type: ignore[override]
        user = self.request.user
        with transaction.atomic():
            dispute = get_object_or_404(
                Dispute.objects.select_for_update(), pk=self.kwargs["dispute_pk"]
            )
            self.check_object_permissions(self.request, dispute)
            if dispute.is_terminal:
                raise ThreadClosed()
            now = timezone.now()
            message = serializer.save(dispute=dispute, author=user, created_at=now)
            DisputeEvent.objects.create(
                dispute=dispute,
                actor=user,
                type=EventType.MESSAGE_POSTED,
                payload={"message_id": message.pk},
                at=now,
            )
            dispute.updated_at = dispute.last_activity_at = now
            dispute.save(update_fields=["updated_at", "last_activity_at"])


router = SimpleRouter(trailing_slash=False)
router.register(
    r"disputes/(?P<dispute_pk>[0-9]+)/messages", MessageViewSet, basename="peer-message"
)
router.register("disputes", DisputeViewSet, basename="peer-dispute")
