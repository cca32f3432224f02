from disputes.api.finance.urls import urlpatterns

__all__ = ["urlpatterns"]
