"""The thread and the event log as lists of their own, read-only (support staff look a message or
an event up by dispute id)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from disputes.admin.base import SupportDeskReadOnlyAdmin
from disputes.models import DisputeEvent, Message, Visibility


def _dispute_link(dispute_id: int) -> SafeString:
    url = reverse("admin:disputes_dispute_change", args=[dispute_id])
    return format_html('<a href="{}">Dispute #{}</a>', url, dispute_id)


def _by_dispute_id(queryset: QuerySet[Any], term: str) -> QuerySet[Any]:
    text = term.strip().lstrip("#")
    if not text:
        return queryset
    if text.isdigit() and len(text) < 19:
        return queryset.filter(dispute_id=int(text))
    return queryset.none()


class MessageAdmin(SupportDeskReadOnlyAdmin):
    list_display = ("id", "dispute_link", "author", "visibility_display", "excerpt", "created_at")
    list_select_related = ("author",)
    list_filter = ("visibility",)
    ordering = ("-id",)
    sortable_by = ("id",)
    search_fields = ("=dispute__id",)
    search_help_text = _("A dispute id.")

    class Media:
        css = {"all": ("admin_extra/admin_extra.css",)}

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return _by_dispute_id(queryset, search_term), False

    @admin.display(description=_("dispute"))
    def dispute_link(self, obj: Message) -> SafeString:
        return _dispute_link(obj.dispute_id)

    @admin.display(description=_("visibility"))
    def visibility_display(self, obj: Message) -> SafeString:
        if obj.visibility == Visibility.INTERNAL:
            return format_html(
                '<span class="echo-badge echo-note-badge">{}</span>', "internal note"
            )
        return format_html('<span class="echo-badge echo-muted">{}</span>', "public")

    @admin.display(description=_("message"))
    def excerpt(self, obj: Message) -> str:
        return obj.body if len(obj.body) <= 80 else f"{obj.body[:77]}..."


class DisputeEventAdmin(SupportDeskReadOnlyAdmin):
    list_display = ("id", "dispute_link", "type", "from_status", "to_status", "actor", "at")
    list_select_related = ("actor",)
    list_filter = ("type",)
    ordering = ("-id",)
    sortable_by = ("id",)
    search_fields = ("=dispute__id",)
    search_help_text = _("A dispute id.")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return _by_dispute_id(queryset, search_term), False

    @admin.display(description=_("dispute"))
    def dispute_link(self, obj: DisputeEvent) -> SafeString:
        return _dispute_link(obj.dispute_id)
