"""The queue shows staff which reminders went out (a column and a filter), at a query count that
does not grow with the rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes import services
from disputes.models import Dispute
from tests.factories import make_dispute
from tests.reminders.helpers import HOUR, due_in

QUEUE = "/admin/disputes/dispute/"
pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[int]:
    assert response.status_code == 200, response.content[:500]
    return sorted(d.pk for d in response.context["cl"].result_list)


@pytest.fixture
def sent() -> dict[str, Dispute]:
    """One dispute with no reminder, one with the 72-hour one, one with both."""
    now = timezone.now()
    none = due_in(make_dispute(), timedelta(days=5), now=now)
    first = due_in(make_dispute(), 60 * HOUR, now=now)
    both = due_in(make_dispute(), 60 * HOUR, now=now)
    assert services.reminders_send(now=now) == 2
    assert services.reminders_send(now=now + 40 * HOUR) == 2  # both 24h: first's and both's
    Dispute.objects.filter(pk=first.pk).update(reminded_24h_at=None)
    return {"none": none, "72h": first, "both": both}


def test_the_column_shows_a_badge_per_reminder_sent(desk: Client, sent: dict[str, Any]) -> None:
    html = desk.get(QUEUE).content.decode()
    assert '<th scope="col" class="column-reminders_display">' in html
    both = Dispute.objects.get(pk=sent["both"].pk)
    assert (
        '<span class="echo-badge echo-muted echo-reminded" title="reminded '
        f'{both.reminded_72h_at:%Y-%m-%d %H:%M} UTC">72h</span> '
        '<span class="echo-badge echo-muted echo-reminded" title="reminded '
        f'{both.reminded_24h_at:%Y-%m-%d %H:%M} UTC">24h</span>'
    ) in html
    assert html.count('class="echo-badge echo-muted echo-reminded"') == 3


@pytest.mark.parametrize(
    ("value", "expected"), [("72h", ["72h", "both"]), ("24h", ["both"]), ("none", ["none"])]
)
def test_the_reminder_filter(
    desk: Client, sent: dict[str, Dispute], value: str, expected: list[str]
) -> None:
    assert listed(desk.get(QUEUE, {"reminded": value})) == sorted(
        sent[name].pk for name in expected
    )


def test_an_unknown_reminder_value_is_the_admins_error_flag_not_a_500(desk: Client) -> None:
    response = desk.get(QUEUE, {"reminded": "12h"})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_sidebar_lists_the_reminder_filter(desk: Client) -> None:
    html = desk.get(QUEUE).content.decode()
    for label in ("72 h reminder sent", "24 h reminder sent", "No reminder sent"):
        assert label in html


def test_queue_query_count_stays_constant_with_reminders_sent(desk: Client) -> None:
    now = timezone.now()
    due_in(make_dispute(), 20 * HOUR, now=now)
    services.reminders_send(now=now)
    with CaptureQueriesContext(connection) as one:
        assert len(listed(desk.get(QUEUE))) == 1
    for _ in range(19):
        due_in(make_dispute(), 20 * HOUR, now=now)
    services.reminders_send(now=now)
    with CaptureQueriesContext(connection) as twenty:
        assert len(listed(desk.get(QUEUE))) == 20
    assert len(one.captured_queries) == len(twenty.captured_queries)
    with CaptureQueriesContext(connection) as filtered:
        assert len(listed(desk.get(QUEUE, {"reminded": "24h"}))) == 20
    assert len(filtered.captured_queries) == len(twenty.captured_queries)
