"""Webhooks in the back office: endpoints (add shows the secret once, change, delete) and the
deliveries (status, response code, attempts, next try) with a "resend" action.

Support staff only (accounts.policies.is_support_staff); every write goes through
integrations.services, which checks the URL (integrations.ssrf) and the actor again.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from accounts.policies import is_support_staff
from echo_disputes.admin import PolicyGatedAdmin
from echo_disputes.errors import DomainError
from integrations import services
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.outbox import EVENT_TYPES


class EndpointForm(forms.ModelForm):
    # Checked by integrations.ssrf (scheme, host, addresses), not by a generic URL field.
    url = forms.CharField(
        max_length=2000,
        help_text=_("https on a public host; checked again before every delivery."),
    )
    event_types = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event type, including types added later."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "event_types", "active"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            return services.url_clean(url)
        except DomainError as refused:
            raise forms.ValidationError(refused.message) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(PolicyGatedAdmin):
    form = EndpointForm
    list_display = (
        "id",
        "url",
        "types",
        "active",
        "consecutive_failures",
        "disabled_at",
        "created_at",
    )
    list_filter = ("active",)
    readonly_fields = ("secret_hint", "consecutive_failures", "disabled_at", "created_at")
    # The secrets of endpoints created by this process, until their one page has shown them.
    created_secrets: dict[int, str] = {}

    def has_access(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_access(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_access(request)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    @admin.display(description=_("event types"))
    def types(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.event_types) or "all"

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: ModelForm, change: bool
    ) -> None:
        values = form.cleaned_data
        if change:
            services.endpoint_update(
                actor=request.user,
                endpoint_id=obj.pk,
                url=values["url"],
                event_types=values["event_types"],
                active=values["active"],
            )
            return
        endpoint, secret = services.endpoint_create(
            actor=request.user,
            url=values["url"],
            event_types=values["event_types"],
            active=values["active"],
        )
        # The admin logs the addition and answers with `obj`: it is the row the service wrote.
        obj.pk = endpoint.pk
        obj.secret_hint = endpoint.secret_hint
        obj.created_at = endpoint.created_at
        self.created_secrets[endpoint.pk] = secret

    def response_add(
        self, request: HttpRequest, obj: WebhookEndpoint, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = self.created_secrets.pop(obj.pk, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Webhook endpoint created"),
            "endpoint": obj,
            "secret": secret,
        }
        response = TemplateResponse(
            request, "admin/integrations/webhookendpoint/secret.html", context
        )
        # The secret must not stay in any cache.
        response["Cache-Control"] = "no-store"
        return response

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        services.endpoint_delete(actor=request.user, endpoint_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint_id in queryset.values_list("pk", flat=True):
            services.endpoint_delete(actor=request.user, endpoint_id=endpoint_id)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(PolicyGatedAdmin):
    list_display = (
        "id",
        "event_type",
        "dispute_id",
        "endpoint_url",
        "status",
        "attempts",
        "last_response_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status",)
    list_select_related = ("endpoint", "event")
    search_fields = ("=dispute_id",)
    actions = ("resend",)
    fields = (
        "endpoint",
        "event",
        "dispute_id",
        "status",
        "attempts",
        "last_response_code",
        "last_error",
        "created_at",
        "first_attempt_at",
        "next_attempt_at",
        "delivered_at",
    )
    readonly_fields = fields

    def has_access(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewed only: the one write is the resend action.
        return False

    @admin.display(description=_("event"), ordering="event__id")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return f"{delivery.event.type} #{delivery.event_id}"

    @admin.display(description=_("endpoint"))
    def endpoint_url(self, delivery: WebhookDelivery) -> str:
        return delivery.endpoint.url

    @admin.action(description=_("Resend the selected deliveries"))
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent, refused = 0, []
        for delivery_id in queryset.order_by("event_id").values_list("pk", flat=True):
            try:
                services.delivery_resend(actor=request.user, delivery_id=delivery_id)
                sent += 1
            except DomainError as error:
                refused.append(f"#{delivery_id}: {error.message}")
        if sent:
            self.message_user(
                request, _("%(sent)s deliveries queued again.") % {"sent": sent}, messages.SUCCESS
            )
        for text in refused:
            self.message_user(request, text, messages.ERROR)
