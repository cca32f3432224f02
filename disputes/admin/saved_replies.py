"""Saved replies in the desk: their admin (support staff keep the templates) and the picker on
the dispute page, which fills a template in for the dispute and puts it in the message form.

The picker is a GET form on the dispute page (`?saved_reply=<id>`): choosing a reply writes
nothing, it only renders the page with the filled-in text in the message box and its visibility
preselected. Staff edit it there and post it with the page's ordinary Post button, so it goes
through `services.message_post` with the same throttle and limits as any typed message.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes import services
from disputes.admin.base import SupportDeskAdmin, staff_user
from disputes.models import Dispute, SavedReply
from disputes.replies import PLACEHOLDERS, render_reply

PICKER_PARAM = "saved_reply"


def _placeholder_help() -> str:
    rows = "; ".join(f"{{{name}}}: {p.description}" for name, p in PLACEHOLDERS.items())
    return _(
        "Placeholders, filled in for the dispute when a reply is used: %(rows)s. "
        "Write {{ and }} for a brace of its own."
    ) % {"rows": rows}


class SavedReplyForm(forms.ModelForm):
    class Meta:
        model = SavedReply
        fields = ("title", "body", "visibility", "active")
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built per form: the descriptions follow the language of the request.
        self.fields["body"].help_text = _placeholder_help()


class SavedReplyAdmin(SupportDeskAdmin):
    """Support staff add, edit, retire (untick active) and delete templates; the service writes."""

    form = SavedReplyForm
    list_display = ("title", "visibility", "active", "updated_at", "updated_by")
    list_filter = ("active", "visibility")
    list_select_related = ("updated_by",)
    search_fields = ("title", "body")
    readonly_fields = ("created_at", "created_by", "updated_at", "updated_by")
    fields = ("title", "body", "visibility", "active", *readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_access(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_access(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None else self.form.Meta.fields

    def save_model(self, request: HttpRequest, obj: SavedReply, form: Any, change: bool) -> None:
        services.saved_reply_save(actor=staff_user(request), reply=obj)

    def delete_model(self, request: HttpRequest, obj: SavedReply) -> None:
        services.saved_reply_delete(actor=staff_user(request), reply_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[SavedReply]) -> None:
        for reply_id in queryset.values_list("pk", flat=True):
            services.saved_reply_delete(actor=staff_user(request), reply_id=reply_id)


STALE = gettext_lazy(
    "That saved reply is no longer available (it was made inactive or deleted); pick another."
)


def saved_reply_picker(
    request: HttpRequest, dispute: Dispute
) -> tuple[dict[str, str] | None, dict[str, Any]]:
    """The message form's initial data when a reply was picked (else None) and the picker's
    context. One query, however many replies there are: the active ones, listed and searched."""
    if not dispute.is_open:
        return None, {}
    replies = list(SavedReply.objects.filter(active=True).only("id", "title", "body", "visibility"))
    context: dict[str, Any] = {
        "saved_replies": replies,
        "saved_reply_param": PICKER_PARAM,
        "saved_reply_add_url": reverse("admin:disputes_savedreply_add"),
        "saved_reply_chosen": None,
    }
    wanted = request.GET.get(PICKER_PARAM)
    if not wanted:
        return None, context
    chosen = next((r for r in replies if str(r.pk) == wanted), None)
    if chosen is None:
        messages.error(request, STALE)
        return None, context
    try:
        body = render_reply(chosen.body, dispute, agent=staff_user(request))
    except ValidationError as error:
        # Only a row written around the model's check gets here.
        messages.error(request, " ".join(error.messages))
        return None, context
    context["saved_reply_chosen"] = chosen
    return {"body": body, "visibility": chosen.visibility}, context
