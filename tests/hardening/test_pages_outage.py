"""While the database is unreachable the pages and the admin answer a plain 503 page with
Retry-After, as the API answers a JSON 503 (echo_disputes/middleware.py::ApiErrorMiddleware,
templates/503.html). The outage is one request long: every statement of it raises the
OperationalError a lost connection raises (`connection.execute_wrapper`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from accounts.models import User
from tests.conftest import bearer
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db


def _unreachable(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def _during_outage(client: Client, path: str, **extra: Any) -> Any:
    with connection.execute_wrapper(_unreachable):
        return client.get(path, **extra)


@pytest.mark.parametrize(
    "path", ["/disputes/", "/admin/", "/admin/disputes/dispute/", "/admin/accounts/user/"]
)
def test_pages_and_admin_answer_a_plain_503_while_the_database_is_down(
    staff: User, path: str
) -> None:
    make_dispute()
    client = Client()
    client.force_login(staff)
    response = _during_outage(client, path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "<h1>Temporarily unavailable</h1>" in page
    assert "Something went wrong" not in page
    assert "Traceback" not in page
    # The database is back for the next request.
    assert client.get(path).status_code == 200


def test_a_party_page_of_a_dispute_is_503_too() -> None:
    dispute = make_dispute()
    client = Client()
    client.force_login(dispute.buyer)
    response = _during_outage(client, f"/disputes/{dispute.pk}/")
    assert (response.status_code, response["Retry-After"]) == (503, "5")


def test_the_api_still_answers_its_json_503(buyer: User) -> None:
    headers = bearer(buyer)
    response = _during_outage(Client(), "/api/disputes", **headers)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "error": "The service is temporarily unavailable. Try again shortly.",
        "code": "service_unavailable",
        "details": {},
    }
