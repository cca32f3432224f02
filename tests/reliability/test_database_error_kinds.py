"""A DatabaseError is an outage (503, Retry-After) only when the connection no longer answers;
with a working connection it is a bug (500), and the client never sees what the error said.

PostgreSQL only: SQLite has no server whose session can end under a statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from tests.urls_boom import SECRET

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.urls_boom"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a closable connection"),
]


@pytest.fixture(autouse=True)
def _fresh_connection_afterwards() -> Iterator[None]:
    yield
    # The killed backend's connection is dropped so the teardown's flush opens a new one.
    connection.close()


def test_a_database_error_on_a_dead_connection_is_a_json_503() -> None:
    response = Client(raise_request_exception=False).get("/api/boom/database-gone")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "service_unavailable"


def test_a_database_error_on_a_dead_connection_is_the_plain_503_page() -> None:
    response = Client(raise_request_exception=False).get("/boom/database-gone")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"temporarily unavailable" in response.content.lower()


def test_a_database_error_on_a_working_connection_is_a_500_that_tells_nothing() -> None:
    response = Client(raise_request_exception=False).get("/api/boom/database-bug")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert SECRET not in response.content.decode()
