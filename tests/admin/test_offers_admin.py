"""Offers and escalation in the support desk: the queue's order and filters, the dashboard's
figures, the read-only offers on the dispute page, the CSV, and what each costs in queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from disputes import services
from disputes.admin.export import CSV_HEADER
from disputes.models import Dispute, DisputeStatus, Offer, OfferStatus, Outcome
from disputes.selectors.backoffice import dispute_dashboard_stats
from disputes.selectors.settlement_stats import settlement_stats
from tests.factories import make_dispute, new_staff

pytestmark = pytest.mark.django_db
QUEUE = "/admin/disputes/dispute/"
DASHBOARD = "/admin/disputes/dispute/dashboard/"
REASON = "We cannot agree; please decide."


def listed(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return [d.pk for d in response.context["cl"].result_list]


def page(dispute: Dispute) -> str:
    return f"/admin/disputes/dispute/{dispute.pk}/change/"


def escalate(dispute: Dispute, *, by: str = "buyer", reason: str = REASON) -> Dispute:
    actor = dispute.buyer if by == "buyer" else dispute.seller
    return services.dispute_escalate(actor=actor, dispute_id=dispute.pk, reason=reason)


def settle(dispute: Dispute, amount: str = "25.00") -> Dispute:
    offer = services.offer_propose(
        actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal(amount)
    )
    return services.offer_accept(actor=dispute.buyer, dispute_id=dispute.pk, offer_id=offer.pk)


def shift(dispute: Dispute, **fields: Any) -> None:
    Dispute.objects.filter(pk=dispute.pk).update(**fields)


@pytest.fixture
def queue() -> dict[str, Dispute]:
    """Open disputes with known deadlines and escalation times, and a decided one."""
    now = timezone.now()
    disputes = {
        "soon": make_dispute(),
        "later_escalated": make_dispute(),
        "latest_escalated_first": make_dispute(state=DisputeStatus.UNDER_REVIEW),
        "decided": make_dispute(state=DisputeStatus.WON),
    }
    shift(disputes["soon"], respond_by=now + timedelta(hours=2))
    shift(disputes["later_escalated"], respond_by=now + timedelta(days=2))
    shift(disputes["latest_escalated_first"], respond_by=now + timedelta(days=4))
    escalate(disputes["latest_escalated_first"], by="seller")
    escalate(disputes["later_escalated"])
    shift(disputes["latest_escalated_first"], escalated_at=now - timedelta(hours=3))
    shift(disputes["later_escalated"], escalated_at=now - timedelta(hours=1))
    return disputes


# --- the queue ---------------------------------------------------------------------------------


def test_open_queue_lists_escalated_disputes_first_then_by_deadline(
    desk: Client, queue: dict[str, Dispute]
) -> None:
    response = desk.get(QUEUE)
    assert listed(response) == [
        queue["latest_escalated_first"].pk,
        queue["later_escalated"].pk,
        queue["soon"].pk,
    ]
    html = response.content.decode()
    assert html.count('class="echo-badge echo-escalated"') == 2
    assert "<th" in html and "escalated" in html


def test_single_open_status_views_also_list_escalated_first(desk: Client) -> None:
    now = timezone.now()
    plain, flagged = make_dispute(), make_dispute()
    shift(plain, respond_by=now + timedelta(hours=1))
    shift(flagged, respond_by=now + timedelta(days=5))
    escalate(flagged)
    assert listed(desk.get(QUEUE, {"state": "needs_response"})) == [flagged.pk, plain.pk]


def test_archive_views_stay_newest_first(desk: Client, queue: dict[str, Dispute]) -> None:
    ids = listed(desk.get(QUEUE, {"state": "all"}))
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == 4


def test_escalated_filter(desk: Client, queue: dict[str, Dispute]) -> None:
    assert listed(desk.get(QUEUE, {"escalated": "yes"})) == [
        queue["latest_escalated_first"].pk,
        queue["later_escalated"].pk,
    ]
    assert listed(desk.get(QUEUE, {"escalated": "no"})) == [queue["soon"].pk]
    html = desk.get(QUEUE).content.decode()
    assert "By escalated" in html
    assert "?escalated=yes" in html and "Escalated by a party" in html


def test_escalated_filter_with_all_states_includes_decided_ones(desk: Client) -> None:
    escalated = escalate(make_dispute())
    services.dispute_close(
        actor=new_staff(), dispute_id=escalated.pk, outcome="lost", resolution="For the buyer."
    )
    assert listed(desk.get(QUEUE, {"escalated": "yes"})) == []
    assert listed(desk.get(QUEUE, {"escalated": "yes", "state": "all"})) == [escalated.pk]


def test_outcome_filter_includes_settled_and_switches_to_decided_disputes(desk: Client) -> None:
    settled = settle(make_dispute())
    won = make_dispute(state=DisputeStatus.WON)
    closed = make_dispute(state=DisputeStatus.CLOSED)
    make_dispute()  # open, no outcome
    html = desk.get(QUEUE).content.decode()
    assert "By outcome" in html
    # From the open queue, the outcome links also switch the state filter to decided disputes.
    assert "?outcome=settled&amp;state=terminal" in html
    assert "Settled between the parties" in html
    assert listed(desk.get(QUEUE, {"state": "terminal", "outcome": "settled"})) == [settled.pk]
    assert listed(desk.get(QUEUE, {"state": "all", "outcome": "won"})) == [won.pk]
    assert listed(desk.get(QUEUE, {"state": "terminal", "outcome": "none"})) == [closed.pk]
    # Already on decided disputes, a link keeps the state chosen.
    on_all = desk.get(QUEUE, {"state": "all"}).content.decode()
    assert "?outcome=settled&amp;state=all" in on_all


def test_unknown_escalated_or_outcome_values_redirect_with_an_error_flag(desk: Client) -> None:
    make_dispute()
    for params in ({"escalated": "maybe"}, {"outcome": "bogus", "state": "all"}):
        response = desk.get(QUEUE, params)
        assert response.status_code == 302
        assert response["Location"].endswith("?e=1")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plan")
def test_the_escalated_first_order_is_one_an_index_serves(desk: Client) -> None:
    for _ in range(3):
        escalate(make_dispute())
        make_dispute()
    with CaptureQueriesContext(connection) as ctx:
        assert desk.get(QUEUE).status_code == 200
    page_sql = [
        q["sql"]
        for q in ctx.captured_queries
        if 'FROM "disputes_dispute"' in q["sql"] and "ORDER BY" in q["sql"]
    ]
    assert len(page_sql) == 1, page_sql
    with connection.cursor() as cursor:
        # On a handful of rows the planner would rather sort; forbid that to see whether the
        # order can come from an index at all (at a million rows it must).
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {page_sql[0]}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "dispute_open_escalated_queue" in plan, plan
    assert "Sort" not in plan, plan


def count_queries(desk: Client, params: dict[str, str]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = desk.get(QUEUE, params)
    return len(listed(response)), len(ctx.captured_queries)


@pytest.mark.parametrize(
    "params",
    [{}, {"escalated": "yes"}, {"escalated": "no"}, {"state": "terminal", "outcome": "settled"}],
)
def test_queue_query_count_with_the_new_filters_does_not_grow_with_rows(
    desk: Client, params: dict[str, str]
) -> None:
    def add() -> None:
        dispute = make_dispute()
        if params.get("escalated") != "no":
            escalate(dispute)
        if params.get("outcome"):
            settle(dispute)

    add()
    rows_one, one = count_queries(desk, params)
    for _ in range(19):
        add()
    rows_twenty, twenty = count_queries(desk, params)
    assert (rows_one, rows_twenty) == (1, 20)
    assert one == twenty


# --- the dashboard -----------------------------------------------------------------------------


@pytest.fixture
def settled_spread() -> dict[str, Dispute]:
    """Two settled disputes, after 2 h and 6 h; an escalated open one; a settled one opened before
    the dashboard's window; a decided escalated one."""
    now = timezone.now()
    fast, slow, old = settle(make_dispute()), settle(make_dispute()), settle(make_dispute())
    shift(fast, created_at=now - timedelta(days=2), closed_at=now - timedelta(days=2, hours=-2))
    shift(slow, created_at=now - timedelta(days=4), closed_at=now - timedelta(days=4, hours=-6))
    shift(old, created_at=now - timedelta(days=40), closed_at=now - timedelta(days=1))
    waiting = escalate(make_dispute())
    decided = escalate(make_dispute(), by="seller")
    services.dispute_close(actor=new_staff(), dispute_id=decided.pk, resolution="Closed.")
    return {"fast": fast, "slow": slow, "old": old, "waiting": waiting, "decided": decided}


def test_settlement_stats(settled_spread: dict[str, Dispute]) -> None:
    stats = settlement_stats(since=dispute_dashboard_stats().since)
    assert stats.escalated_open == 1
    assert stats.median_settlement == timedelta(hours=4)


def test_escalated_count_leaves_out_decided_disputes(staff: User) -> None:
    open_one = escalate(make_dispute())
    decided = escalate(make_dispute())
    services.dispute_close(actor=staff, dispute_id=decided.pk, resolution="Decided.")
    stats = settlement_stats(since=dispute_dashboard_stats().since)
    assert stats.escalated_open == 1
    assert open_one.escalated_at is not None


def test_settlement_stats_on_an_empty_database() -> None:
    stats = settlement_stats(since=timezone.now() - timedelta(days=30))
    assert stats.escalated_open == 0
    assert stats.median_settlement is None


def test_dashboard_shows_escalated_count_and_median_time_to_settlement(
    desk: Client, settled_spread: dict[str, Dispute]
) -> None:
    html = desk.get(DASHBOARD).content.decode()
    escalated = html[html.index('id="escalated-count"') :]
    assert f'href="{QUEUE}?escalated=yes">1</a>' in escalated[:300]
    settlement = html[html.index('id="median-settlement"') :]
    assert settlement.startswith('id="median-settlement">4 h 0 min</p>')
    # Beside the other medians.
    assert html.index('id="median-resolution"') < html.index('id="median-settlement"')


def test_dashboard_without_settlements_says_so(desk: Client) -> None:
    html = desk.get(DASHBOARD).content.decode()
    assert 'id="median-settlement">no data yet</p>' in html
    assert f'href="{QUEUE}?escalated=yes">0</a>' in html


# --- the dispute page --------------------------------------------------------------------------


@pytest.fixture
def negotiated() -> dict[str, Any]:
    dispute = make_dispute()
    first = services.offer_propose(
        actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("20.00"), note="A start."
    )
    services.offer_decline(actor=dispute.buyer, dispute_id=dispute.pk, offer_id=first.pk)
    second = services.offer_propose(
        actor=dispute.buyer, dispute_id=dispute.pk, amount=Decimal("45.00")
    )
    escalate(dispute, by="seller", reason="The buyer asks for too much.")
    dispute.refresh_from_db()
    return {"dispute": dispute, "first": first, "second": second}


def test_dispute_page_shows_offers_newest_first_and_the_escalation(
    desk: Client, negotiated: dict[str, Any]
) -> None:
    dispute, first, second = negotiated["dispute"], negotiated["first"], negotiated["second"]
    html = desk.get(page(dispute)).content.decode()
    offers = html[html.index('id="offers"') : html.index('id="timeline"')]
    assert "(2, newest first, read-only)" in offers
    assert offers.index(f'id="offer-{second.pk}"') < offers.index(f'id="offer-{first.pk}"')
    assert f'<tr id="offer-{second.pk}" data-status="open">' in offers
    assert f'<tr id="offer-{first.pk}" data-status="declined">' in offers
    assert "€45.00" in offers and "€20.00" in offers
    assert f"{dispute.buyer.username} (buyer)" in offers
    assert f"{dispute.seller.username} (seller)" in offers
    assert "A start." in offers
    assert f"by <strong>{dispute.seller.username}</strong> (seller)" in offers
    assert "The buyer asks for too much." in offers
    # The escalation fieldset, read-only like every field of the page.
    assert "Escalation" in html
    assert 'name="escalation_reason"' not in html and 'name="escalated_at"' not in html
    # Nothing on the page acts on an offer: staff read them, the parties decide them.
    assert "/offers/" not in html
    assert "/accept/" not in html


def test_dispute_page_timeline_shows_offer_and_escalation_events(
    desk: Client, negotiated: dict[str, Any]
) -> None:
    dispute = negotiated["dispute"]
    html = desk.get(page(dispute)).content.decode()
    timeline = html[html.index('id="timeline"') :]
    for label in ("Offer made", "Offer declined", "Escalated to staff"):
        assert label in timeline
    assert "refund offered €20.00" in timeline
    assert "refund offered €45.00" in timeline
    assert f"offer #{negotiated['first'].pk}" in timeline
    assert "<q>The buyer asks for too much.</q>" in timeline


def test_dispute_page_of_a_settled_dispute(desk: Client) -> None:
    dispute = settle(make_dispute(), amount="30.00")
    html = desk.get(page(dispute)).content.decode()
    assert "Settled between the parties" in html
    assert "Offer accepted" in html
    assert "outcome settled" in html
    assert "refund €30.00" in html
    assert 'data-status="accepted"' in html
    assert "No offers yet." not in html


def test_order_page_lists_the_outcome_of_its_disputes(desk: Client) -> None:
    dispute = settle(make_dispute())
    html = desk.get(f"/admin/orders/order/{dispute.order_id}/change/").content.decode()
    assert "Settled between the parties" in html


def test_dispute_page_without_offers(desk: Client) -> None:
    html = desk.get(page(make_dispute())).content.decode()
    assert "No offers yet." in html
    assert 'id="escalation"' not in html


def test_dispute_page_query_count_does_not_grow_with_the_offers(desk: Client) -> None:
    dispute = escalate(make_dispute())
    services.offer_propose(actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("1.00"))
    with CaptureQueriesContext(connection) as one:
        assert desk.get(page(dispute)).status_code == 200
    for i in range(19):
        proposer = dispute.buyer if i % 2 else dispute.seller
        services.offer_propose(
            actor=proposer, dispute_id=dispute.pk, amount=Decimal(f"{i + 2}.00"), note=f"n{i}"
        )
    with CaptureQueriesContext(connection) as twenty:
        response = desk.get(page(dispute))
    assert len(response.context["offers"]) == 20
    assert Offer.objects.filter(dispute=dispute, status=OfferStatus.SUPERSEDED).count() == 19
    assert len(one.captured_queries) == len(twenty.captured_queries)


# --- the CSV -----------------------------------------------------------------------------------


def export(desk: Client, disputes: list[Dispute]) -> tuple[list[dict[str, str]], int]:
    data = {"action": "export_csv", "_selected_action": [str(d.pk) for d in disputes]}
    with CaptureQueriesContext(connection) as ctx:
        response: Any = desk.post(f"{QUEUE}?state=all", data)
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body))), len(ctx.captured_queries)


def test_csv_has_the_settled_outcome_and_the_escalation_columns(desk: Client) -> None:
    escalated = escalate(make_dispute(), by="seller", reason="=HYPERLINK('x') decide please")
    settled = settle(make_dispute(), amount="12.50")
    plain = make_dispute()
    rows, _ = export(desk, [escalated, settled, plain])
    assert {"escalated_at", "escalated_by", "escalation_reason"} <= set(CSV_HEADER)
    assert list(rows[0]) == list(CSV_HEADER)
    by_id = {int(row["dispute_id"]): row for row in rows}
    row = by_id[escalated.pk]
    escalated.refresh_from_db()
    assert escalated.escalated_at is not None
    assert row["escalated_at"] == escalated.escalated_at.isoformat()
    assert row["escalated_by"] == escalated.seller.username
    # A party's text never runs as a spreadsheet formula.
    assert row["escalation_reason"] == "'=HYPERLINK('x') decide please"
    assert (by_id[settled.pk]["status"], by_id[settled.pk]["outcome"]) == ("closed", "settled")
    assert by_id[settled.pk]["refund_amount"] == "12.50"
    assert by_id[settled.pk]["escalated_at"] == ""
    assert (by_id[plain.pk]["escalated_by"], by_id[plain.pk]["outcome"]) == ("", "")
    assert Outcome.SETTLED == "settled"


def test_csv_query_count_does_not_grow_with_rows(desk: Client) -> None:
    def add() -> Dispute:
        dispute = escalate(make_dispute())
        return settle(dispute) if dispute.pk % 2 else dispute

    first = [add()]
    rows_one, one = export(desk, first)
    more = first + [add() for _ in range(19)]
    rows_twenty, twenty = export(desk, more)
    assert (len(rows_one), len(rows_twenty)) == (1, 20)
    assert one == twenty
