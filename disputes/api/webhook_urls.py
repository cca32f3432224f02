"""The payment provider's chargeback webhook, under /api/webhooks/."""

from django.urls import URLPattern, URLResolver, path

from disputes.api.webhooks import PaymentsWebhook

urlpatterns: list[URLPattern | URLResolver] = [
    path("payments", PaymentsWebhook.as_view(), name="payments-webhook"),
]
