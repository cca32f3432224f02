from __future__ import annotations

from rest_framework import serializers

from echo_disputes.serializers import CurrencyField, MoneyField, StrictInputSerializer
from orders.models import Item, Order, OrderStatus


class ItemCreateInput(StrictInputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    basePrice = MoneyField(min_value=0)
    currency = CurrencyField(required=False, default="EUR")


class ItemOutput(serializers.ModelSerializer):
    basePrice = MoneyField(source="base_price")
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
    finalPrice = MoneyField(required=False, min_value=0)


class OrderStatusInput(StrictInputSerializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class OrderOutput(serializers.ModelSerializer):
    buyerId = serializers.IntegerField(source="buyer_id")
    itemId = serializers.IntegerField(source="item_id")
    finalPrice = MoneyField(source="final_price")
    transactionId = serializers.CharField(source="transaction_id")
    buyerUsername = serializers.CharField(source="buyer.username")
    itemTitle = serializers.CharField(source="item.title")
    creatorId = serializers.IntegerField(source="seller_id")
    creatorUsername = serializers.CharField(source="seller.username")
    hasOpenDispute = serializers.SerializerMethodField()
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
            "createdAt",
        )

    def get_hasOpenDispute(self, order: Order) -> bool:
        # Selectors annotate the flag; serializers run no queries.
        return bool(getattr(order, "has_open_dispute", False))
