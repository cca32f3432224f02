"""The party API's dispute endpoints (docs/design.md §6): validate the input, call one service or
selector, serialize. Who may act is asked of the policies by `DisputePolicy`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.policies import is_support_staff
from accounts.requests import request_user
from disputes import selectors, services
from disputes.api.party.assignment import AssignmentActions
from disputes.api.party.offers import OfferActions
from disputes.api.party.permissions import DisputePolicy
from disputes.api.party.serializers import (
    DisputeCloseInput,
    DisputeDetailOutput,
    DisputeOpenInput,
    DisputeOutput,
    DisputeWithdrawInput,
    MessageOutput,
    MessagePostInput,
)
from disputes.api.party.throttles import PostThrottle
from disputes.filters import DisputeFilter
from disputes.models import OPEN_STATUSES, Dispute
from disputes.policies import Action
from disputes.selectors.party import NO_DISPUTE, thread_of
from echo_disputes.errors import InvalidInput, NotFound
from echo_disputes.openapi import errors
from idempotency.api import IDEMPOTENCY_KEY_PARAMETER, idempotent

LIST_ERRORS = errors(400, 401)
PAGING_PARAMS = frozenset({"page", "pageSize"})
THREAD_ORDERS = ("oldest", "newest")


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
class DisputeViewSet(
    OfferActions,
    AssignmentActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = (IsAuthenticated, DisputePolicy)
    lookup_value_regex = r"[0-9]{1,18}"
    filterset_class = DisputeFilter
    filter_backends = (DjangoFilterBackend,)
    policy_actions = {
        "retrieve": Action.VIEW,
        "messages": {"GET": Action.VIEW, "POST": Action.POST_MESSAGE},
        "offers": Action.VIEW,
        "withdraw": Action.WITHDRAW,
        "close": Action.DECIDE,
        "take_up": Action.TAKE_UP,
        "assignee": Action.ASSIGN,
    }

    def get_throttles(self) -> list[Any]:
        # Posting is budgeted per user (PostThrottle counts POSTs only); reads are not.
        if self.action == "messages":
            return [PostThrottle()]
        return super().get_throttles()  # type: ignore[no-any-return]

    def get_queryset(self) -> QuerySet[Dispute]:
        user = self.request.user
        if self.action == "list":
            return selectors.disputes_visible_to(user)
        if self.action == "my_disputes":
            return selectors.disputes_of_party(user)
        if self.action == "open_disputes":
            return selectors.disputes_visible_to(user).open()  # type: ignore[attr-defined]
        # Object endpoints look in every dispute so that a missing one is 404 and someone
        # else's is 403 (docs/design.md §5); the policy decides, not the queryset.
        return Dispute.objects.select_related("opened_by")

    def get_object(self) -> Dispute:
        # DRF's lookup answers a generic "Not found."; ECHO's clients read "not found" in
        # "Dispute not found" (docs/echo-compatibility.md).
        try:
            return super().get_object()  # type: ignore[no-any-return]
        except Http404:
            raise NotFound(NO_DISPUTE, code="dispute_not_found") from None

    def filter_queryset(self, queryset: QuerySet[Any, Any]) -> QuerySet[Any, Any]:
        # The filters describe lists: on an object endpoint a stray `?state=won` must neither
        # hide the dispute (404) nor fail validation (400).
        if self.detail:
            return queryset
        if self._unfiltered():
            # No filter asked for: the FilterSet would deep-copy its filters and validate an
            # empty form (a fifth of a page's CPU) to return the queryset unchanged.
            return queryset
        return super().filter_queryset(queryset)

    def paginate_queryset(self, queryset: QuerySet[Any]) -> list[Any] | None:
        # A list scoped to one party reads each party index in order (see the selector).
        user = request_user(self.request)
        party_list = self.action == "my_disputes" or (
            self.action in ("list", "open_disputes") and not is_support_staff(user)
        )
        if party_list:
            queryset = selectors.PartyDisputeList(  # type: ignore[assignment]
                queryset, user_id=user.pk, statuses=self._unfiltered_statuses()
            )
        return super().paginate_queryset(queryset)

    def _unfiltered(self) -> bool:
        """No filter or ordering asked for: only paging parameters, if any."""
        return not set(self.request.query_params) - PAGING_PARAMS

    def _unfiltered_statuses(self) -> tuple[str, ...] | None:
        """The statuses of a list asked for with no filter (empty: all), which the party page
        statement reads directly; None when a filter or an ordering was asked for."""
        if not self._unfiltered():
            return None
        return tuple(OPEN_STATUSES) if self.action == "open_disputes" else ()

    def get_serializer_class(self) -> type:
        return DisputeDetailOutput if self.action == "retrieve" else DisputeOutput

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(int(pk))

    def _detail(self, dispute_id: int, code: int = status.HTTP_200_OK) -> Response:
        dispute = selectors.dispute_get_for(self.request.user, dispute_id)
        return Response(DisputeDetailOutput(dispute).data, status=code)

    @extend_schema(
        summary="Open a dispute on an order (buyer or seller)",
        request=DisputeOpenInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: DisputeDetailOutput, **errors(400, 401, 403, 404, 409, 415, 422)},
    )
    @idempotent()
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
        # A new dispute has no messages yet, and its opener is the caller: nothing to re-read.
        dispute.visible_messages = []  # type: ignore[attr-defined]
        dispute.open_offer = None  # type: ignore[attr-defined]
        return Response(DisputeDetailOutput(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Disputes on orders where I am buyer or seller",
        responses={200: DisputeOutput(many=True), **LIST_ERRORS},
    )
    @action(detail=False, methods=["get"], url_path="user/my-disputes")
    def my_disputes(self, request: Request) -> Response:
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
        summary="The thread, paged: oldest first, or newest first with order=newest "
        "(internal notes only for staff)",
        parameters=[
            OpenApiParameter(
                "order",
                str,
                OpenApiParameter.QUERY,
                enum=list(THREAD_ORDERS),
                description="oldest (default): page 1 holds the first messages, the Link "
                "header's next the later ones. newest: page 1 holds the latest messages, newest "
                "first, and next the older ones.",
            )
        ],
        responses={200: MessageOutput(many=True), **errors(400, 401, 403, 404)},
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        summary="Post a message (staff may post visibility=internal); at most "
        "ECHO_POST_THROTTLE per user",
        request=MessagePostInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: MessageOutput, **errors(400, 401, 403, 404, 409, 415, 422, 429)},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], filter_backends=())
    @idempotent(check=lambda view: view.get_object())
    def messages(self, request: Request, pk: str) -> Response:
        # Who may post or read is asked before the body or the parameters are read: a stranger's
        # malformed body or bad `order` is a 403 that confirms nothing, not a 400. The service
        # asks again under its lock.
        dispute = self.get_object()
        if request.method == "POST":
            data = MessagePostInput(data=request.data)
            data.is_valid(raise_exception=True)
            message = services.message_post(
                actor=request_user(request),
                dispute_id=dispute.pk,
                body=data.validated_data["message"],
                visibility=data.validated_data["visibility"],
            )
            return Response(MessageOutput(message).data, status=status.HTTP_201_CREATED)
        order = request.query_params.get("order") or "oldest"
        if order not in THREAD_ORDERS:
            raise InvalidInput(
                _("order must be oldest or newest."),
                details={"order": [_("Must be oldest or newest.")]},
            )
        page = self.paginate_queryset(
            thread_of(request.user, dispute.pk, newest_first=order == "newest")
        )
        return self.get_paginated_response(MessageOutput(page, many=True).data)

    @extend_schema(
        summary="Withdraw (the opener only)",
        request=DisputeWithdrawInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: DisputeDetailOutput, **errors(400, 401, 403, 404, 409, 415, 422)},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=())
    @idempotent(check=lambda view: view.get_object())
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
