"""The staff dashboard: open by state, overdue, opened per day as SVG, median times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from disputes.models import Dispute, DisputeStatus
from disputes.selectors.backoffice import dispute_dashboard_stats
from tests.factories import make_dispute, make_overdue, new_staff

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/disputes/dispute/dashboard/"


@pytest.fixture
def spread() -> dict[str, Dispute]:
    now = timezone.now()
    fresh = make_dispute()
    late = make_overdue(make_dispute(), hours=2)
    reviewed = make_dispute(state=DisputeStatus.UNDER_REVIEW)
    won = make_dispute(state=DisputeStatus.WON)
    # Known durations: first response after 2 h and 4 h, resolution after 10 h.
    Dispute.objects.filter(pk=reviewed.pk).update(
        created_at=now - timedelta(days=3), first_response_at=now - timedelta(days=3, hours=-2)
    )
    Dispute.objects.filter(pk=won.pk).update(
        created_at=now - timedelta(days=5),
        first_response_at=now - timedelta(days=5, hours=-4),
        closed_at=now - timedelta(days=5, hours=-10),
    )
    old = make_dispute(state=DisputeStatus.CLOSED)
    Dispute.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=45))
    return {"fresh": fresh, "late": late, "reviewed": reviewed, "won": won}


def test_stats(spread: dict[str, Dispute]) -> None:
    stats = dispute_dashboard_stats()
    assert stats.open_by_state == {"needs_response": 2, "under_review": 1}
    assert stats.open_total == 3
    assert stats.overdue == 1
    assert len(stats.opened_per_day) == 30
    per_day = dict(stats.opened_per_day)
    today = timezone.localdate()
    assert per_day[today] == 2
    assert per_day[today - timedelta(days=3)] == 1
    assert per_day[today - timedelta(days=5)] == 1
    assert sum(per_day.values()) == 4, "the 45-day-old dispute is outside the window"
    assert stats.median_first_response == timedelta(hours=3)
    assert stats.median_resolution == timedelta(hours=10)


def test_stats_on_an_empty_database() -> None:
    stats = dispute_dashboard_stats()
    assert stats.open_total == 0 and stats.overdue == 0
    assert stats.median_first_response is None and stats.median_resolution is None


def test_dashboard_page_renders_an_svg_chart_without_scripts(
    desk: Client, spread: dict[str, Dispute]
) -> None:
    response = desk.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    chart = html[
        html.index('<svg class="echo-chart"') : html.index("</svg>", html.index("echo-chart"))
    ]
    assert chart.count('class="echo-bar"') == 30
    assert "2 opened" in chart
    assert "<script" not in html[html.index('id="content-main"') :]
    assert 'id="overdue-count"' in html and ">1</a>" in html
    assert "3 h 0 min" in html and "10 h 0 min" in html
    assert 'data-state="needs_response">2<' in html


def test_dashboard_is_linked_from_the_admin_index_and_the_queue(desk: Client) -> None:
    assert DASHBOARD in desk.get("/admin/").content.decode()
    assert DASHBOARD in desk.get("/admin/disputes/dispute/").content.decode()


def test_dashboard_is_for_support_staff_whatever_their_model_permissions(
    client_as: Any, party: Any
) -> None:
    response = client_as(party).get(DASHBOARD)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client_as(new_staff()).get(DASHBOARD).status_code == 200
