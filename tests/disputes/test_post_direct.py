"""The direct path of posting a public message (services._message_post_direct): the same rules and
writes as the locked path, in fewer statements, and never a message the checks did not see."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes import policies, services
from disputes.models import Dispute, DisputeEvent, EventType, Message
from disputes.policies import Action
from echo_disputes.errors import Conflict
from tests.disputes.helpers import client_with_token_for, new_staff, new_user
from tests.factories import make_dispute

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the direct path needs PostgreSQL's writable WITH"
)


@pytest.mark.django_db
def test_a_public_post_writes_message_event_and_activity(
    client_for: Callable[..., APIClient],
) -> None:
    dispute = make_dispute(state="under_review")
    before = Dispute.objects.get(pk=dispute.pk)
    client = client_for(dispute.buyer)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/api/disputes/{dispute.pk}/messages", {"message": "  still waiting  "}, format="json"
        )
    assert response.status_code == 201, response.content
    body = response.json()
    # One statement: the caller's row, the checks, the three writes and the parties' addresses.
    assert len(queries) == 1
    message = Message.objects.get(pk=body["id"])
    assert (message.body, message.author_id, message.visibility) == (
        "still waiting",
        dispute.buyer_id,
        "public",
    )
    assert body["message"] == "still waiting" and body["username"] == dispute.buyer.username
    event = DisputeEvent.objects.get(
        dispute=dispute, type=EventType.MESSAGE_POSTED, payload__message_id=message.pk
    )
    assert (event.actor_id, event.payload, event.at) == (
        dispute.buyer_id,
        {"message_id": message.pk},
        message.created_at,
    )
    after = Dispute.objects.get(pk=dispute.pk)
    assert after.status == "under_review"
    assert after.last_activity_at == after.updated_at == message.created_at > before.updated_at


@pytest.mark.django_db
def test_first_response_is_set_once_and_not_by_the_opener() -> None:
    staff = new_staff()
    dispute = make_dispute(state="under_review", staff=staff)
    Dispute.objects.filter(pk=dispute.pk).update(first_response_at=None)
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="me again")
    assert Dispute.objects.get(pk=dispute.pk).first_response_at is None
    first = services.message_post(actor=staff, dispute_id=dispute.pk, body="looking into it")
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="and me")
    assert Dispute.objects.get(pk=dispute.pk).first_response_at == first.created_at


@pytest.mark.django_db
def test_the_respondents_answer_still_moves_the_dispute() -> None:
    dispute = make_dispute()
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="here is tracking")
    assert Dispute.objects.get(pk=dispute.pk).status == "under_review"
    assert DisputeEvent.objects.filter(dispute=dispute, type=EventType.RESPONDED).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "body", "state", "error"),
    [
        ("stranger", "hello", "under_review", "not_allowed"),
        ("buyer", "   ", "under_review", "validation_error"),
        ("buyer", "too late", "won", "dispute_closed"),
    ],
)
def test_refusals_write_nothing(who: str, body: str, state: str, error: str) -> None:
    dispute = make_dispute(state=state, staff=new_staff())
    actor = new_user() if who == "stranger" else dispute.buyer
    counts = (Message.objects.count(), DisputeEvent.objects.count())
    updated = Dispute.objects.get(pk=dispute.pk).updated_at
    with pytest.raises(Exception) as caught:
        services.message_post(actor=actor, dispute_id=dispute.pk, body=body)
    assert getattr(caught.value, "code", None) == error
    assert (Message.objects.count(), DisputeEvent.objects.count()) == counts
    assert Dispute.objects.get(pk=dispute.pk).updated_at == updated


@pytest.mark.django_db(transaction=True)
def test_a_close_between_the_read_and_the_write_wins() -> None:
    """The poster reads the dispute open; before its write lands, staff close it. The write's
    guard (the status the checks saw) refuses, the locked path sees the closed dispute: 409 and
    no message, no event, no activity."""
    dispute = make_dispute(state="under_review", staff=new_staff())
    counts = (Message.objects.count(), DisputeEvent.objects.count())
    settings = connection.settings_dict
    params = {
        "host": settings["HOST"],
        "port": settings["PORT"],
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
    }
    closer = psycopg.connect(**params)
    # pg_stat_activity is a snapshot per transaction: the watcher reads it outside the closer's.
    watcher = psycopg.connect(**params, autocommit=True)
    result: dict[str, Any] = {}

    def post() -> None:
        try:
            services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="one more thing")
        except Exception as exc:
            result["error"] = exc
        finally:
            connection.close()

    try:
        # The closer holds the row (uncommitted), so the poster reads the old status and its
        # write waits on the row lock.
        closer.execute(
            "UPDATE disputes_dispute SET status = 'won', closed_at = now() WHERE id = %s",
            [dispute.pk],
        )
        poster = threading.Thread(target=post)
        poster.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND query ILIKE '%%disputes_message%%'"
            ).fetchone()
            if waiting and waiting[0]:
                break
            time.sleep(0.02)
        else:
            rows = watcher.execute(
                "SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity"
            ).fetchall()
            pytest.fail(f"the poster never reached its write: {result} {rows}")
        closer.commit()
        poster.join(timeout=30)
        assert not poster.is_alive()
    finally:
        closer.close()
        watcher.close()
    assert isinstance(result.get("error"), Conflict)
    assert result["error"].code == "dispute_closed"
    assert (Message.objects.count(), DisputeEvent.objects.count()) == counts


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["direct", "locked"])
@pytest.mark.parametrize("recipient", ["active", "inactive", "no address"])
def test_the_notice_follows_the_one_recipient_rule(
    path: str, recipient: str, django_capture_on_commit_callbacks: Any
) -> None:
    """The direct path reads the other party's address with the dispute, the locked path after
    the commit; both with notifications.address_sql: active accounts with an address only."""
    # Direct: the opener (buyer) writes again under review. Locked: the seller's first answer.
    dispute = make_dispute(state="under_review" if path == "direct" else "needs_response")
    author, other = (
        (dispute.buyer, dispute.seller) if path == "direct" else (dispute.seller, dispute.buyer)
    )
    if recipient == "inactive":
        User.objects.filter(pk=other.pk).update(is_active=False)
    if recipient == "no address":
        User.objects.filter(pk=other.pk).update(email="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_post(actor=author, dispute_id=dispute.pk, body="Tracking: ZX1.")
    expected = [[other.email]] if recipient == "active" else []
    assert [m.to for m in mail.outbox] == expected
    assert Dispute.objects.get(pk=dispute.pk).status == "under_review"


@pytest.mark.django_db
@pytest.mark.parametrize("dispute_path", ["own", "missing"])
@pytest.mark.parametrize("visibility", ["public", "internal"])
def test_posting_reads_the_callers_row_first(dispute_path: str, visibility: str) -> None:
    """The caller's row is read inside the post's first statement (or, for the locked path,
    just before it): a deleted or deactivated user gets 401 before any 404, and nothing is
    written."""
    staff = new_staff()
    dispute = make_dispute(state="under_review", staff=staff)
    target = dispute.pk if dispute_path == "own" else 999_999
    gone, idle = new_user(), staff
    gone_client = client_with_token_for(str(gone.pk))
    idle_client = client_with_token_for(str(idle.pk))
    gone.delete()
    User.objects.filter(pk=idle.pk).update(is_active=False)
    counts = (Message.objects.count(), DisputeEvent.objects.count())
    bad_claims = [client_with_token_for(claim) for claim in ("abc", "0", str(2**64))]
    for client in (gone_client, idle_client, *bad_claims):
        response = client.post(
            f"/api/disputes/{target}/messages",
            {"message": "hello", "visibility": visibility},
            format="json",
        )
        assert response.status_code == 401, response.content
        assert response["WWW-Authenticate"].startswith("Bearer")
    assert (Message.objects.count(), DisputeEvent.objects.count()) == counts


@pytest.mark.django_db
def test_a_demoted_staff_member_cannot_post_notes_or_foreign_messages() -> None:
    staff = new_staff()
    dispute = make_dispute(state="under_review", staff=staff)
    client = client_with_token_for(str(staff.pk))
    path = f"/api/disputes/{dispute.pk}/messages"
    note = client.post(path, {"message": "n", "visibility": "internal"}, format="json")
    public = client.post(path, {"message": "p"}, format="json")
    assert (note.status_code, public.status_code) == (201, 201)
    assert public.json()["username"] == staff.username
    User.objects.filter(pk=staff.pk).update(is_staff=False)
    counts = (Message.objects.count(), DisputeEvent.objects.count())
    note = client.post(path, {"message": "n", "visibility": "internal"}, format="json")
    public = client.post(path, {"message": "p"}, format="json")
    assert (note.status_code, public.status_code) == (403, 403)
    assert (Message.objects.count(), DisputeEvent.objects.count()) == counts


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["needs_response", "under_review", "won", "lost", "closed"])
@pytest.mark.parametrize("opener", ["buyer", "seller"])
def test_the_one_statement_writes_exactly_what_the_rules_allow(state: str, opener: str) -> None:
    """policies.post_message_sql and the statement's other conditions against the Python rules,
    for every role, status and opener: the one statement writes exactly when `policies.can`
    allows, the dispute is open and the message moves no status; otherwise it writes nothing
    and leaves the answer to the slower paths."""
    staff = new_staff()
    dispute = make_dispute(state=state, opener=opener, staff=staff)
    idle_staff = new_staff()
    User.objects.filter(pk=idle_staff.pk).update(is_active=False)
    idle_staff.refresh_from_db()
    idle_buyer = dispute.buyer
    actors = {
        "buyer": dispute.buyer,
        "seller": dispute.seller,
        "staff": staff,
        "stranger": new_user(),
        "inactive staff": idle_staff,
    }
    for role, actor in actors.items():
        fresh = Dispute.objects.get(pk=dispute.pk)
        expected = (
            policies.can(actor, Action.POST_MESSAGE, fresh)
            and not fresh.is_terminal
            and not (actor.pk == fresh.respondent_id and fresh.status == "needs_response")
        )
        counts = (Message.objects.count(), DisputeEvent.objects.count())
        posted = services._message_post_one_statement(
            actor=actor, dispute_id=dispute.pk, body=f"from {role}"
        )
        assert (posted is not None) == expected, (role, state, opener)
        written = (Message.objects.count(), DisputeEvent.objects.count())
        assert written == ((counts[0] + 1, counts[1] + 1) if expected else counts), role
        assert Dispute.objects.get(pk=dispute.pk).status == state
    # A deactivated party is refused too, as the policy refuses it.
    User.objects.filter(pk=idle_buyer.pk).update(is_active=False)
    assert (
        services._message_post_one_statement(actor=idle_buyer, dispute_id=dispute.pk, body="x")
        is None
    )
