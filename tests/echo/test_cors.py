"""ECHO's frontend on another origin: the browser's preflight is answered before authentication,
only for the allowed origins and only under /api/, and `Link` is readable so clients can page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from accounts.models import User
from tests.factories import make_order
from tests.test_settings import child_env, manage, production_env

pytestmark = pytest.mark.django_db

ECHO_DEV = "http://localhost:5173"
ALLOW_ECHO = override_settings(CORS_ALLOWED_ORIGINS=[ECHO_DEV])


def preflight(path: str, origin: str = ECHO_DEV, method: str = "PATCH") -> Any:
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )


@ALLOW_ECHO
@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/orders/1/status", "PATCH"),
        ("/api/users/login", "POST"),
        ("/api/disputes/order/1", "GET"),
        ("/api/disputes", "POST"),
    ],
)
def test_the_preflight_is_answered_without_a_token(path: str, method: str) -> None:
    response = preflight(path, method=method)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ECHO_DEV
    assert method in response["Access-Control-Allow-Methods"]
    allowed = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "idempotency-key" in allowed
    assert "Access-Control-Allow-Credentials" not in response


@ALLOW_ECHO
def test_a_list_exposes_the_paging_headers(client_for: Any, buyer: User) -> None:
    for _ in range(3):
        make_order(buyer=buyer)
    response = client_for(buyer).get("/api/orders?pageSize=2", HTTP_ORIGIN=ECHO_DEV)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ECHO_DEV
    exposed = {h.strip() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"Link", "X-Page", "X-Page-Size", "Idempotent-Replayed"} <= exposed
    assert 'rel="next"' in response["Link"]


@ALLOW_ECHO
def test_an_error_carries_the_cors_headers_too() -> None:
    # Without them the browser hides the 401 body and ECHO cannot log the user out cleanly.
    response = Client().get("/api/orders", HTTP_ORIGIN=ECHO_DEV)
    assert response.status_code == 401
    assert response["Access-Control-Allow-Origin"] == ECHO_DEV


@ALLOW_ECHO
def test_another_origin_gets_no_cors_headers() -> None:
    response = preflight("/api/orders/1/status", origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response


@ALLOW_ECHO
@pytest.mark.parametrize("path", ["/admin/login/", "/disputes/", "/healthz"])
def test_only_api_paths_answer_cross_origin(path: str) -> None:
    response = Client().get(path, HTTP_ORIGIN=ECHO_DEV)
    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_unless_configured() -> None:
    response = preflight("/api/orders/1/status")
    assert "Access-Control-Allow-Origin" not in response


def cors_origins(env: dict[str, str]) -> str:
    code = "from django.conf import settings; print(settings.CORS_ALLOWED_ORIGINS)"
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_production_allows_no_origin_by_default(tmp_path: Path) -> None:
    assert cors_origins(production_env(tmp_path)) == "[]"


def test_production_reads_the_origins_from_the_environment(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env["DJANGO_CORS_ALLOWED_ORIGINS"] = "https://echo.example.com, https://admin.echo.example.com"
    assert cors_origins(env) == "['https://echo.example.com', 'https://admin.echo.example.com']"


def test_the_demo_allows_echos_dev_server(tmp_path: Path) -> None:
    # `make run` runs with DJANGO_DEBUG=1: ECHO's Vite dev server works with no further setting.
    assert cors_origins(child_env(tmp_path, DJANGO_DEBUG="1")) == f"['{ECHO_DEV}']"
