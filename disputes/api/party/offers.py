"""The party API's offer and escalation endpoints (docs/design.md §6, Offers and escalation), on
the dispute viewset: validate the input, call one service, serialize. Who may act is the
services' question to the policies (the offer endpoints' object is the offer, which only the
service reads, under the dispute's lock)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import request_user
from disputes import policies, selectors, services
from disputes.api.party.serializers import (
    DisputeDetailOutput,
    DisputeEscalateInput,
    DisputeWithdrawInput,
    OfferOutput,
    OfferProposeInput,
)
from disputes.models import Dispute, Offer
from disputes.policies import Action
from disputes.selectors.party import NO_DISPUTE
from echo_disputes.errors import NotFound
from echo_disputes.openapi import errors
from idempotency.api import IDEMPOTENCY_KEY_PARAMETER, idempotent

OFFER_ID = OpenApiParameter("offer_id", int, OpenApiParameter.PATH)
OFFER_PATH = r"offers/(?P<offer_id>[0-9]{1,18})"
ANSWER_ERRORS = errors(400, 401, 403, 404, 409, 415)
# With an Idempotency-Key: 422 for a key already used with another request.
KEYED_ERRORS = errors(400, 401, 403, 404, 409, 415, 422)


def _url_dispute(view: Any) -> Dispute:
    dispute = Dispute.objects.filter(pk=int(view.kwargs["pk"])).first()
    if dispute is None:
        raise NotFound(NO_DISPUTE, code="dispute_not_found")
    return dispute


def _dispute_allows(action: Action) -> Any:
    """The `@idempotent` check of a dispute endpoint: the dispute (404) and the policy (403),
    asked before the body is read for the key, in the order the service asks them again under
    its lock, so a caller learns no more with a key than without one."""

    def check(view: Any) -> None:
        policies.require(view.request.user, action, _url_dispute(view))

    return check


def _offer_allows(action: Action) -> Any:
    """The same for an offer endpoint, in the service's order: the dispute (404), its offer
    (404), the policy on the offer (403)."""

    def check(view: Any) -> None:
        dispute = _url_dispute(view)
        offer = Offer.objects.filter(pk=int(view.kwargs["offer_id"]), dispute_id=dispute.pk).first()
        if offer is None:
            raise NotFound(_("Offer not found"), code="offer_not_found")
        offer.dispute = dispute
        policies.require(view.request.user, action, offer)

    return check


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
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={201: OfferOutput, **KEYED_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["get", "post"], filter_backends=())
    @idempotent(check=_dispute_allows(Action.PROPOSE_OFFER))
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
        parameters=[OFFER_ID, IDEMPOTENCY_KEY_PARAMETER],
        request=DisputeWithdrawInput,
        responses={200: DisputeDetailOutput, **KEYED_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path=f"{OFFER_PATH}/accept", filter_backends=())
    @idempotent(check=_offer_allows(Action.ANSWER_OFFER))
    def offer_accept(self, request: Request, pk: str, offer_id: str) -> Response:
        _no_body(request)
        services.offer_accept(
            actor=request_user(request), dispute_id=int(pk), offer_id=int(offer_id)
        )
        return self._detail(int(pk))  # type: ignore[no-any-return]

    @extend_schema(
        summary="Decline the open offer (the party who did not make it)",
        parameters=[OFFER_ID, IDEMPOTENCY_KEY_PARAMETER],
        request=DisputeWithdrawInput,
        responses={200: OfferOutput, **KEYED_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path=f"{OFFER_PATH}/decline", filter_backends=())
    @idempotent(check=_offer_allows(Action.ANSWER_OFFER))
    def offer_decline(self, request: Request, pk: str, offer_id: str) -> Response:
        _no_body(request)
        offer = services.offer_decline(
            actor=request_user(request), dispute_id=int(pk), offer_id=int(offer_id)
        )
        return Response(OfferOutput(offer).data)

    @extend_schema(
        summary="Withdraw the open offer (the party who made it)",
        parameters=[OFFER_ID, IDEMPOTENCY_KEY_PARAMETER],
        request=DisputeWithdrawInput,
        responses={200: OfferOutput, **KEYED_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path=f"{OFFER_PATH}/withdraw", filter_backends=())
    @idempotent(check=_offer_allows(Action.WITHDRAW_OFFER))
    def offer_withdraw(self, request: Request, pk: str, offer_id: str) -> Response:
        _no_body(request)
        offer = services.offer_withdraw(
            actor=request_user(request), dispute_id=int(pk), offer_id=int(offer_id)
        )
        return Response(OfferOutput(offer).data)

    @extend_schema(
        summary="Ask support staff to decide (a party, once per dispute)",
        request=DisputeEscalateInput,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        responses={200: DisputeDetailOutput, **KEYED_ERRORS},
        filters=False,
    )
    @action(detail=True, methods=["post"], filter_backends=())
    @idempotent(check=_dispute_allows(Action.ESCALATE))
    def escalate(self, request: Request, pk: str) -> Response:
        data = DisputeEscalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.dispute_escalate(
            actor=request_user(request), dispute_id=int(pk), reason=data.validated_data["reason"]
        )
        return self._detail(int(pk))  # type: ignore[no-any-return]
