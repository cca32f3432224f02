from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import request_user
from echo_disputes.errors import NotFound
from echo_disputes.openapi import errors
from orders.api.serializers import (
    ItemCreateInput,
    ItemOutput,
    OrderCreateInput,
    OrderOutput,
    OrderStatusInput,
    order_status_data,
)
from orders.filters import OrderFilter
from orders.models import Item, Order, OrderStatus
from orders.policies import OrderAction, order_require
from orders.selectors import items_list, order_get, orders_of_party
from orders.services import item_create, order_create, order_set_status


@extend_schema_view(
    list=extend_schema(responses={200: ItemOutput(many=True), **errors(400, 401)}),
    retrieve=extend_schema(responses={200: ItemOutput, **errors(401, 404)}),
)
@extend_schema(tags=["items"])
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"[0-9]{1,18}"
    serializer_class = ItemOutput
    filter_backends = ()

    def get_queryset(self) -> QuerySet[Item]:
        return items_list()

    @extend_schema(request=ItemCreateInput, responses={201: ItemOutput, **errors(400, 401, 415)})
    def create(self, request: Request) -> Response:
        data = ItemCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        item = item_create(
            creator=request_user(request),
            title=v["title"],
            description=v["description"],
            base_price=v["basePrice"],
            currency=v["currency"],
        )
        item = items_list().get(pk=item.pk)
        return Response(ItemOutput(item).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="Orders where I am buyer or seller",
        responses={200: OrderOutput(many=True), **errors(400, 401)},
    ),
)
@extend_schema(tags=["orders"])
class OrderViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"[0-9]{1,18}"
    serializer_class = OrderOutput
    filterset_class = OrderFilter
    ordering_fields = ("created_at", "id", "final_price")
    ordering = ("-created_at", "-id")

    def get_queryset(self) -> QuerySet[Order]:
        return orders_of_party(self.request.user)

    def _get_visible(self, pk: Any) -> Order:
        order = order_get(order_id=int(pk))
        if order is None:
            raise NotFound(_("Order not found"))
        order_require(self.request.user, OrderAction.VIEW, order)
        return order

    @extend_schema(responses={200: OrderOutput, **errors(401, 403, 404)})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(OrderOutput(self._get_visible(pk)).data)

    @extend_schema(
        request=OrderCreateInput, responses={201: OrderOutput, **errors(400, 401, 404, 415)}
    )
    def create(self, request: Request) -> Response:
        data = OrderCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_create(
            buyer=request_user(request),
            item_id=data.validated_data["itemId"],
            final_price=data.validated_data.get("finalPrice"),
        )
        return Response(
            OrderOutput(order_get(order_id=order.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=OrderStatusInput,
        parameters=[
            OpenApiParameter(
                "status",
                enum=OrderStatus.values,
                required=False,
                description=(
                    "The new status, as ECHO's client sends it (`?status=CANCELLED`, no body); "
                    "a body's `status` must agree with it."
                ),
            )
        ],
        responses={200: OrderOutput, **errors(400, 401, 403, 404, 409, 415)},
    )
    @action(detail=True, methods=["patch"], url_path="status")
    def set_status(self, request: Request, pk: str) -> Response:
        data = OrderStatusInput(data=order_status_data(request.data, request.query_params))
        data.is_valid(raise_exception=True)
        order_set_status(
            actor=request_user(request),
            order_id=int(pk),
            status=data.validated_data["status"],
        )
        return Response(OrderOutput(order_get(order_id=int(pk))).data)
