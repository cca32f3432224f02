"""Root URLs. Project plumbing imports no app: each app's routes are included by module path."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from echo_disputes.views import health, home

api_patterns: list[URLPattern | URLResolver] = [
    # Disputes first: their routes are the requests the party apps make all the time, and Django
    # tries the patterns in order (no two of these prefixes overlap).
    path("", include("disputes.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("orders.api.urls")),
    path("webhooks/", include("disputes.api.webhook_urls")),
    # Outbound webhooks: the endpoints staff register (integrations/api.py).
    path("webhooks/", include("integrations.urls")),
    # With or without a trailing slash, like every API route (echo_disputes.routers).
    re_path(r"^schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health, name="health"),
    path("api/", include(api_patterns)),
    path("openapi/2024-07/shoplazza-payment/", include("disputes.api.finance_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("accounts.language_urls")),
    path("orders/", include("orders.urls")),
    path("disputes/", include("disputes.urls")),
]
