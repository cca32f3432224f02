from disputes.api.webhooks.urls import urlpatterns

__all__ = ["urlpatterns"]
