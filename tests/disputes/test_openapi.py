"""OpenAPI (docs/design.md §6): every dispute endpoint is documented with the errors it really
gives."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# (method, path) -> error codes the endpoint must declare
DISPUTE_ENDPOINTS: dict[tuple[str, str], set[str]] = {
    ("post", "/api/disputes"): {"400", "401", "403", "404", "409"},
    ("get", "/api/disputes"): {"400", "401"},
    ("get", "/api/disputes/{id}"): {"401", "403", "404"},
    ("get", "/api/disputes/order/{order_id}"): {"401", "403", "404"},
    ("get", "/api/disputes/user/my-disputes"): {"400", "401"},
    ("get", "/api/disputes/open"): {"400", "401"},
    ("get", "/api/disputes/{id}/messages"): {"401", "403", "404"},
    ("post", "/api/disputes/{id}/messages"): {"400", "401", "403", "404", "409"},
    ("post", "/api/disputes/{id}/withdraw"): {"401", "403", "404", "409"},
    ("patch", "/api/disputes/{id}/close"): {"400", "401", "403", "404", "409"},
    ("post", "/api/disputes/{id}/take-up"): {"401", "403", "404", "409"},
    ("patch", "/api/disputes/{id}/assignee"): {"400", "401", "403", "404", "409"},
    ("get", "/api/disputes/{id}/offers"): {"400", "401", "403", "404"},
    ("post", "/api/disputes/{id}/offers"): {"400", "401", "403", "404", "409"},
    ("post", "/api/disputes/{id}/offers/{offer_id}/accept"): {"400", "401", "403", "404", "409"},
    ("post", "/api/disputes/{id}/offers/{offer_id}/decline"): {"400", "401", "403", "404", "409"},
    ("post", "/api/disputes/{id}/offers/{offer_id}/withdraw"): {"400", "401", "403", "404", "409"},
    ("post", "/api/disputes/{id}/escalate"): {"400", "401", "403", "404", "409"},
    ("get", "/api/disputes/{dispute_id}/evidence"): {"401", "403", "404"},
    ("post", "/api/disputes/{dispute_id}/evidence"): {
        "400",
        "401",
        "403",
        "404",
        "409",
        "413",
        "415",
    },
    ("get", "/api/disputes/{dispute_id}/evidence/{id}/file"): {"401", "403", "404"},
    ("get", "/api/disputes/{dispute_id}/events"): {"400", "401", "403", "404"},
}


@pytest.fixture(scope="module")
def schema(django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _resolve(schema: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]


@pytest.mark.parametrize(("method", "path"), list(DISPUTE_ENDPOINTS), ids=lambda v: str(v))
def test_endpoint_is_documented_with_its_errors(
    schema: dict[str, Any], method: str, path: str
) -> None:
    operation = schema["paths"][path][method]
    responses = operation["responses"]
    assert DISPUTE_ENDPOINTS[(method, path)] <= set(responses), sorted(responses)
    assert any(code.startswith("2") for code in responses)
    for code in DISPUTE_ENDPOINTS[(method, path)]:
        body = _resolve(schema, responses[code]["content"]["application/json"]["schema"])
        assert set(body["properties"]) == {"error", "code", "details"}, (code, body)


def test_no_undocumented_dispute_paths(schema: dict[str, Any]) -> None:
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/disputes")
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert documented == set(DISPUTE_ENDPOINTS)


def test_dispute_shapes_are_documented(schema: dict[str, Any]) -> None:
    ok = schema["paths"]["/api/disputes/{id}"]["get"]["responses"]["200"]
    dispute = _resolve(schema, ok["content"]["application/json"]["schema"])
    assert {"id", "orderId", "status", "state", "respondBy", "messages"} <= set(
        dispute["properties"]
    )
    thread = schema["paths"]["/api/disputes/{id}/messages"]["get"]["responses"]["200"]
    listed = _resolve(schema, thread["content"]["application/json"]["schema"])
    assert listed["type"] == "array", "the thread is a bare array, like every ECHO list"
    items = _resolve(schema, listed["items"])
    assert set(items["properties"]) == {
        "id", "disputeId", "userId", "username", "message", "visibility", "createdAt"
    }  # fmt: skip


def test_list_filters_are_documented(schema: dict[str, Any]) -> None:
    params = {p["name"] for p in schema["paths"]["/api/disputes"]["get"]["parameters"]}
    assert {
        "state", "status", "orderId", "reasonCode", "kind", "createdFrom", "createdTo",
        "overdue", "ordering", "page", "pageSize",
    } <= params  # fmt: skip
    ok = schema["paths"]["/api/disputes"]["get"]["responses"]["200"]
    assert _resolve(schema, ok["content"]["application/json"]["schema"])["type"] == "array"
    detail = schema["paths"]["/api/disputes/{id}"]["get"].get("parameters", [])
    assert not [p for p in detail if p["in"] == "query"]
