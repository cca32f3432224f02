from __future__ import annotations

import django_filters

from orders.models import Order, OrderStatus


class OrderFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=OrderStatus.choices)

    class Meta:
        model = Order
        fields = ("status",)
