"""The payment provider's chargeback webhook (issue: payments)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
