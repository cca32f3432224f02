"""The party API's offer and escalation endpoints (docs/design.md §6, Offers and escalation), on
the dispute viewset: validate the input, call one service, serialize. Who may act is the
services' question to the policies (the offer endpoints' object is the offer, which only the
service reads, under the dispute's lock)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import request_user
from disputes import selectors, services
from disputes.api.party.serializers import (
    DisputeDetailOutput,
    DisputeEscalateInput,
    DisputeWithdrawInput,
    OfferOutput,
    OfferProposeInput,
)
from echo_disputes.openapi import errors

OFFER_ID = OpenApiParameter("offer_id", int, OpenApiParameter.PATH)
OFFER_PATH = r"offers/(?P<offer_id>[0-9]{1,18})"
ANSWER_ERRORS = errors(400, 401, 403, 404, 409, 415)


def _no_body(request: Request) -> None:
    DisputeWithdrawInput(data={} if request.data is None else request.data).is_valid(
        raise_exception=True
    )


class OfferActions:
    """Mixed into DisputeViewSet, whose `get_object`, paging and `_detail` it uses."""

    get_object: Any
    paginate_queryset: Any
    get_paginated_response: Any
    _detail: Any

    @extend_schema(
        methods=["GET"],
        summary="The dispute's offers, newest first",
        responses={200: OfferOutput(many=True), **errors(400, 401, 403, 404)},
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        summary="Offer a refund (a party; supersedes the open offer)",
        request=OfferProposeInput,
        responses={201: OfferOutput, **ANSWER_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], filter_backends=())
    def offers(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            data = OfferProposeInput(data=request.data)
            data.is_valid(raise_exception=True)
            v = data.validated_data
            # The service reads the dispute (404) and asks the policy (403) under its lock.
            offer = services.offer_propose(
                actor=request_user(request),
                dispute_id=int(pk),
                amount=v["amount"],
                note=v["note"],
                currency=v.get("currency"),
            )
            return Response(OfferOutput(offer).data, status=status.HTTP_201_CREATED)
        dispute = self.get_object()
        page = self.paginate_queryset(selectors.offers_for(user=request.user, dispute=dispute))
        return self.get_paginated_response(OfferOutput(page, many=True).data)  # type: ignore[no-any-return]

    @extend_schema(
        summary="Accept the open offer (the party who did not make it): the dispute is settled",
        parameters=[OFFER_ID],
        request=DisputeWithdrawInput,
        responses={200: DisputeDetailOutput, **ANSWER_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path=f"{OFFER_PATH}/accept", filter_backends=())
    def offer_accept(self, request: Request, pk: str, offer_id: str) -> Response:
        _no_body(request)
        services.offer_accept(
            actor=request_user(request), dispute_id=int(pk), offer_id=int(offer_id)
        )
        return self._detail(int(pk))  # type: ignore[no-any-return]

    @extend_schema(
        summary="Decline the open offer (the party who did not make it)",
        parameters=[OFFER_ID],
        request=DisputeWithdrawInput,
        responses={200: OfferOutput, **ANSWER_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path=f"{OFFER_PATH}/decline", filter_backends=())
    def offer_decline(self, request: Request, pk: str, offer_id: str) -> Response:
        _no_body(request)
        offer = services.offer_decline(
            actor=request_user(request), dispute_id=int(pk), offer_id=int(offer_id)
        )
        return Response(OfferOutput(offer).data)

    @extend_schema(
        summary="Withdraw the open offer (the party who made it)",
        parameters=[OFFER_ID],
        request=DisputeWithdrawInput,
        responses={200: OfferOutput, **ANSWER_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path=f"{OFFER_PATH}/withdraw", filter_backends=())
    def offer_withdraw(self, request: Request, pk: str, offer_id: str) -> Response:
        _no_body(request)
        offer = services.offer_withdraw(
            actor=request_user(request), dispute_id=int(pk), offer_id=int(offer_id)
        )
        return Response(OfferOutput(offer).data)

    @extend_schema(
        summary="Ask support staff to decide (a party, once per dispute)",
        request=DisputeEscalateInput,
        responses={200: DisputeDetailOutput, **ANSWER_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=())
    def escalate(self, request: Request, pk: str) -> Response:
        data = DisputeEscalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.dispute_escalate(
            actor=request_user(request), dispute_id=int(pk), reason=data.validated_data["reason"]
        )
        return self._detail(int(pk))  # type: ignore[no-any-return]
