"""Stores, items and orders in the back office: read-only, because every write to them goes
through `orders.services` (an order's status, for one, has rules a form would skip). Support
staff (`accounts.policies.is_support_staff`) see them, whatever their Django model permissions.
Apps above orders add inlines to the order page through `orders.extensions`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.policies import is_support_staff
from echo_disputes.admin import ReadOnlyAdmin
from orders.extensions import order_admin_inlines
from orders.models import Item, Order, Store


def _user_ids(term: str) -> list[int]:
    """Exact e-mail or username, any case: both are unique indexes (see accounts.User)."""
    lowered = term.lower()
    return list(
        User.objects.alias(username_lower=Lower("username"))
        .filter(Q(email=lowered) | Q(username_lower=lowered))
        .values_list("pk", flat=True)[:50]
    )


class SupportDeskReadOnlyAdmin(ReadOnlyAdmin):
    """Support staff view; nobody adds, changes or deletes."""

    def has_access(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user)


@admin.register(Order)
class OrderAdmin(SupportDeskReadOnlyAdmin):
    list_display = ("id", "transaction_id", "buyer", "seller", "item", "price", "status",
                    "created_at")  # fmt: skip
    list_select_related = ("buyer", "seller", "item")
    # Status only: a currency filter lists its values with SELECT DISTINCT over every order.
    list_filter = ("status",)
    ordering = ("-id",)
    sortable_by = ("id",)
    search_fields = ("=id",)
    search_help_text = _(
        "Order id, payment transaction id, or the buyer's or seller's exact e-mail or username."
    )
    readonly_fields = ("buyer", "seller", "item", "final_price", "currency", "status",
                       "transaction_id", "created_at", "updated_at")  # fmt: skip
    fields = readonly_fields

    class Media:
        css = {"all": ("admin_extra/admin_extra.css",)}

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[Any]]:
        return order_admin_inlines()

    @admin.display(description=_("price"))
    def price(self, obj: Order) -> str:
        return f"{obj.final_price} {obj.currency}"

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        text = search_term.strip().lstrip("#").strip()
        if not text:
            return queryset, False
        matches = Q(transaction_id=text)
        if text.isdigit() and len(text) < 19:
            matches |= Q(pk=int(text))
        users = _user_ids(text)
        if users:
            matches |= Q(buyer_id__in=users) | Q(seller_id__in=users)
        return queryset.filter(matches), False


@admin.register(Store)
class StoreAdmin(SupportDeskReadOnlyAdmin):
    list_display = ("id", "name", "owner", "created_at")
    list_select_related = ("owner",)
    ordering = ("-id",)
    search_fields = ("^name", "=owner__email")
    search_help_text = _("The start of a store name, or the owner's exact e-mail.")
    fields = ("name", "owner", "created_at")
    readonly_fields = fields


@admin.register(Item)
class ItemAdmin(SupportDeskReadOnlyAdmin):
    list_display = ("id", "title", "store", "price", "created_at")
    list_select_related = ("store",)
    list_filter = ("currency",)
    ordering = ("-id",)
    search_fields = ("^title",)
    search_help_text = _("The start of a title.")
    fields = ("store", "title", "description", "base_price", "currency", "created_at")
    readonly_fields = fields

    @admin.display(description=_("price"))
    def price(self, obj: Item) -> str:
        return f"{obj.base_price} {obj.currency}"
