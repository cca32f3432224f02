"""The desk's assignment: the dispute page's forms, the queue's bulk actions, the Assignee column,
the Mine / Unassigned / per-agent filter with query counts constant in rows, and the dashboard's
open disputes per agent."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeEvent, DisputeStatus, EventType
from tests.factories import make_dispute, new_staff, new_user

pytestmark = pytest.mark.django_db
QUEUE = "/admin/disputes/dispute/"
DASHBOARD = "/admin/disputes/dispute/dashboard/"


def flashed(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def assign_url(dispute: Dispute) -> str:
    return f"{QUEUE}{dispute.pk}/assign/"


def listed(response: Any) -> list[int]:
    assert response.status_code == 200
    return [d.pk for d in response.context["cl"].result_list]


def assignee_of(dispute: Dispute) -> int | None:
    return Dispute.objects.values_list("assignee_id", flat=True).get(pk=dispute.pk)


# --- the dispute page ----------------------------------------------------------------------------


def test_page_shows_the_assignment_forms_and_the_assignee(desk: Client, support: User) -> None:
    dispute = make_dispute()
    body = desk.get(f"{QUEUE}{dispute.pk}/change/").content.decode()
    assert 'id="assign-form"' in body and 'id="assign-me-form"' in body
    assert 'id="unassign-form"' not in body, "nothing to unassign yet"
    services.dispute_assign(actor=support, dispute_id=dispute.pk, assignee_id=support.pk)
    body = desk.get(f"{QUEUE}{dispute.pk}/change/").content.decode()
    assert 'id="assign-me-form"' not in body, "already mine"
    assert 'id="unassign-form"' in body
    assert "assignee agent → " not in body
    assert "assignee — → agent" in body, "the timeline names to whom"


def test_assign_to_me_to_another_agent_and_unassign(desk: Client, support: User) -> None:
    dispute = make_dispute()
    other = new_staff(username="second-agent")
    response = desk.post(assign_url(dispute), {"assignee": str(support.pk)})
    assert response.status_code == 302
    assert ("success", f"Dispute #{dispute.pk} is assigned to agent.") in flashed(response)
    assert assignee_of(dispute) == support.pk
    response = desk.post(assign_url(dispute), {"assignee": str(other.pk)})
    assert ("success", f"Dispute #{dispute.pk} is assigned to second-agent.") in flashed(response)
    response = desk.post(assign_url(dispute), {"assignee": ""})
    assert ("success", f"Dispute #{dispute.pk} is unassigned.") in flashed(response)
    assert assignee_of(dispute) is None
    assert list(
        DisputeEvent.objects.filter(dispute=dispute, actor=support)
        .exclude(type=EventType.OPENED)
        .values_list("type", flat=True)
    ) == [EventType.ASSIGNED, EventType.REASSIGNED, EventType.UNASSIGNED]


@pytest.mark.parametrize("kind", ["plain_user", "inactive_staff", "garbage"])
def test_page_refuses_an_assignee_who_is_no_active_agent(
    desk: Client, support: User, kind: str
) -> None:
    dispute = make_dispute()
    value = {
        "plain_user": lambda: str(new_user().pk),
        "inactive_staff": lambda: str(new_staff(is_active=False).pk),
        "garbage": lambda: "me",
    }[kind]()
    response = desk.post(assign_url(dispute), {"assignee": value})
    assert response.status_code == 302
    [(level, text)] = flashed(response)
    assert level == "error" and text.startswith("Refused: ")
    assert assignee_of(dispute) is None


def test_page_refuses_a_decided_dispute(desk: Client, support: User) -> None:
    dispute = make_dispute(state=DisputeStatus.WON)
    response = desk.post(assign_url(dispute), {"assignee": str(support.pk)})
    [(level, text)] = flashed(response)
    assert level == "error" and "decided dispute keeps its assignee" in text


def test_a_party_is_sent_to_the_admin_login(client_as: Any) -> None:
    dispute = make_dispute()
    buyer = User.objects.get(pk=dispute.buyer_id)
    response = client_as(buyer).post(assign_url(dispute), {"assignee": ""})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- the queue -----------------------------------------------------------------------------------


def run(desk: Client, name: str, disputes: list[Dispute], **params: str) -> Any:
    data = {"action": name, "_selected_action": [str(d.pk) for d in disputes], **params}
    return desk.post(QUEUE + "?state=all", data)


def test_bulk_assign_to_me_and_unassign(desk: Client, support: User) -> None:
    first, second = make_dispute(), make_dispute()
    decided = make_dispute(state=DisputeStatus.CLOSED)
    response = run(desk, "assign_selected_to_me", [first, second, decided])
    messages = flashed(response)
    assert ("success", "Assigned 2 of 3 disputes to you.") in messages
    assert messages[-1][0] == "error" and messages[-1][1].startswith(f"Refused 1: #{decided.pk} (")
    assert (assignee_of(first), assignee_of(second)) == (support.pk, support.pk)
    response = run(desk, "unassign_selected", [first, second])
    assert ("success", "Unassigned 2 of 2 disputes.") in flashed(response)
    assert (assignee_of(first), assignee_of(second)) == (None, None)


def test_bulk_assign_to_the_chosen_agent(desk: Client) -> None:
    first, second = make_dispute(), make_dispute()
    other = new_staff(username="second-agent")
    response = run(desk, "assign_selected_to_agent", [first, second], assignee=str(other.pk))
    assert ("success", "Assigned 2 of 2 disputes to second-agent.") in flashed(response)
    assert (assignee_of(first), assignee_of(second)) == (other.pk, other.pk)


@pytest.mark.parametrize("value", ["", "not-an-id"])
def test_bulk_assign_without_a_valid_agent_changes_nothing(desk: Client, value: str) -> None:
    dispute = make_dispute()
    response = run(desk, "assign_selected_to_agent", [dispute], assignee=value)
    [(level, text)] = flashed(response)
    assert level == "error" and "none changed" in text
    assert assignee_of(dispute) is None


def test_bulk_assign_refuses_a_plain_user_as_agent(desk: Client) -> None:
    dispute = make_dispute()
    user = new_user()
    response = run(desk, "assign_selected_to_agent", [dispute], assignee=str(user.pk))
    [(level, text)] = flashed(response)
    assert level == "error" and text.startswith(f"Refused 1: #{dispute.pk} (Only active support")
    assert assignee_of(dispute) is None


def test_queue_shows_the_assignee_column(desk: Client, support: User) -> None:
    dispute = make_dispute()
    services.dispute_assign(actor=support, dispute_id=dispute.pk, assignee_id=support.pk)
    response = desk.get(QUEUE)
    body = response.content.decode()
    assert 'class="column-assignee_display"' in body
    assert '<td class="field-assignee_display">agent</td>' in body


@pytest.fixture
def split(support: User) -> dict[str, Any]:
    other = new_staff(username="second-agent")
    mine, theirs, nobody = make_dispute(), make_dispute(), make_dispute()
    services.dispute_assign(actor=support, dispute_id=mine.pk, assignee_id=support.pk)
    services.dispute_assign(actor=support, dispute_id=theirs.pk, assignee_id=other.pk)
    return {"other": other, "mine": mine, "theirs": theirs, "nobody": nobody}


def test_assignee_filter(desk: Client, split: dict[str, Any]) -> None:
    assert listed(desk.get(QUEUE + "?assignee=mine")) == [split["mine"].pk]
    assert listed(desk.get(QUEUE + "?assignee=none")) == [split["nobody"].pk]
    assert listed(desk.get(QUEUE + f"?assignee={split['other'].pk}")) == [split["theirs"].pk]
    assert sorted(listed(desk.get(QUEUE))) == sorted(d.pk for k, d in split.items() if k != "other")


def test_assignee_filter_lists_all_mine_unassigned_and_each_agent(
    desk: Client, split: dict[str, Any]
) -> None:
    new_staff(username="idle-agent")
    new_staff(username="gone-agent", is_active=False)
    response = desk.get(QUEUE)
    [spec] = [
        f
        for f in response.context["cl"].filter_specs
        if getattr(f, "parameter_name", "") == "assignee"
    ]
    labels = [str(choice["display"]) for choice in spec.choices(response.context["cl"])]
    # Every active support agent (make_dispute's deciding staff too), by username; no one else.
    agents = sorted(
        User.objects.filter(is_staff=True, is_active=True).values_list("username", flat=True)
    )
    # (Sorted here: PostgreSQL's collation may order punctuation unlike Python.)
    assert labels[:3] == ["All", "Mine", "Unassigned"]
    assert sorted(labels[3:]) == agents
    assert {"agent", "idle-agent", "second-agent"} <= set(agents)
    assert "gone-agent" not in labels


def test_an_unknown_assignee_value_is_refused_not_a_500(desk: Client) -> None:
    response = desk.get(QUEUE + "?assignee=somebody")
    assert response.status_code == 302 and "e=1" in response["Location"]


@pytest.mark.parametrize("query", ["?assignee=mine", "?assignee=none", "?assignee={other}", ""])
def test_queue_query_count_is_constant_in_rows(
    desk: Client, support: User, query: str, split: dict[str, Any]
) -> None:
    url = QUEUE + query.format(other=split["other"].pk)

    def grow(n: int) -> None:
        for index in range(n):
            dispute = make_dispute()
            owner = (support.pk, split["other"].pk, None)[index % 3]
            services.dispute_assign(actor=support, dispute_id=dispute.pk, assignee_id=owner)

    with CaptureQueriesContext(connection) as few:
        assert desk.get(url).status_code == 200
    grow(27)
    with CaptureQueriesContext(connection) as many:
        response = desk.get(url)
    assert len(listed(response)) >= 9
    assert len(few.captured_queries) == len(many.captured_queries)


# --- the dashboard -------------------------------------------------------------------------------


def test_dashboard_counts_open_disputes_per_agent(
    desk: Client, support: User, split: dict[str, Any]
) -> None:
    make_dispute(state=DisputeStatus.CLOSED)
    body = desk.get(DASHBOARD).content.decode()
    assert '<tr data-assignee="none">' in body
    rows = {
        agent.assignee_id: (agent.username, agent.open_disputes)
        for agent in desk.get(DASHBOARD).context["per_agent"]
    }
    assert rows == {
        None: (None, 1),
        support.pk: ("agent", 1),
        split["other"].pk: ("second-agent", 1),
    }


def test_dashboard_query_count_is_constant_in_agents_and_disputes(
    desk: Client, support: User
) -> None:
    make_dispute()
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert desk.get(DASHBOARD).status_code == 200
    for n in range(6):
        agent = new_staff(username=f"extra-agent-{n}")
        for _ in range(2):
            dispute = make_dispute()
            services.dispute_assign(actor=support, dispute_id=dispute.pk, assignee_id=agent.pk)
            services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="My side.")
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = desk.get(DASHBOARD)
    assert len(response.context["per_agent"]) == 7
    assert len(few.captured_queries) == len(many.captured_queries)
