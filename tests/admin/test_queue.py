"""The dispute queue: default filter and order, every filter, search, access, and its cost."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from disputes.models import Dispute, DisputeKind, DisputeStatus, ReasonCode
from echo_disputes.admin import BoundedCountPaginator
from orders.models import Store
from tests.factories import make_dispute, make_order, make_overdue, new_user

QUEUE = "/admin/disputes/dispute/"
pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [d.pk for d in response.context["cl"].result_list]


@pytest.fixture
def mixed() -> dict[str, Dispute]:
    """One dispute in each state, deadlines spread so the queue order is known."""
    disputes = {state: make_dispute(state=state) for state in DisputeStatus.values}
    now = timezone.now()
    Dispute.objects.filter(pk=disputes["needs_response"].pk).update(
        respond_by=now + timedelta(days=3)
    )
    Dispute.objects.filter(pk=disputes["under_review"].pk).update(
        respond_by=now + timedelta(days=1)
    )
    return disputes


def test_queue_opens_on_non_terminal_disputes_nearest_deadline_first(
    desk: Client, mixed: dict[str, Dispute]
) -> None:
    response = desk.get(QUEUE)
    assert listed(response) == [mixed["under_review"].pk, mixed["needs_response"].pk]
    html = response.content.decode()
    assert 'class="echo-badge echo-status-under_review"' in html
    assert "left</span>" in html
    assert "Open (needs response, under review)" in html


def test_overdue_dispute_shows_an_overdue_badge(desk: Client) -> None:
    make_overdue(make_dispute(), hours=5)
    html = desk.get(QUEUE).content.decode()
    assert 'class="echo-badge echo-overdue"' in html
    assert "overdue 5h" in html


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("all", set(DisputeStatus.values)),
        ("terminal", {"won", "lost", "closed"}),
        ("open", {"needs_response", "under_review"}),
        ("won", {"won"}),
        ("lost", {"lost"}),
        ("closed", {"closed"}),
        ("needs_response", {"needs_response"}),
        ("under_review", {"under_review"}),
    ],
)
def test_state_filter(
    desk: Client, mixed: dict[str, Dispute], state: str, expected: set[str]
) -> None:
    ids = listed(desk.get(QUEUE, {"state": state}))
    assert {Dispute.objects.get(pk=pk).status for pk in ids} == expected
    assert len(ids) == len(expected)


def test_archive_views_list_newest_first(desk: Client, mixed: dict[str, Dispute]) -> None:
    ids = listed(desk.get(QUEUE, {"state": "all"}))
    assert ids == sorted(ids, reverse=True)


def test_unknown_filter_values_redirect_with_an_error_flag_not_a_500(desk: Client) -> None:
    make_dispute()
    for params in ({"state": "bogus"}, {"overdue": "maybe"}, {"store": "abc"}):
        response = desk.get(QUEUE, params)
        assert response.status_code == 302
        assert response["Location"].endswith("?e=1")


def test_kind_filter(desk: Client) -> None:
    party = make_dispute()
    chargeback = make_dispute()
    Dispute.objects.filter(pk=chargeback.pk).update(kind=DisputeKind.CHARGEBACK, opened_by=None)
    assert listed(desk.get(QUEUE, {"kind__exact": "chargeback"})) == [chargeback.pk]
    assert listed(desk.get(QUEUE, {"kind__exact": "order"})) == [party.pk]


def test_reason_code_filter(desk: Client) -> None:
    fraud = make_dispute(reason_code=ReasonCode.FRAUDULENT)
    make_dispute(reason_code=ReasonCode.DUPLICATE)
    assert listed(desk.get(QUEUE, {"reason_code__exact": "fraudulent"})) == [fraud.pk]


def test_overdue_filter(desk: Client) -> None:
    late = make_overdue(make_dispute())
    on_time = make_dispute()
    assert listed(desk.get(QUEUE, {"overdue": "yes"})) == [late.pk]
    assert listed(desk.get(QUEUE, {"overdue": "no"})) == [on_time.pk]


def test_store_filter(desk: Client) -> None:
    seller = new_user()
    mine = make_dispute(order=make_order(seller=seller))
    make_dispute()
    store = Store.objects.get(owner=seller)
    response = desk.get(QUEUE, {"store": str(store.pk)})
    assert listed(response) == [mine.pk]
    assert escape(store.name) in response.content.decode()


def test_search_by_dispute_id_order_id_and_transaction_id(desk: Client) -> None:
    target = make_dispute()
    make_dispute()
    assert listed(desk.get(QUEUE, {"q": str(target.pk)})) == [target.pk]
    assert listed(desk.get(QUEUE, {"q": f"#{target.order_id}"})) == [target.pk]
    assert listed(desk.get(QUEUE, {"q": target.order.transaction_id})) == [target.pk]


def test_search_by_email_or_username_of_either_party_any_case(desk: Client) -> None:
    buyer = new_user(username="Marta", email="marta@example.com")
    seller = new_user(username="shopkeeper", email="keeper@example.com")
    target = make_dispute(order=make_order(buyer=buyer, seller=seller))
    make_dispute()
    for term in ("MARTA@example.com", "marta", "keeper@example.com", "ShopKeeper"):
        assert listed(desk.get(QUEUE, {"q": term})) == [target.pk], term


def test_search_without_match_lists_nothing(desk: Client) -> None:
    make_dispute()
    assert listed(desk.get(QUEUE, {"q": "nobody@example.com"})) == []
    assert listed(desk.get(QUEUE, {"q": "9" * 30})) == []


def test_anonymous_and_non_staff_are_sent_to_the_admin_login(client_as: Any, party: Any) -> None:
    for client in (client_as(None), client_as(party)):
        response = client.get(QUEUE)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_queue_query_count_does_not_grow_with_rows(desk: Client) -> None:
    make_dispute()
    with CaptureQueriesContext(connection) as one:
        assert len(listed(desk.get(QUEUE))) == 1
    for _ in range(19):
        make_dispute()
    with CaptureQueriesContext(connection) as twenty:
        assert len(listed(desk.get(QUEUE))) == 20
    assert len(one.captured_queries) == len(twenty.captured_queries)


COUNT = re.compile(r"COUNT\(", re.IGNORECASE)


@pytest.mark.parametrize(
    "params",
    [{}, {"state": "all"}, {"state": "terminal"}, {"overdue": "yes"}, {"q": "someone"}],
)
def test_queue_never_counts_the_whole_dispute_table(desk: Client, params: dict[str, str]) -> None:
    make_dispute(order=make_order(buyer=new_user(username="someone")))
    with CaptureQueriesContext(connection) as queries:
        assert desk.get(QUEUE, params).status_code == 200
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if COUNT.search(q["sql"]) and "disputes_dispute" in q["sql"]
    ]
    assert counts, "the list shows a (bounded) size"
    for sql in counts:
        assert "LIMIT" in sql.upper(), sql


def test_bounded_paginator_stops_counting_at_its_cap() -> None:
    for _ in range(4):
        make_dispute()
    paginator = BoundedCountPaginator(Dispute.objects.filter(amount__gt=Decimal(0)), 2)
    paginator.cap = 3
    assert paginator.count == 4
    assert paginator.approximate
    assert paginator.count_text == "more than 3"
    exact = BoundedCountPaginator(Dispute.objects.filter(amount__gt=Decimal(0)), 2)
    assert (exact.count, exact.approximate, exact.count_text) == (4, False, "4")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads pg_class")
def test_unfiltered_list_reads_the_planner_estimate_on_postgresql() -> None:
    for _ in range(6):
        make_dispute()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE disputes_dispute")
    paginator = BoundedCountPaginator(Dispute.objects.all(), 2)
    paginator.cap = 3
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 6
    assert paginator.approximate and paginator.count_text == "about 6"
    assert "pg_class" in queries.captured_queries[0]["sql"]
    assert not any(COUNT.search(q["sql"]) for q in queries.captured_queries)


def test_queue_query_joins_only_the_parties_it_shows(desk: Client) -> None:
    make_dispute()
    with CaptureQueriesContext(connection) as ctx:
        assert desk.get(QUEUE).status_code == 200
    rows = [q["sql"] for q in ctx.captured_queries if 'FROM "disputes_dispute"' in q["sql"]]
    page = [sql for sql in rows if "COUNT(" not in sql]
    assert page, rows
    # The change page needs order, item and store; the queue must not pay for that join.
    assert all("orders_item" not in sql and "orders_store" not in sql for sql in page)


def test_queue_renders_one_checkbox_per_row_without_the_widget_engine(desk: Client) -> None:
    disputes = [make_dispute() for _ in range(3)]
    html = desk.get(QUEUE).content.decode()
    for dispute in disputes:
        assert f'name="_selected_action" value="{dispute.pk}" class="action-select"' in html
    assert 'id="action-toggle"' in html
