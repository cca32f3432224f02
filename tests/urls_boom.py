"""A URLconf for tests of the 500 path: the project's API plus two views that crash."""

from __future__ import annotations

import psycopg
from django.db import DatabaseError, connection
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


def database_gone(request: HttpRequest) -> HttpResponse:
    # What a statement cut off by the server going away leaves behind: an open connection the
    # server no longer serves, and a DatabaseError that is neither OperationalError nor
    # InterfaceError. PostgreSQL only: another session ends this one's backend.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    raise DatabaseError("server closed the connection unexpectedly")


def database_bug(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raise DatabaseError(SECRET)


def plain_teapot(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>I'm a teapot</h1>", status=418, content_type="text/html")


urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^api/boom/drf/?$", DrfBoomView.as_view()),
    path("api/boom/plain", plain_boom),
    path("api/boom/teapot", plain_teapot),
    path("api/boom/database-gone", database_gone),
    path("api/boom/database-bug", database_bug),
    path("boom/database-gone", database_gone),
    path("api/", include(api_patterns)),
]
