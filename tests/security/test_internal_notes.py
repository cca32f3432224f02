"""An internal note never reaches a party: not through the API, the finance API, the pages, the
admin (parties cannot enter it), the CSV export of public messages, nor any e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import support_group_ensure, token_issue
from disputes import services
from disputes.models import Dispute, DisputeStatus, Visibility
from tests.factories import StaffFactory, UserFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db

NOTE = "INTERNAL-NOTE-7f3a: the seller has three prior chargebacks"


@pytest.fixture
def case(django_capture_on_commit_callbacks: Any, run_tasks: Any) -> dict[str, Any]:
    buyer = UserFactory.create(username="nb-buyer")
    seller = UserFactory.create(username="nb-seller")
    staff = StaffFactory.create(username="nb-staff")
    staff.groups.add(support_group_ensure())
    dispute = make_dispute(
        state=DisputeStatus.UNDER_REVIEW, order=make_order(buyer=buyer, seller=seller), staff=staff
    )
    run_tasks()  # the set-up's own mails leave first
    mail.outbox.clear()
    # E-mails are tasks queued with the commit: the worker delivers them below.
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(
            actor=staff, dispute_id=dispute.pk, body=NOTE, visibility=Visibility.INTERNAL
        )
        # Public activity after the note: its e-mails must not carry the note either.
        services.message_post(actor=staff, dispute_id=dispute.pk, body="We are looking into it.")
    return {"buyer": buyer, "seller": seller, "staff": staff, "dispute": dispute}


def _api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user).access_token}")
    return client


def _session(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api_paths(dispute: Dispute) -> dict[str, dict[str, int]]:
    """Path -> the status each party gets. The finance API wants read_finance, which the seller
    (a store owner) holds and the buyer does not; everything else is the parties' own data."""
    both_200 = {"buyer": 200, "seller": 200}
    finance = {"buyer": 403, "seller": 200}
    return {
        f"/api/disputes/{dispute.pk}": both_200,
        f"/api/disputes/{dispute.pk}/messages": both_200,
        f"/api/disputes/order/{dispute.order_id}": both_200,
        "/api/disputes": both_200,
        "/api/disputes/open": both_200,
        "/api/disputes/user/my-disputes": both_200,
        f"/api/orders/{dispute.order_id}": both_200,
        "/api/orders": both_200,
        "/openapi/2024-07/shoplazza-payment/disputes": finance,
        f"/openapi/2024-07/shoplazza-payment/disputes/{dispute.pk}": finance,
    }


def _page_paths(dispute: Dispute) -> dict[str, dict[str, int]]:
    """Path -> the status each party gets: only the opener (the buyer) may withdraw."""
    both_200 = {"buyer": 200, "seller": 200}
    return {
        "/disputes/": both_200,
        f"/disputes/{dispute.pk}/": both_200,
        f"/disputes/{dispute.pk}/withdraw/": {"buyer": 200, "seller": 403},
        "/orders/": both_200,
        f"/orders/{dispute.order_id}/": both_200,
    }


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_no_api_answer_to_a_party_contains_the_note(case: dict[str, Any], party: str) -> None:
    client = _api(case[party])
    for path, expected in _api_paths(case["dispute"]).items():
        response = client.get(path)
        assert response.status_code == expected[party], (path, response.status_code)
        assert NOTE not in response.content.decode(), path


def test_a_party_sees_the_public_message_but_not_the_note(case: dict[str, Any]) -> None:
    messages = _api(case["buyer"]).get(f"/api/disputes/{case['dispute'].pk}/messages").json()
    bodies = [m["message"] for m in messages]
    assert "We are looking into it." in bodies
    assert all(m["visibility"] == "public" for m in messages)


def test_staff_do_see_the_note(case: dict[str, Any]) -> None:
    # Proves the searches above look where the note would be.
    response = _api(case["staff"]).get(f"/api/disputes/{case['dispute'].pk}/messages")
    assert NOTE in response.content.decode()


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_no_page_shown_to_a_party_contains_the_note(case: dict[str, Any], party: str) -> None:
    client = _session(case[party])
    for path, expected in _page_paths(case["dispute"]).items():
        response = client.get(path)
        assert response.status_code == expected[party], (path, response.status_code)
        assert NOTE not in response.content.decode(), path


@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_a_party_cannot_reach_the_admin_or_its_csv_export(case: dict[str, Any], party: str) -> None:
    client = _session(case[party])
    dispute = case["dispute"]
    for path in ("/admin/", "/admin/disputes/dispute/", f"/admin/disputes/dispute/{dispute.pk}/"):
        response = client.get(path, follow=False)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path
    for action in ("export_csv", "export_csv_with_notes"):
        response = client.post(
            "/admin/disputes/dispute/",
            {"action": action, "_selected_action": [dispute.pk]},
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        assert not response.get("Content-Type", "").startswith("text/csv")


def test_public_csv_export_leaves_the_note_out(case: dict[str, Any]) -> None:
    response = _session(case["staff"]).post(
        "/admin/disputes/dispute/",
        {"action": "export_csv", "_selected_action": [case["dispute"].pk]},
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert "We are looking into it." in content
    assert NOTE not in content


def test_no_email_carries_the_note(
    case: dict[str, Any], django_capture_on_commit_callbacks: Any, run_tasks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.dispute_close(
            actor=case["staff"], dispute_id=case["dispute"].pk, resolution="Decided for the buyer."
        )
    run_tasks()
    assert mail.outbox, "the public message and the decision should have e-mailed the parties"
    for message in mail.outbox:
        assert NOTE not in message.subject
        assert NOTE not in message.body
        for alternative, _ in getattr(message, "alternatives", []):
            assert NOTE not in alternative
