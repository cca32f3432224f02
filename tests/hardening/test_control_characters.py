"""NUL and other control characters in a query or form value are a 400 before any view, filter or
search sees them (echo_disputes/middleware.py::ControlCharacterMiddleware). PostgreSQL refuses NUL
in text, so each of these was a 500 there."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from accounts.models import User
from disputes.models import Dispute, Message
from tests.conftest import bearer
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def _api(user: User) -> Client:
    return Client(HTTP_AUTHORIZATION=bearer(user)["HTTP_AUTHORIZATION"])


def _staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


def _assert_plain_400(response: Any, text: str) -> None:
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == text


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/admin/disputes/dispute/?q=%00", "q"),
        ("/admin/disputes/dispute/?kind=%00", "kind"),
        ("/admin/disputes/dispute/?reason_code__exact=a%00b", "reason_code__exact"),
        ("/admin/accounts/user/?q=st%00aff", "q"),
        ("/admin/orders/order/?q=%1b", "q"),
    ],
)
def test_admin_changelist_with_a_control_character_is_400(
    staff: User, path: str, name: str
) -> None:
    make_dispute()
    response = _staff_client(staff).get(path)
    _assert_plain_400(response, f"The query parameter '{name}' holds a control character.")


def test_a_page_with_nul_in_page_is_400(buyer: User) -> None:
    client = Client()
    client.force_login(buyer)
    response = client.get("/disputes/?page=%00")
    _assert_plain_400(response, "The query parameter 'page' holds a control character.")


def test_a_nul_in_a_query_parameter_name_is_400(buyer: User) -> None:
    client = Client()
    client.force_login(buyer)
    response = client.get("/disputes/?pa%00ge=1")
    _assert_plain_400(response, "The query parameter 'pa\\x00ge' holds a control character.")


def test_api_filter_with_nul_is_400_json(buyer: User) -> None:
    response = _api(buyer).get("/api/disputes?orderId=%00")
    assert response.status_code == 400
    assert response.json() == {
        "error": "The query parameter 'orderId' holds a control character.",
        "code": "invalid_characters",
        "details": {"orderId": ["Control characters are not allowed."]},
    }


def test_api_search_of_orders_with_nul_is_400_json(buyer: User) -> None:
    response = _api(buyer).get("/api/orders?status=%00")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_characters"


def test_finance_api_with_nul_answers_the_providers_error_body(staff: User) -> None:
    finance = "/openapi/2024-07/shoplazza-payment/disputes?status=%00"
    response = _api(staff).get(finance)
    assert response.status_code == 400
    assert response.json() == {
        "code": "InvalidParameter",
        "message": "The query parameter 'status' holds a control character.",
    }


def test_a_form_value_with_nul_is_400_and_nothing_is_stored(buyer: User) -> None:
    dispute = make_dispute()
    client = Client()
    client.force_login(dispute.buyer)
    before = Message.objects.count()
    response = client.post(
        f"/disputes/{dispute.pk}/",
        urlencode({"message": "Where is\x00 my parcel, please?"}),
        content_type=FORM,
    )
    _assert_plain_400(response, "The form parameter 'message' holds a control character.")
    assert Message.objects.count() == before


def test_line_breaks_and_tabs_in_a_form_text_are_kept(buyer: User) -> None:
    dispute = make_dispute()
    client = Client()
    client.force_login(dispute.buyer)
    response = client.post(
        f"/disputes/{dispute.pk}/",
        urlencode({"message": "Line one of my answer\r\n\tline two."}),
        content_type=FORM,
    )
    assert response.status_code == 302
    assert Message.objects.filter(dispute=dispute, body__contains="\tline two.").exists()


def test_ordinary_queries_pass(staff: User) -> None:
    make_dispute()
    response = _staff_client(staff).get("/admin/disputes/dispute/?q=1&kind=order")
    assert response.status_code == 200
    assert Dispute.objects.exists()
