"""One definition of support staff (accounts.policies.is_support_staff: active and is_staff): the
admin, the pages behind it and the API give the same answer whether or not the user is in the
"Support" group, which is a label only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import support_group_ensure
from disputes.models import Dispute, DisputeStatus
from tests.factories import make_dispute, new_staff, new_user

pytestmark = pytest.mark.django_db

QUEUE = "/admin/disputes/dispute/"


def person(kind: str) -> User:
    """staff in or outside the Support group, or a non-staff user put in the group."""
    user = new_user() if kind == "non_staff_in_group" else new_staff()
    if kind in ("staff_in_group", "non_staff_in_group"):
        user.groups.add(support_group_ensure())
    return user


@pytest.fixture
def dispute() -> Dispute:
    return make_dispute()


def admin_pages(dispute: Dispute) -> list[str]:
    return [
        "/admin/",
        QUEUE,
        f"/admin/disputes/dispute/{dispute.pk}/change/",
        "/admin/disputes/dispute/dashboard/",
        "/admin/disputes/message/",
        "/admin/disputes/disputeevent/",
        "/admin/orders/order/",
        f"/admin/orders/order/{dispute.order_id}/change/",
        "/admin/orders/store/",
        "/admin/orders/item/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{dispute.buyer_id}/change/",
    ]


@pytest.mark.parametrize("kind", ["staff_in_group", "staff_outside_group"])
def test_staff_reach_every_back_office_page_in_or_out_of_the_group(
    client_as: Callable[[User | None], Client], dispute: Dispute, kind: str
) -> None:
    client = client_as(person(kind))
    for url in admin_pages(dispute):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("kind", ["staff_in_group", "staff_outside_group"])
def test_staff_see_the_same_queue_and_actions_in_or_out_of_the_group(
    client_as: Callable[[User | None], Client], dispute: Dispute, kind: str
) -> None:
    response = client_as(person(kind)).get(QUEUE)
    assert [d.pk for d in response.context["cl"].result_list] == [dispute.pk]
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert {"take_up_selected", "export_csv", "export_csv_with_notes"} <= set(actions)
    assert "delete_selected" not in actions


@pytest.mark.parametrize("kind", ["staff_in_group", "staff_outside_group"])
def test_staff_act_on_the_dispute_page_in_or_out_of_the_group(
    client_as: Callable[[User | None], Client], dispute: Dispute, kind: str
) -> None:
    client = client_as(person(kind))
    page = client.get(f"/admin/disputes/dispute/{dispute.pk}/change/")
    assert page.context["can_act"] is True
    response = client.post(f"/admin/disputes/dispute/{dispute.pk}/take-up/")
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UNDER_REVIEW


@pytest.mark.parametrize("kind", ["staff_in_group", "staff_outside_group"])
def test_staff_see_an_order_s_disputes_on_its_admin_page_in_or_out_of_the_group(
    client_as: Callable[[User | None], Client], dispute: Dispute, kind: str
) -> None:
    html = client_as(person(kind)).get(f"/admin/orders/order/{dispute.order_id}/change/")
    assert f'href="/admin/disputes/dispute/{dispute.pk}/change/"' in html.content.decode()


@pytest.mark.parametrize("kind", ["staff_in_group", "staff_outside_group"])
def test_staff_export_csv_in_or_out_of_the_group(
    client_as: Callable[[User | None], Client], dispute: Dispute, kind: str
) -> None:
    response = client_as(person(kind)).post(
        QUEUE, {"action": "export_csv", "_selected_action": [str(dispute.pk)]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_a_non_staff_user_in_the_support_group_is_refused_the_admin(
    client_as: Callable[[User | None], Client], dispute: Dispute
) -> None:
    client = client_as(person("non_staff_in_group"))
    for url in admin_pages(dispute):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url
    response = client.post(f"/admin/disputes/dispute/{dispute.pk}/take-up/")
    assert response["Location"].startswith("/admin/login/")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.NEEDS_RESPONSE


@pytest.mark.parametrize(
    ("kind", "sees_it", "detail_status"),
    [
        ("staff_in_group", True, 200),
        ("staff_outside_group", True, 200),
        ("non_staff_in_group", False, 403),
    ],
)
def test_the_api_gives_the_admin_s_answer(
    client_for: Callable[..., APIClient],
    dispute: Dispute,
    kind: str,
    sees_it: bool,
    detail_status: int,
) -> None:
    client = client_for(person(kind))
    response = client.get("/api/disputes/open")
    assert response.status_code == 200
    assert (dispute.pk in [row["id"] for row in response.json()]) is sees_it
    assert client.get(f"/api/disputes/{dispute.pk}").status_code == detail_status


def test_the_support_group_is_a_label_without_permissions() -> None:
    group = support_group_ensure()
    assert group.name == "Support"
    assert not group.permissions.exists()
    assert Group.objects.filter(name="Support").count() == 1
