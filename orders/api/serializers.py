from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import serializers

from echo_disputes.serializers import (
    MONEY_INPUT_HELP,
    CurrencyField,
    MoneyField,
    StrictInputSerializer,
)
from orders.models import Item, Order, OrderStatus


class ItemCreateInput(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    basePrice = MoneyField(min_value=0, help_text=MONEY_INPUT_HELP)
    currency = CurrencyField(required=False, default="EUR")


class ItemOutput(serializers.ModelSerializer):
    # JSON numbers (24.50): ECHO's frontend formats them with Number.toFixed(2) (docs/design.md §6).
    basePrice = MoneyField(source="base_price", coerce_to_string=False)
    creatorId = serializers.IntegerField(source="store.owner_id")
    creatorUsername = serializers.CharField(source="store.owner.username")
    storeId = serializers.IntegerField(source="store_id")

    class Meta:
        model = Item
        fields = (
            "id",
            "title",
            "description",
            "basePrice",
            "currency",
            "creatorId",
            "creatorUsername",
            "storeId",
        )


class OrderCreateInput(StrictInputSerializer):
    itemId = serializers.IntegerField(min_value=1)
    finalPrice = MoneyField(required=False, min_value=0, help_text=MONEY_INPUT_HELP)


class OrderStatusInput(StrictInputSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


def order_status_data(body: Any, query: QueryDict) -> Any:
    """The body of `PATCH /api/orders/{id}/status`, with the status taken from `?status=` when the
    body has none: ECHO's client sends `?status=CANCELLED` and no body (docs/design.md §6). A body
    and a query string that name different statuses are refused (400)."""
    queried = set(query.getlist("status"))
    if not queried:
        return body
    if len(queried) > 1:
        raise serializers.ValidationError(
            {"status": [_("The query string names several statuses.")]}
        )
    (status,) = queried
    if body is None or (isinstance(body, dict) and not body):
        return {"status": status}
    if isinstance(body, dict):
        if "status" not in body:
            return {**body, "status": status}
        if body["status"] != status:
            raise serializers.ValidationError(
                {"status": [_("The body and the query string name different statuses.")]}
            )
    return body


class OrderOutput(serializers.ModelSerializer):
    buyerId = serializers.IntegerField(source="buyer_id")
    itemId = serializers.IntegerField(source="item_id")
    finalPrice = MoneyField(source="final_price", coerce_to_string=False)
    transactionId = serializers.CharField(source="transaction_id")
    buyerUsername = serializers.CharField(source="buyer.username")
    itemTitle = serializers.CharField(source="item.title")
    creatorId = serializers.IntegerField(source="seller_id")
    creatorUsername = serializers.CharField(source="seller.username")
    hasOpenDispute = serializers.SerializerMethodField()
    hasDispute = serializers.SerializerMethodField()
    createdAt = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Order
        fields = (
            "id",
            "buyerId",
            "itemId",
            "finalPrice",
            "currency",
            "status",
            "transactionId",
            "buyerUsername",
            "itemTitle",
            "creatorId",
            "creatorUsername",
            "hasOpenDispute",
            "hasDispute",
            "createdAt",
        )

    def get_hasOpenDispute(self, order: Order) -> bool:
        # Selectors annotate the flag; serializers run no queries.
        return bool(getattr(order, "has_open_dispute", False))

    def get_hasDispute(self, order: Order) -> bool:
        # Any dispute, open or settled: ECHO's order page reads `order.hasDispute`.
        return bool(getattr(order, "has_dispute", False))
