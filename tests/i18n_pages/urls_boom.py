"""The project's URLs plus a page view that crashes: the 500 page in the request's language."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from echo_disputes import urls as project_urls


def page_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a page")


urlpatterns: list[URLPattern | URLResolver] = [
    path("boom/", page_boom),
    path("", include(project_urls)),
]
