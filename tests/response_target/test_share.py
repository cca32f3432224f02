"""The dashboard's weekly share of staff waits answered in time: exact figures from fixed
timestamps (the same on SQLite and PostgreSQL), the chart and its table, and query counts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.models import Dispute, StaffWait
from disputes.selectors.desk import WeekShare, staff_answer_share_per_week
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/disputes/dispute/dashboard/"
# A Wednesday; its week starts on Monday 23 November 2026.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)


def wait(
    dispute: Dispute,
    due: datetime,
    *,
    answered: datetime | None = None,
    ended: datetime | None = None,
) -> StaffWait:
    return StaffWait.objects.create(
        dispute=dispute,
        started_at=due - 24 * H,
        due_at=due,
        answered_at=answered,
        ended_at=ended or answered,
    )


@pytest.fixture
def periods() -> None:
    # Each wait on its own dispute: at most one runs per dispute.
    def d() -> Dispute:
        return make_dispute()

    this_week = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday
    wait(d(), this_week, answered=this_week - H)  # in time
    wait(d(), this_week + H, answered=this_week + H)  # answered at the due time: late
    wait(d(), NOW - H)  # still running, due an hour ago: late
    wait(d(), NOW)  # running, due right now: overdue, late
    wait(d(), NOW + H)  # running, not yet due: not measured
    wait(d(), NOW + H, answered=NOW - H)  # answered early, due later: not measured yet
    # Ended unanswered (withdrawn) before it was due: nobody needed an answer, not measured.
    monday = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    wait(d(), monday, ended=monday - H)
    # Ended unanswered after it was due (expired late): late.
    wait(d(), monday + H, ended=monday + 2 * H)
    # Last week: two answered in time, one answered a minute late (Sunday night, still its week).
    sunday = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    wait(d(), sunday, answered=sunday - 10 * H)
    wait(d(), sunday - 48 * H, answered=sunday - 49 * H)
    wait(
        d(),
        datetime(2026, 11, 16, 0, 0, tzinfo=UTC),
        answered=datetime(2026, 11, 16, 0, 1, tzinfo=UTC),
    )
    # Long ago: outside the eight weeks.
    wait(
        d(),
        datetime(2026, 9, 1, 12, 0, tzinfo=UTC),
        answered=datetime(2026, 9, 1, 11, 0, tzinfo=UTC),
    )


def test_weekly_share_figures(periods: None) -> None:
    series = staff_answer_share_per_week(now=NOW, weeks=8)
    assert [w.week for w in series] == [
        date(2026, 11, 23) - timedelta(weeks=n) for n in range(7, -1, -1)
    ]
    by_week = {w.week: (w.measured, w.in_time, w.percent) for w in series}
    assert by_week[date(2026, 11, 23)] == (5, 1, 20)
    assert by_week[date(2026, 11, 16)] == (3, 2, 67)
    assert all(by_week[w] == (0, 0, None) for w in by_week if w < date(2026, 11, 16))


def test_the_figures_move_with_now(periods: None) -> None:
    later = NOW + 2 * H
    current = {w.week: (w.measured, w.in_time) for w in staff_answer_share_per_week(now=later)}
    # The two waits due at NOW + 1 h are due now: the running one late, the early answer in time.
    assert current[date(2026, 11, 23)] == (7, 2)


def test_an_empty_database_has_eight_empty_weeks() -> None:
    series = staff_answer_share_per_week(now=NOW)
    assert len(series) == 8
    assert all(w == WeekShare(week=w.week, measured=0, in_time=0) for w in series)


def test_the_weekly_share_is_one_query(periods: None) -> None:
    with CaptureQueriesContext(connection) as ctx:
        staff_answer_share_per_week(now=NOW)
    assert len(ctx.captured_queries) == 1


def test_dashboard_chart_and_table(desk: Client) -> None:
    now = timezone.now()
    for answered in (now - 3 * H, now - 2 * H, None):
        # Due an hour ago, so this week or (on a Monday just after midnight) still measured.
        wait(make_dispute(), now - H, answered=answered)
    cache.clear()
    response = desk.get(DASHBOARD)
    body = response.content.decode()
    week = (now - H).date() - timedelta(days=(now - H).weekday())
    assert '<svg class="echo-chart" id="share-chart" role="img"' in body
    assert (
        'aria-labelledby="share-chart-title"' in body and '<title id="share-chart-title">' in body
    )
    row = (
        f'<tr data-week="{week:%Y-%m-%d}"><td>{week:%Y-%m-%d}</td>'
        "<td>3</td><td>2</td><td>67 %</td></tr>"
    )
    assert row in body
    assert f"Week of {week:%Y-%m-%d}: 67 % (2 of 3) in time" in body
    assert "<script" not in body.split('id="staff-share"')[1].split("</section>")[0]
    assert "Staff waits answered within 24 hours, per week" in body


def test_dashboard_query_count_is_constant_in_waits(desk: Client) -> None:
    now = timezone.now()
    wait(make_dispute(), now - H, answered=now - 2 * H)
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert desk.get(DASHBOARD).status_code == 200
    for n in range(20):
        wait(make_dispute(), now - (n + 1) * 24 * H, answered=now - (n + 1) * 23 * H)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert desk.get(DASHBOARD).status_code == 200
    assert len(few.captured_queries) == len(many.captured_queries)


def test_the_chart_keeps_its_numbers_machine_readable_in_spanish(desk: Client) -> None:
    now = timezone.now()
    for answered in (now - 3 * H, None, None):
        wait(make_dispute(), now - H, answered=answered)
    cache.clear()
    body = desk.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Esperas respondidas por el personal en menos de 24 horas, por semana" in body
    svg = body.split('id="share-chart"')[1].split("</svg>")[0]
    numbers = re.findall(r'\b(?:x|y|x1|y1|x2|y2|width|height)="([^"]*)"', svg)
    assert "<rect" in svg
    # A decimal comma ("12,5") would break the drawing: SVG reads only "12.5".
    assert [n for n in numbers if not re.fullmatch(r"-?\d+(\.\d+)?%?", n)] == []
