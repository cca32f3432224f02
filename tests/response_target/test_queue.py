"""The queue's Staff response column, its sort on the due time and its filter (Overdue / Due
soon / On track / Not waiting), with query counts constant in rows. Times are set in the rows
directly, minutes away from now, so the bands do not depend on how fast the test runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from disputes.admin.queue import DisputeAdmin
from disputes.models import Dispute
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db
QUEUE = "/admin/disputes/dispute/"
# The changelist counts the action checkbox as its first column.
COLUMN = DisputeAdmin.list_display.index("staff_response_display") + 1


def due_in(delta: timedelta | None) -> Dispute:
    dispute = make_dispute()
    if delta is not None:
        now = timezone.now()
        Dispute.objects.filter(pk=dispute.pk).update(
            staff_wait_since=now - timedelta(hours=1), staff_due_at=now + delta
        )
    return Dispute.objects.get(pk=dispute.pk)


@pytest.fixture
def bands() -> dict[str, Dispute]:
    # Made out of due order, so the deadline order of the default queue cannot pass for it.
    made = {
        "idle": due_in(None),
        "soon": due_in(timedelta(hours=1)),
        "on_track": due_in(timedelta(hours=20)),
        "just_late": due_in(-timedelta(minutes=1)),
        "late": due_in(-timedelta(hours=2)),
    }
    return made


def listed(response: Any) -> list[int]:
    assert response.status_code == 200
    return [d.pk for d in response.context["cl"].result_list]


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("overdue", {"late", "just_late"}),
        ("soon", {"soon"}),
        ("on_track", {"on_track"}),
        ("not_waiting", {"idle"}),
    ],
)
def test_filter(desk: Client, bands: dict[str, Dispute], value: str, names: set[str]) -> None:
    got = set(listed(desk.get(QUEUE + f"?staff_response={value}")))
    assert got == {bands[name].pk for name in names}


def test_an_unknown_filter_value_is_refused_not_a_500(desk: Client) -> None:
    response = desk.get(QUEUE + "?staff_response=later")
    assert response.status_code == 302 and "e=1" in response["Location"]


def test_sort_on_the_due_time_both_ways(desk: Client, bands: dict[str, Dispute]) -> None:
    waiting = [bands[n].pk for n in ("late", "just_late", "soon", "on_track")]
    ascending = listed(desk.get(QUEUE + f"?o={COLUMN}"))
    assert ascending == [*waiting, bands["idle"].pk], "the disputes that wait first, soonest due"
    descending = listed(desk.get(QUEUE + f"?o=-{COLUMN}"))
    assert descending == [bands["idle"].pk, *reversed(waiting)]


def test_the_column_shows_time_left_or_overdue(desk: Client, bands: dict[str, Dispute]) -> None:
    body = desk.get(QUEUE).content.decode()
    assert 'class="sortable column-staff_response_display"' in body
    assert ">overdue by 2 h 0 min</span>" in body or ">overdue by 1 h 59 min</span>" in body
    assert ">in 19 h 59 min</span>" in body or ">in 20 h 0 min</span>" in body


@pytest.mark.parametrize("query", ["", "?staff_response=overdue", f"?o={COLUMN}"])
def test_query_count_is_constant_in_rows(desk: Client, query: str) -> None:
    for _ in range(3):
        due_in(-timedelta(hours=1))
    with CaptureQueriesContext(connection) as few:
        assert desk.get(QUEUE + query).status_code == 200
    for _ in range(27):
        due_in(-timedelta(hours=1))
    with CaptureQueriesContext(connection) as many:
        assert len(listed(desk.get(QUEUE + query))) == 30
    assert len(few.captured_queries) == len(many.captured_queries)
