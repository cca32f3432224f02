"""The finance API in the payment provider's wire format (issue: payments)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
