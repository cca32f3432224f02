from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import (
    ClaimedUser,
    JWTAuthentication,
    active_user,
)
from accounts.models import User
from accounts.selectors import user_get_for_request
from disputes import selectors, services
from disputes.api.permissions import DisputePolicy
from disputes.api.serializers import (
    DisputeCloseInput,
    DisputeDetailOutput,
    DisputeOpenInput,
    DisputeOutput,
    DisputeWithdrawInput,
    MessageOutput,
    MessagePostInput,
)
from disputes.filters import DisputeFilter
from disputes.models import Dispute
from disputes.policies import Action
from accounts.requests import request_user
from echo_disputes.openapi import errors

LIST_ERRORS = errors(400, 401)
PAGING_PARAMS = frozenset({"page", "pageSize"})


@extend_schema_view(
    list=extend_schema(
        summary="Disputes the caller may see (all for staff)",
        responses={200: DisputeOutput(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A dispute with its thread (public messages only for parties)",
        responses={200: DisputeDetailOutput, **errors(401, 403, 404)},
    ),
)
@extend_schema(tags=["disputes"])
class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = (IsAuthenticated, DisputePolicy)
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = DisputeFilter
    filter_backends = (DjangoFilterBackend,)
    policy_actions = {
        "retrieve": Action.VIEW,
        "messages": Action.VIEW,
        "withdraw": Action.WITHDRAW,
        "close": Action.DECIDE,
        "take_up": Action.TAKE_UP,
    }

    # The requests the party apps make all the time read the user's row inside their own first
    # statement (`JWTAuthentication(defer_user=True)`): one round trip fewer each.
    DEFERRED_USER = frozenset(
        {("retrieve", "get"), ("retrieve", "head"), ("my_disputes", "get"),
         ("my_disputes", "head"), ("messages", "post")}
    )  # fmt: skip

    def get_authenticators(self) -> list[Any]:
        # Called before DRF sets `self.action`; `self.request` is still Django's request here.
        request = getattr(self, "request", None)
        method = (getattr(request, "method", None) or "").lower()
        action = getattr(self, "action_map", {}).get(method)
        if (action, method) in self.DEFERRED_USER:
            return [JWTAuthentication(defer_user=True)]
        return [JWTAuthentication()]

    def _read_user_now(self) -> None:
        """For a deferred-user action taking a path that cannot fold the user's row into its
        statement: read it now, as `JWTAuthentication` would have."""
        claim = self.request.user
        if isinstance(claim, ClaimedUser):
            self.request.user = active_user(user_get_for_request(user_id=claim.pk))

    def get_queryset(self) -> QuerySet[Dispute]:
        user = self.request.user
        if self._plain_statuses() is not None:
            # `page_rows` reads this page with one plain statement; building the ORM filter
            # here would cost a tenth of the request for a queryset nobody evaluates.
            return Dispute.objects.none()
        if self.action == "list":
            return selectors.disputes_visible_to(user)
        if self.action == "my_disputes":
            return selectors.disputes_of_party(user)
        if self.action == "open_disputes":
            return selectors.disputes_visible_to(user).open()  # type: ignore[attr-defined]
        # Object endpoints look in every dispute so that a missing one is 404 and someone
        # else's is 403 (DESIGN §5); the policy decides, not the queryset.
        return Dispute.objects.select_related("opened_by")

    def filter_queryset(self, queryset: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
        # The filters describe lists: on an object endpoint a stray `?state=won` must neither
        # hide the dispute (404) nor fail validation (400).
        if self.detail:
            return queryset
        if not self._filtered():
            # No filter asked for: building and validating the FilterSet's form would cost more
            # than the rest of the list call and return the queryset unchanged.
            return queryset
        return super().filter_queryset(queryset)

    def _filtered(self) -> bool:
        return bool(set(self.request.query_params) - PAGING_PARAMS)

    def _plain_statuses(self) -> tuple[str, ...] | None:
        """For an unfiltered list scoped to the caller's own disputes, the statuses its one
        plain statement reads (empty: all); None when the list needs the ORM path."""
        if self.detail or self._filtered():
            return None
        if self.action not in ("list", "my_disputes", "open_disputes"):
            return None
        return selectors.own_disputes_statuses(
            self.request.user,
            own_only=self.action == "my_disputes",
            open_only=self.action == "open_disputes",
        )

    def page_rows(self, queryset: QuerySet[Dispute], offset: int, limit: int) -> list[Any]:
        """List pages scoped to one party read each party index in order (see the selector)."""
        user = self.request.user
        statuses = self._plain_statuses()
        if statuses is not None and isinstance(user, ClaimedUser):
            self.request.user, rows = selectors.disputes_page_with_reader(
                reader_id=user.pk, offset=offset, limit=limit, verify=active_user,
                statuses=statuses,
            )  # fmt: skip
            return rows
        if statuses is not None:
            return selectors.disputes_page_of_party_plain(
                user_id=request_user(self.request).pk, offset=offset, limit=limit,
                statuses=statuses,
            )  # fmt: skip
        party_scoped = self.action == "my_disputes" or (
            self.action in ("list", "open_disputes") and not user.is_staff
        )
        if party_scoped and user.is_authenticated:
            return selectors.disputes_slice_for_party(
                queryset, user_id=user.pk, offset=offset, limit=limit
            )
        return list(queryset[offset : offset + limit])

    def get_serializer_class(self) -> type:
        return DisputeDetailOutput if self.action == "retrieve" else DisputeOutput

    def retrieve(self, request: Request, pk: str) -> Response:
        # One statement reads the user, the dispute and its thread; then the authentication's
        # check (401), the policy (403) and the serializer, in that order.
        claim = request.user
        if not isinstance(claim, ClaimedUser):
            return self._detail(int(pk))
        request.user, dispute = selectors.dispute_get_with_reader(
            reader_id=claim.pk, dispute_id=int(pk), verify=active_user
        )
        return Response(DisputeDetailOutput(dispute).data)

    def _detail(self, dispute_id: int) -> Response:
        dispute = selectors.dispute_get_for(self.request.user, dispute_id)
        return Response(DisputeDetailOutput(dispute).data)

    @extend_schema(
        summary="Open a dispute on an order (buyer or seller)",
        request=DisputeOpenInput,
        responses={201: DisputeDetailOutput, **errors(400, 401, 403, 404, 409, 415)},
    )
    def create(self, request: Request) -> Response:
        data = DisputeOpenInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        dispute = services.dispute_open(
            actor=request_user(request),
            order_id=v["orderId"],
            reason=v["reason"],
            reason_code=v["reasonCode"],
            amount=v.get("amount"),
            currency=v.get("currency"),
        )
        response = self._detail(dispute.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="Disputes on orders where I am buyer or seller",
        responses={200: DisputeOutput(many=True), **LIST_ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="user/my-disputes")
    def my_disputes(self, request: Request) -> Response:
        if self._filtered():
            # Filtered lists go through the FilterSet and the ORM, which need the user first.
            self._read_user_now()
        return self.list(request)

    @extend_schema(
        summary="Open (non-terminal) disputes the caller may see",
        responses={200: DisputeOutput(many=True), **LIST_ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="open")
    def open_disputes(self, request: Request) -> Response:
        return self.list(request)

    @extend_schema(
        summary="The open dispute of an order, else its latest",
        parameters=[OpenApiParameter("order_id", int, OpenApiParameter.PATH)],
        responses={200: DisputeDetailOutput, **errors(401, 403, 404)},
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"order/(?P<order_id>[0-9]{1,18})",
        filter_backends=(),
        pagination_class=None,
    )
    def for_order(self, request: Request, order_id: str) -> Response:
        dispute = selectors.dispute_for_order(request.user, int(order_id))
        return Response(DisputeDetailOutput(dispute).data)

    @extend_schema(
        methods=["GET"],
        summary="The thread, oldest first (internal notes only for staff)",
        responses={200: MessageOutput(many=True), **errors(400, 401, 403, 404)},
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        summary="Post a message (staff may post visibility=internal)",
        request=MessagePostInput,
        responses={201: MessageOutput, **errors(400, 401, 403, 404, 409, 415)},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], filter_backends=())
    def messages(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            data = MessagePostInput(data=request.data)
            data.is_valid(raise_exception=True)
            # The service reads the dispute (404) and asks the policy (403) itself, and reads
            # the caller's row with the dispute (401): reading either here first would be one
            # more query on the most frequent write.
            claim = request.user
            actor: User | services.UnreadActor = (
                services.UnreadActor(claim.pk, active_user)
                if isinstance(claim, ClaimedUser)
                else request_user(request)
            )
            message = services.message_post(
                actor=actor,
                dispute_id=int(pk),
                body=data.validated_data["message"],
                visibility=data.validated_data["visibility"],
            )
            request.user = message.author
            # The service returns the row with its author (the caller) attached: no re-read.
            return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)
        dispute = self.get_object()
        page = self.paginate_queryset(
            selectors.messages_visible_to(request.user).filter(dispute_id=dispute.pk)
        )
        return self.get_paginated_response(MessageOutput(page, many=True).data)

    @extend_schema(
        summary="Withdraw (the opener only)",
        request=DisputeWithdrawInput,
        responses={200: DisputeDetailOutput, **errors(400, 401, 403, 404, 409, 415)},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=())
    def withdraw(self, request: Request, pk: str) -> Response:
        dispute = self.get_object()
        DisputeWithdrawInput(data={} if request.data is None else request.data).is_valid(
            raise_exception=True
        )
        services.dispute_withdraw(actor=request_user(request), dispute_id=dispute.pk)
        return self._detail(dispute.pk)

    @extend_schema(
        summary="Decide or close (staff): outcome won, lost or omitted",
        request=DisputeCloseInput,
        responses={200: DisputeDetailOutput, **errors(400, 401, 403, 404, 409, 415)},
        filters=False,
    )
    @action(detail=True, methods=["patch"], filter_backends=())
    def close(self, request: Request, pk: str) -> Response:
        dispute = self.get_object()
        data = DisputeCloseInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.dispute_close(
            actor=request_user(request),
            dispute_id=dispute.pk,
            resolution=v["resolution"],
            outcome=v["outcome"],
            refund_amount=v["refundAmount"],
        )
        return self._detail(dispute.pk)

    @extend_schema(
        summary="Take the dispute up for review before the respondent answers (staff)",
        request=DisputeWithdrawInput,
        responses={200: DisputeDetailOutput, **errors(400, 401, 403, 404, 409, 415)},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="take-up", filter_backends=())
    def take_up(self, request: Request, pk: str) -> Response:
        dispute = self.get_object()
        DisputeWithdrawInput(data={} if request.data is None else request.data).is_valid(
            raise_exception=True
        )
        services.dispute_take_up(actor=request_user(request), dispute_id=dispute.pk)
        return self._detail(dispute.pk)
