"""The party API routes (see disputes/api/party/urls.py)."""

from disputes.api.party.urls import urlpatterns

__all__ = ["urlpatterns"]
