"""Stores, items and orders in the back office: read-only, because every write to them goes
through `orders.services` (an order's status, for one, has rules a form would skip)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.models import User
from disputes.admin import deadline_badge, status_badge
from disputes.admin_base import ReadOnlyAdmin
from disputes.models import Dispute
from orders.models import Item, Order, Store


def _user_ids(term: str) -> list[int]:
    """Exact e-mail or username, any case: both are unique indexes (see accounts.User)."""
    lowered = term.lower()
    return list(
        User.objects.alias(username_lower=Lower("username"))
        .filter(Q(email=lowered) | Q(username_lower=lowered))
        .values_list("pk", flat=True)[:50]
    )


class DisputeInline(admin.TabularInline):  # type: ignore[type-arg]
    """An order's disputes, newest first; opened and decided through the services only."""

    model = Dispute
    fk_name = "order"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("dispute_link", "status_display", "deadline_display", "kind", "reason_code",
              "amount", "currency", "created_at", "closed_at")  # fmt: skip
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="dispute")
    def dispute_link(self, obj: Dispute) -> SafeString:
        url = reverse("admin:disputes_dispute_change", args=[obj.pk])
        return format_html('<a href="{}">Dispute #{}</a>', url, obj.pk)

    @admin.display(description="status")
    def status_display(self, obj: Dispute) -> SafeString:
        return status_badge(obj.status)

    @admin.display(description="time left")
    def deadline_display(self, obj: Dispute) -> SafeString:
        return deadline_badge(obj, timezone.now())


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction_id", "buyer", "seller", "item", "price", "status",
                    "created_at")  # fmt: skip
    list_select_related = ("buyer", "seller", "item")
    # Status only: a currency filter lists its values with SELECT DISTINCT over every order.
    list_filter = ("status",)
    ordering = ("-id",)
    sortable_by = ("id",)
    search_fields = ("=id",)
    search_help_text = (
        "Order id, payment transaction id, or the buyer's or seller's exact e-mail or username."
    )
    inlines = (DisputeInline,)
    readonly_fields = ("buyer", "seller", "item", "final_price", "currency", "status",
                       "transaction_id", "created_at", "updated_at")  # fmt: skip
    fields = readonly_fields

    class Media:
        css = {"all": ("admin_extra/admin_extra.css",)}

    @admin.display(description="price")
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
class StoreAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "owner", "created_at")
    list_select_related = ("owner",)
    ordering = ("-id",)
    search_fields = ("^name", "=owner__email")
    search_help_text = "The start of a store name, or the owner's exact e-mail."
    fields = ("name", "owner", "created_at")
    readonly_fields = fields


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "store", "price", "created_at")
    list_select_related = ("store",)
    list_filter = ("currency",)
    ordering = ("-id",)
    search_fields = ("^title",)
    search_help_text = "The start of a title."
    fields = ("store", "title", "description", "base_price", "currency", "created_at")
    readonly_fields = fields

    @admin.display(description="price")
    def price(self, obj: Item) -> str:
        return f"{obj.base_price} {obj.currency}"
