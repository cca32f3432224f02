"""A URLconf for tests of the 500 path: the project's API plus two views that crash."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from echo_disputes.urls import api_patterns

SECRET = "db password is hunter2"


class DrfBoomView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()

    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET)


def plain_boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


def plain_teapot(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>I'm a teapot</h1>", status=418, content_type="text/html")


urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^api/boom/drf/?$", DrfBoomView.as_view()),
    path("api/boom/plain", plain_boom),
    path("api/boom/teapot", plain_teapot),
    path("api/", include(api_patterns)),
]
