from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api import urls as accounts_api
from disputes.api import urls as disputes_api
from echo_disputes.views import health, home
from orders.api import urls as orders_api

api_patterns: list[URLPattern | URLResolver] = [
    # Disputes first: their routes are the requests the party apps make all the time, and Django
    # tries the patterns in order (no two of these prefixes overlap). The apps' lists are spliced
    # in rather than included: each level of include costs every request about 6 µs of resolving.
    *disputes_api.urlpatterns,
    *accounts_api.urlpatterns,
    *orders_api.urlpatterns,
    path("webhooks/", include("disputes.api.webhook_urls")),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("", home, name="home"),
    path("healthz", health, name="health"),
    path("api/", include(api_patterns)),
    path("openapi/2024-07/shoplazza-payment/", include("disputes.api.finance_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("orders/", include("orders.urls")),
    path("disputes/", include("disputes.urls")),
]
