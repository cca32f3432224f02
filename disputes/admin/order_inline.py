"""An order's disputes on the order's admin page, newest first. The order admin shows it through
`orders.extensions` (registered by `disputes.order_extensions`); the disputes themselves are
opened and decided through the services only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.policies import is_support_staff
from disputes.admin.base import deadline_badge, status_badge
from disputes.models import Dispute


class DisputeInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Dispute
    fk_name = "order"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("dispute_link", "status_display", "deadline_display", "kind", "reason_code",
              "amount", "currency", "created_at", "closed_at", "outcome")  # fmt: skip
    readonly_fields = fields
    ordering = ("-created_at", "-id")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_support_staff(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("dispute"))
    def dispute_link(self, obj: Dispute) -> SafeString:
        url = reverse("admin:disputes_dispute_change", args=[obj.pk])
        return format_html('<a href="{}">Dispute #{}</a>', url, obj.pk)

    @admin.display(description=_("status"))
    def status_display(self, obj: Dispute) -> SafeString:
        return status_badge(obj.status)

    @admin.display(description=_("time left"))
    def deadline_display(self, obj: Dispute) -> SafeString:
        return deadline_badge(obj, timezone.now())
