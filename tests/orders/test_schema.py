"""The OpenAPI document: served as JSON, lists the foundation's paths, declares error bodies."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    # Generating the document takes about a second; every test here reads the same one.
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "json" in response["Content-Type"]
    return response.json()  # type: ignore[no-any-return]


def test_schema_is_openapi_3(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"]


@pytest.mark.parametrize("path", ["/api/schema", "/api/schema/"])
def test_schema_answers_both_path_forms_anonymously(api: APIClient, path: str) -> None:
    response = api.get(path, {"format": "json"})
    assert response.status_code == 200
    assert "/api/orders" in response.json()["paths"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/users/register",
        "/api/users/login",
        "/api/auth/token",
        "/api/auth/token/refresh",
        "/api/auth/logout",
        "/api/items",
        "/api/items/{id}",
        "/api/orders",
        "/api/orders/{id}",
        "/api/orders/{id}/status",
    ],
)
def test_schema_lists_foundation_paths(schema: dict[str, Any], path: str) -> None:
    assert path in schema["paths"]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/orders", "get", {"200", "400", "401"}),
        ("/api/orders", "post", {"201", "400", "401", "404", "415"}),
        ("/api/orders/{id}", "get", {"200", "401", "403", "404"}),
        ("/api/orders/{id}/status", "patch", {"200", "400", "401", "403", "404", "409"}),
        ("/api/items", "get", {"200", "401"}),
        ("/api/items", "post", {"201", "400", "401"}),
        ("/api/users/login", "post", {"200", "400", "401", "429"}),
        ("/api/users/register", "post", {"201", "400", "409", "429"}),
    ],
)
def test_schema_declares_error_responses(
    schema: dict[str, Any], path: str, method: str, codes: set[str]
) -> None:
    responses = schema["paths"][path][method]["responses"]
    assert codes <= set(responses)
    for code in codes - {"200", "201"}:
        ref = responses[code]["content"]["application/json"]["schema"]["$ref"]
        assert ref == "#/components/schemas/Error"


def test_error_component_has_the_error_body(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "code", "details"}


def test_list_responses_are_bare_arrays(schema: dict[str, Any]) -> None:
    content = schema["paths"]["/api/orders"]["get"]["responses"]["200"]["content"]
    ref = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schema["components"]["schemas"][ref]["type"] == "array"


def test_swagger_ui_is_served(api: APIClient) -> None:
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
