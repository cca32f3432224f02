from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes.models import Dispute, DisputeStatus, ReasonCode
from tests.factories import StaffFactory, UserFactory, make_dispute, make_order
from tests.payments.helpers import FINANCE, event_doc, post_event

pytestmark = pytest.mark.django_db

Client = Callable[..., APIClient]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MONEY = re.compile(r"^\d+\.\d\d$")
DISPUTE_KEYS = {
    "id",
    "transaction_order_id",
    "original_order_id",
    "store_id",
    "currency",
    "created_at",
    "updated_at",
    "expiration_time",
    "dispute_reason",
    "original_order_amount",
    "dispute_amount",
    "status",
    "fee",
    "fee_currency",
}


def assert_finance_error(response: Any, status: int, code: str) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body.keys() == {"code", "message"}, body
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body["message"]


def assert_wire_dispute(row: dict[str, Any]) -> None:
    assert row.keys() == DISPUTE_KEYS
    for key in ("id", "transaction_order_id", "original_order_id", "store_id"):
        assert isinstance(row[key], str) and row[key], key
    for key in ("created_at", "updated_at", "expiration_time"):
        assert ISO_Z.match(row[key]), (key, row[key])
    for key in ("original_order_amount", "dispute_amount", "fee"):
        assert MONEY.match(row[key]), (key, row[key])
    assert row["dispute_reason"] in ReasonCode.labels
    assert row["status"] in DisputeStatus.values


# --- golden envelopes ----------------------------------------------------------------------------


def test_detail_envelope_is_the_providers(client_for: Client, seller: User, order: Any) -> None:
    dispute = make_dispute(
        order=order, amount=Decimal("40.00"), reason_code=ReasonCode.PRODUCT_NOT_RECEIVED
    )
    response = client_for(seller).get(f"{FINANCE}/{dispute.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body.keys() == {"code", "message", "data"}
    assert (body["code"], body["message"]) == ("Success", "Success")
    assert body["data"].keys() == {"dispute"}
    row = body["data"]["dispute"]
    assert_wire_dispute(row)
    assert row == {
        "id": str(dispute.pk),
        "transaction_order_id": order.transaction_id,
        "original_order_id": str(order.pk),
        "store_id": str(order.item.store_id),
        "currency": "EUR",
        "created_at": dispute.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": dispute.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "expiration_time": dispute.respond_by.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dispute_reason": "Product not received",
        "original_order_amount": "100.00",
        "dispute_amount": "40.00",
        "status": "needs_response",
        "fee": "0.00",
        "fee_currency": "EUR",
    }


def test_chargeback_shows_its_fee_and_provider_status(
    client_for: Client, seller: User, order: Any
) -> None:
    post_event(event_doc(order, status="under_review", reason="Product unacceptable"))
    row = client_for(seller).get(FINANCE).json()["data"]["disputes"][0]
    assert_wire_dispute(row)
    assert row["fee"] == "15.00" and row["fee_currency"] == "EUR"
    assert row["status"] == "under_review"
    assert row["dispute_reason"] == "Product unacceptable"
    assert row["dispute_amount"] == "60.00" and row["original_order_amount"] == "100.00"
    assert row["expiration_time"] == "2026-01-11T00:00:00Z"


def test_list_envelope_is_the_providers(client_for: Client, staff: User) -> None:
    make_dispute()
    body = client_for(staff).get(FINANCE).json()
    assert body.keys() == {"code", "message", "data"}
    assert (body["code"], body["message"]) == ("Success", "Success")
    assert body["data"].keys() == {"disputes", "cursor"}
    assert body["data"]["cursor"] == ""
    assert len(body["data"]["disputes"]) == 1
    assert_wire_dispute(body["data"]["disputes"][0])


def test_every_reason_has_its_display_form(client_for: Client, staff: User) -> None:
    for code in ReasonCode.values:
        make_dispute(reason_code=code)
    rows = client_for(staff).get(FINANCE, {"limit": 100}).json()["data"]["disputes"]
    assert sorted(r["dispute_reason"] for r in rows) == sorted(
        [
            "Fraudulent",
            "Product not received",
            "Product unacceptable",
            "Duplicate",
            "Subscription canceled",
            "Credit not processed",
            "General",
        ]
    )


# --- the scope table -----------------------------------------------------------------------------


@pytest.fixture
def two_stores(seller: User, buyer: User) -> dict[str, Any]:
    mine = make_dispute(order=make_order(buyer=buyer, seller=seller))
    other_seller = cast(User, UserFactory(username="otherseller"))
    theirs = make_dispute(order=make_order(buyer=buyer, seller=other_seller))
    return {"mine": mine, "theirs": theirs, "other_seller": other_seller}


@pytest.mark.parametrize(
    ("who", "scope", "list_status", "sees", "mine", "theirs"),
    [
        ("anonymous", None, 401, None, 401, 401),
        ("buyer", None, 403, None, 403, 403),
        ("seller", None, 200, {"mine"}, 200, 404),
        ("seller", "", 403, None, 403, 403),
        ("other_seller", None, 200, {"theirs"}, 404, 200),
        ("staff", None, 200, {"mine", "theirs"}, 200, 200),
        ("staff", "", 403, None, 403, 403),
    ],
)
def test_scope_table(
    client_for: Client,
    buyer: User,
    seller: User,
    staff: User,
    two_stores: dict[str, Any],
    who: str,
    scope: str | None,
    list_status: int,
    sees: set[str] | None,
    mine: int,
    theirs: int,
) -> None:
    users = {
        "anonymous": None,
        "buyer": buyer,
        "seller": seller,
        "other_seller": two_stores["other_seller"],
        "staff": staff,
    }
    client = client_for(users[who], scope)
    codes = {200: "Success", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
    response = client.get(FINANCE)
    if list_status == 200:
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["data"]["disputes"]}
        assert ids == {str(two_stores[name].pk) for name in sees or ()}
    else:
        assert_finance_error(response, list_status, codes[list_status])
    for name, expected in (("mine", mine), ("theirs", theirs)):
        response = client.get(f"{FINANCE}/{two_stores[name].pk}")
        if expected == 200:
            assert response.json()["data"]["dispute"]["id"] == str(two_stores[name].pk)
        else:
            assert_finance_error(response, expected, codes[expected])


def test_token_asked_with_only_the_finance_scope_works(client_for: Client, seller: User) -> None:
    make_dispute(order=make_order(seller=seller))
    assert client_for(seller, "read_finance").get(FINANCE).status_code == 200


def test_bad_token_is_401(api: APIClient) -> None:
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert_finance_error(api.get(FINANCE), 401, "Unauthorized")
    assert_finance_error(api.get(f"{FINANCE}/1"), 401, "Unauthorized")


def test_staff_demoted_after_the_token_was_issued_sees_only_its_store(
    client_for: Client, two_stores: dict[str, Any]
) -> None:
    former = cast(User, StaffFactory())
    client = client_for(former)
    User.objects.filter(pk=former.pk).update(is_staff=False)
    assert client.get(FINANCE).json()["data"]["disputes"] == []


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dispute_id", ["999999", "abc", "1.5", "-1", "9" * 30, "%C2%B2"])
def test_unknown_id_is_404_not_found(client_for: Client, staff: User, dispute_id: str) -> None:
    message = assert_finance_error(
        client_for(staff).get(f"{FINANCE}/{dispute_id}"), 404, "NotFound"
    )
    assert message == "record not found"


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"limit": "ten"},
        {"limit": "1.5"},
        {"status": "open"},
        {"status": "won,bogus"},
        {"created_at_min": "yesterday"},
        {"created_at_min": "-1"},
        {"created_at_max": str(10**20)},
        {"cursor": "!!!"},
        {"cursor": "x" * 300},
        {"cursor": _cursor("garbage")},
        {"cursor": _cursor("2026-01-01T00:00:00|abc")},
        {"cursor": _cursor("2026-01-01T00:00:00|5")},  # no offset: not one we issued
        {"cursor": _cursor("2026-01-01T00:00:00+00:00|0")},
        {"cursor": "\u00e9t\u00e9"},
    ],
)
def test_bad_parameter_is_400_invalid_parameter(
    client_for: Client, staff: User, params: dict[str, str]
) -> None:
    assert_finance_error(client_for(staff).get(FINANCE, params), 400, "InvalidParameter")


def test_malformed_cursor_says_wrong_cursor(client_for: Client, staff: User) -> None:
    message = assert_finance_error(
        client_for(staff).get(FINANCE, {"cursor": "nonsense"}), 400, "InvalidParameter"
    )
    assert message == "wrong cursor"


def test_unknown_path_and_method_keep_the_finance_envelope(client_for: Client, staff: User) -> None:
    client = client_for(staff)
    assert_finance_error(client.get(f"{FINANCE}/1/refunds"), 404, "NotFound")
    response = client.post(FINANCE, {}, format="json")
    assert response.status_code == 405
    assert response.json() == {"code": "MethodNotAllowed", "message": 'Method "POST" not allowed.'}
    response = client.get(FINANCE, HTTP_ACCEPT="application/xml")
    assert response.status_code == 406
    assert response.json()["code"] == "NotAcceptable"


def test_trailing_slash_is_accepted(client_for: Client, staff: User) -> None:
    dispute = make_dispute()
    assert client_for(staff).get(f"{FINANCE}/").status_code == 200
    assert client_for(staff).get(f"{FINANCE}/{dispute.pk}/").status_code == 200


# --- filters and paging --------------------------------------------------------------------------


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["data"]["disputes"]]


def test_status_filter_takes_one_or_several(client_for: Client, staff: User) -> None:
    states = [DisputeStatus.NEEDS_RESPONSE, DisputeStatus.WON, DisputeStatus.LOST]
    made = {str(state): make_dispute(state=state) for state in states}
    client = client_for(staff)
    assert _ids(client.get(FINANCE, {"status": "won"})) == [str(made["won"].pk)]
    expected = {str(made["won"].pk), str(made["lost"].pk)}
    assert set(_ids(client.get(FINANCE, {"status": "won,lost"}))) == expected
    assert set(_ids(client.get(f"{FINANCE}?status=won&status=lost"))) == expected
    assert len(_ids(client.get(FINANCE, {"status": ""}))) == 3


def test_created_range_is_in_unix_seconds_inclusive(client_for: Client, staff: User) -> None:
    base = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    made = []
    for hours in (0, 1, 2):
        dispute = make_dispute()
        moment = base + timedelta(hours=hours, microseconds=500)
        Dispute.objects.filter(pk=dispute.pk).update(created_at=moment)
        made.append(str(dispute.pk))
    start, middle = int(base.timestamp()), int((base + timedelta(hours=1)).timestamp())
    client = client_for(staff)
    assert _ids(client.get(FINANCE, {"created_at_min": middle})) == [made[2], made[1]]
    assert _ids(client.get(FINANCE, {"created_at_max": middle})) == [made[1], made[0]]
    assert _ids(client.get(FINANCE, {"created_at_min": middle, "created_at_max": middle})) == [
        made[1]
    ]
    assert _ids(client.get(FINANCE, {"created_at_max": start - 1})) == []


def test_newest_first_and_limit_default_is_10(client_for: Client, staff: User) -> None:
    made = [make_dispute() for _ in range(12)]
    page = _ids(client_for(staff).get(FINANCE))
    assert page == [str(d.pk) for d in reversed(made)][:10]


def test_cursor_pages_never_skip_or_repeat_while_disputes_are_created(
    client_for: Client, staff: User
) -> None:
    original = [make_dispute() for _ in range(23)]
    # Ties on created_at must still page cleanly: the id breaks them.
    tie = original[5].created_at
    Dispute.objects.filter(pk__in=[d.pk for d in original[5:12]]).update(created_at=tie)
    client = client_for(staff)
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        body = client.get(FINANCE, {"limit": "5", "cursor": cursor}).json()["data"]
        seen += [row["id"] for row in body["disputes"]]
        pages += 1
        # New disputes arrive between page fetches.
        make_dispute()
        make_dispute()
        cursor = body["cursor"]
        if not cursor:
            break
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == {str(d.pk) for d in original}
    assert Dispute.objects.count() == 23 + 2 * pages


def test_last_full_page_ends_with_an_empty_cursor(client_for: Client, staff: User) -> None:
    for _ in range(4):
        make_dispute()
    client = client_for(staff)
    first = client.get(FINANCE, {"limit": 2}).json()["data"]
    assert first["cursor"]
    second = client.get(FINANCE, {"limit": 2, "cursor": first["cursor"]}).json()["data"]
    assert len(second["disputes"]) == 2 and second["cursor"] == ""


def _count_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(FINANCE, {"limit": "100"}).status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(
    client_for: Client, staff: User, seller: User
) -> None:
    make_dispute(order=make_order(seller=seller))
    staff_client, seller_client = client_for(staff), client_for(seller)
    one = (_count_queries(staff_client), _count_queries(seller_client))
    for _ in range(19):
        make_dispute(order=make_order(seller=seller))
    twenty = (_count_queries(staff_client), _count_queries(seller_client))
    assert one == twenty
    # The token's user, then one query for the page (transaction id and store annotated in).
    assert twenty == (2, 2)


def test_detail_query_count(client_for: Client, staff: User) -> None:
    dispute = make_dispute()
    client = client_for(staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"{FINANCE}/{dispute.pk}").status_code == 200
    # The token's user, then the dispute (transaction id and store annotated in).
    assert len(ctx.captured_queries) == 2


def test_cursor_walk_returns_every_dispute_once_in_order_on_this_database(
    client_for: Client, staff: User
) -> None:
    """Run on PostgreSQL and on SQLite (`make test` runs this file on both): ties on created_at,
    sub-second times and whole seconds, each dispute exactly once, newest first."""
    disputes = [make_dispute(staff=staff) for _ in range(9)]
    moment = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
    times = [moment, moment, moment, moment - timedelta(microseconds=1)]
    times += [moment - timedelta(seconds=n) for n in (1, 1, 2, 3, 60)]
    for dispute, created in zip(disputes, times, strict=True):
        Dispute.objects.filter(pk=dispute.pk).update(created_at=created)
    expected = [
        str(pk)
        for pk in Dispute.objects.order_by("-created_at", "-id").values_list("pk", flat=True)
    ]
    client = client_for(staff)
    seen: list[str] = []
    cursor = ""
    for _ in range(len(disputes) + 1):
        body = client.get(FINANCE, {"limit": "2", "cursor": cursor}).json()["data"]
        seen += [row["id"] for row in body["disputes"]]
        cursor = body["cursor"]
        if not cursor:
            break
    assert seen == expected
