"""Webhook endpoints, under /api/webhooks/ (beside the inbound payments webhook)."""

from django.urls import URLPattern, URLResolver, re_path

from integrations.api import EndpointDetail, EndpointList

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^endpoints/?$", EndpointList.as_view(), name="webhook-endpoints"),
    re_path(
        r"^endpoints/(?P<endpoint_id>[0-9]{1,18})/?$",
        EndpointDetail.as_view(),
        name="webhook-endpoint",
    ),
]
