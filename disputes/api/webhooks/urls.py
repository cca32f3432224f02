"""The payment provider's chargeback webhook, under /api/webhooks/."""

from django.urls import URLPattern, URLResolver, re_path

from disputes.api.webhooks.views import PaymentsWebhook

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^payments/?$", PaymentsWebhook.as_view(), name="payments-webhook"),
]
