"""PATCH /api/disputes/{id}/assignee: the role table, the body's shapes and the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, DisputeEvent, DisputeStatus, EventType
from tests.factories import make_dispute, new_staff, new_user

pytestmark = pytest.mark.django_db


def _url(dispute_id: int) -> str:
    return f"/api/disputes/{dispute_id}/assignee"


@pytest.fixture
def dispute(order: Any, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


ROLE_TABLE = {"anonymous": 401, "buyer": 403, "seller": 403, "stranger": 403, "staff": 200}


@pytest.mark.parametrize(("role", "expected"), ROLE_TABLE.items())
def test_role_table(
    client_for: Callable[..., APIClient],
    actors: dict[str, User | None],
    dispute: Dispute,
    staff: User,
    role: str,
    expected: int,
) -> None:
    response = client_for(actors[role]).patch(
        _url(dispute.pk), {"assigneeId": staff.pk}, format="json"
    )
    assert response.status_code == expected
    if expected != 200:
        assert response["Content-Type"].startswith("application/json")
        assert set(response.json()) == {"error", "code", "details"}
        assert Dispute.objects.get(pk=dispute.pk).assignee_id is None
    else:
        assert response.json() == {
            "id": dispute.pk,
            "assigneeId": staff.pk,
            "assigneeUsername": "staff",
        }


def test_unknown_dispute_is_404(client_for: Callable[..., APIClient], staff: User) -> None:
    response = client_for(staff).patch(_url(10**9), {"assigneeId": staff.pk}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "dispute_not_found"


def test_a_party_with_a_malformed_body_learns_nothing_more_than_403(
    client_for: Callable[..., APIClient], buyer: User, dispute: Dispute
) -> None:
    response = client_for(buyer).patch(_url(dispute.pk), {"assigneeId": "x"}, format="json")
    assert response.status_code == 403


def test_null_unassigns(
    client_for: Callable[..., APIClient], staff: User, dispute: Dispute
) -> None:
    client = client_for(staff)
    client.patch(_url(dispute.pk), {"assigneeId": staff.pk}, format="json")
    response = client.patch(_url(dispute.pk), {"assigneeId": None}, format="json")
    assert response.status_code == 200
    assert response.json() == {"id": dispute.pk, "assigneeId": None, "assigneeUsername": None}
    types = list(
        DisputeEvent.objects.filter(
            dispute=dispute, type__in=[EventType.ASSIGNED, EventType.UNASSIGNED]
        ).values_list("type", flat=True)
    )
    assert types == [EventType.ASSIGNED, EventType.UNASSIGNED]


def test_another_agent(client_for: Callable[..., APIClient], staff: User, dispute: Dispute) -> None:
    other = new_staff(username="second-agent")
    response = client_for(staff).patch(_url(dispute.pk), {"assigneeId": other.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["assigneeUsername"] == "second-agent"
    assert Dispute.objects.get(pk=dispute.pk).assignee_id == other.pk


BAD_BODIES: dict[str, Callable[[Dispute], Any]] = {
    "string_id": lambda d: {"assigneeId": str(d.buyer_id)},
    "float_id": lambda d: {"assigneeId": 1.0},
    "boolean": lambda d: {"assigneeId": True},
    "missing": lambda d: {},
    "zero": lambda d: {"assigneeId": 0},
    "unknown_user": lambda d: {"assigneeId": 10**9},
    "party": lambda d: {"assigneeId": d.buyer_id},
    "plain_user": lambda d: {"assigneeId": new_user().pk},
    "inactive_staff": lambda d: {"assigneeId": new_staff(is_active=False).pk},
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_bad_bodies_are_400_naming_assignee_id(
    client_for: Callable[..., APIClient], staff: User, dispute: Dispute, case: str
) -> None:
    response = client_for(staff).patch(_url(dispute.pk), BAD_BODIES[case](dispute), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in ("validation_error", "invalid_assignee")
    assert list(body["details"]) == ["assigneeId"]
    assert Dispute.objects.get(pk=dispute.pk).assignee_id is None


def test_unknown_field_and_non_object_bodies_are_400(
    client_for: Callable[..., APIClient], staff: User, dispute: Dispute
) -> None:
    client = client_for(staff)
    extra = client.patch(
        _url(dispute.pk), {"assigneeId": staff.pk, "assignee": staff.pk}, format="json"
    )
    assert extra.status_code == 400
    assert extra.json()["details"] == {"assignee": ["Unknown field."]}
    listed = client.patch(_url(dispute.pk), [staff.pk], format="json")
    assert listed.status_code == 400


def test_a_decided_dispute_is_409(client_for: Callable[..., APIClient], staff: User) -> None:
    closed = make_dispute(state=DisputeStatus.CLOSED, staff=staff)
    response = client_for(staff).patch(_url(closed.pk), {"assigneeId": staff.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "dispute_closed"


def test_parties_never_see_the_assignee(
    client_for: Callable[..., APIClient], buyer: User, staff: User, dispute: Dispute
) -> None:
    client_for(staff).patch(_url(dispute.pk), {"assigneeId": staff.pk}, format="json")
    detail = client_for(buyer).get(f"/api/disputes/{dispute.pk}").json()
    assert not {"assignee", "assigneeId", "assigneeUsername"} & set(detail)
