"""The hot reads written as plain SQL (docs/benchmarks.md) give what the ORM gave: the same rows,
the same order, the same visibility, the same errors, and one statement each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from disputes import selectors, services
from disputes.models import OPEN_STATUSES, Dispute
from tests.disputes.helpers import client_with_token_for, new_staff, new_user
from tests.factories import make_dispute, make_order

pytestmark = pytest.mark.django_db


def _queries(client: APIClient, method: str, path: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(path)
    assert response.status_code < 300, response.content[:300]
    return len(queries), response.json()


def test_detail_is_one_statement_user_included(client_for: Callable[..., APIClient]) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    for n in range(5):
        services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body=f"m{n}")
    count, body = _queries(client_for(dispute.buyer), "get", f"/api/disputes/{dispute.pk}")
    # The caller's row is read in the same statement (`JWTAuthentication(defer_user=True)`).
    assert count == 1
    assert isinstance(body, dict) and len(body["messages"]) == 5


def test_thread_order_and_notes_follow_the_caller(client_for: Callable[..., APIClient]) -> None:
    staff = new_staff()
    dispute = make_dispute(staff=staff)
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="second")
    services.message_post(actor=staff, dispute_id=dispute.pk, body="a note", visibility="internal")
    services.message_post(actor=dispute.buyer, dispute_id=dispute.pk, body="first")
    # Rewrite the times so that insertion order and thread order differ.
    base = datetime(2026, 3, 1, tzinfo=UTC)
    for offset, body in enumerate(["first", "a note", "second"]):
        dispute.messages.filter(body=body).update(created_at=base + timedelta(minutes=offset))

    def thread(user: User) -> list[tuple[str, str, str]]:
        data = client_for(user).get(f"/api/disputes/{dispute.pk}").json()
        return [(m["message"], m["username"], m["visibility"]) for m in data["messages"]]

    b, s = dispute.buyer.username, dispute.seller.username
    assert thread(dispute.buyer) == [("first", b, "public"), ("second", s, "public")]
    assert thread(staff) == [
        ("first", b, "public"),
        ("a note", staff.username, "internal"),
        ("second", s, "public"),
    ]


@pytest.mark.parametrize("dispute_id", ["999999", "9" * 18])
def test_detail_of_a_missing_dispute_is_404(
    client_for: Callable[..., APIClient], dispute_id: str
) -> None:
    response = client_for(new_user()).get(f"/api/disputes/{dispute_id}")
    assert response.status_code == 404
    assert response.json()["code"] == "dispute_not_found"


def test_detail_of_someone_elses_dispute_is_403_without_the_thread(
    client_for: Callable[..., APIClient],
) -> None:
    dispute = make_dispute()
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="private words")
    response = client_for(new_user()).get(f"/api/disputes/{dispute.pk}")
    assert response.status_code == 403
    assert b"private words" not in response.content


@pytest.fixture
def me_with_disputes() -> User:
    """Eleven disputes, `me` buyer in some and seller in others, some decided, with creation
    times that interleave the roles."""
    me = new_user()
    staff = new_staff()
    for n in range(11):
        other = new_user()
        order = make_order(buyer=me, seller=other) if n % 3 else make_order(buyer=other, seller=me)
        dispute = make_dispute(
            order=order, staff=staff, state="won" if n % 4 == 0 else "needs_response"
        )
        Dispute.objects.filter(pk=dispute.pk).update(
            created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=(n * 7) % 11)
        )
    make_dispute()  # someone else's
    return me


@pytest.mark.parametrize("statuses", [(), OPEN_STATUSES])
def test_plain_party_page_equals_the_orm_slice(
    me_with_disputes: User, statuses: tuple[str, ...]
) -> None:
    me = me_with_disputes
    qs = selectors.disputes_of_party(me).order_by("-created_at", "-id")
    if statuses:
        qs = qs.filter(status__in=statuses)
    for offset in range(0, 13, 2):
        for limit in (1, 3, 51):
            plain = selectors.disputes_page_of_party_plain(
                user_id=me.pk, offset=offset, limit=limit, statuses=statuses
            )
            orm = selectors.disputes_slice_for_party(qs, user_id=me.pk, offset=offset, limit=limit)
            assert [d.pk for d in plain] == [d.pk for d in orm], (offset, limit)
            assert [d.opened_by.username for d in plain if d.opened_by] == [
                d.opened_by.username for d in orm if d.opened_by
            ]


def test_plain_list_rows_equal_the_orm_rows(
    me_with_disputes: User, client_for: Callable[..., APIClient]
) -> None:
    """The plain path (no filter) and the ORM path (a filter that keeps everything) serialise
    the same rows identically: no field lost to the column subset."""
    client = client_for(me_with_disputes)
    plain = client.get("/api/disputes/user/my-disputes").json()
    orm = client.get("/api/disputes/user/my-disputes", {"ordering": "-createdAt"}).json()
    assert len(plain) == 11
    assert plain == orm


def test_party_list_is_one_statement_user_included(
    me_with_disputes: User, client_for: Callable[..., APIClient]
) -> None:
    count, body = _queries(client_for(me_with_disputes), "get", "/api/disputes/user/my-disputes")
    assert count == 1
    assert isinstance(body, list) and len(body) == 11


def test_posting_to_a_missing_or_foreign_dispute(client_for: Callable[..., APIClient]) -> None:
    """The view no longer reads the dispute first: the service's lock answers 404, its policy
    403, and nothing is written."""
    dispute = make_dispute()
    stranger = client_for(new_user())
    before = dispute.messages.count()
    missing = stranger.post("/api/disputes/999999/messages", {"message": "hi"}, format="json")
    foreign = stranger.post(
        f"/api/disputes/{dispute.pk}/messages", {"message": "hi"}, format="json"
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "dispute_not_found")
    assert foreign.status_code == 403
    assert dispute.messages.count() == before


# The list with the user read apart, and the paths that read the user inside their own
# statement (`defer_user`): unfiltered, the detail and my disputes; filtered,
# my disputes reads the user first.
USER_PATHS = [
    "/api/disputes",
    "/api/disputes/{own}",
    "/api/disputes/999999",
    "/api/disputes/user/my-disputes",
    "/api/disputes/user/my-disputes?state=needs_response",
]


@pytest.mark.parametrize("path", USER_PATHS)
@pytest.mark.parametrize("claim", ["abc", "0", str(2**64), None])
def test_a_signed_token_with_a_bad_user_claim_is_401(claim: object, path: str) -> None:
    response = client_with_token_for(claim).get(path.format(own=make_dispute().pk))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", USER_PATHS)
def test_deleted_and_deactivated_users_lose_access_at_once(path: str) -> None:
    gone, idle = new_user(), new_user()
    own = make_dispute(order=make_order(buyer=idle)).pk
    gone_client, idle_client = (
        client_with_token_for(str(gone.pk)),
        client_with_token_for(str(idle.pk)),
    )
    expected = 404 if "999999" in path else 200
    assert idle_client.get(path.format(own=own)).status_code == expected
    gone.delete()
    User.objects.filter(pk=idle.pk).update(is_active=False)
    # 401 before anything else: not 404 for the missing dispute, not 403 for a foreign one.
    for client in (gone_client, idle_client):
        response = client.get(path.format(own=own))
        assert response.status_code == 401, (path, response.content)
        assert response.json()["code"] == "authentication_failed"
        assert "reason" not in response.content.decode()


def test_demoted_staff_lose_staff_reads_at_once(client_for: Callable[..., APIClient]) -> None:
    staff = new_staff()
    dispute = make_dispute()
    client = client_for(staff)
    assert client.get(f"/api/disputes/{dispute.pk}").status_code == 200
    User.objects.filter(pk=staff.pk).update(is_staff=False)
    assert client.get(f"/api/disputes/{dispute.pk}").status_code == 403


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_the_hot_statements_are_prepared_and_still_logged(
    client_for: Callable[..., APIClient],
) -> None:
    """psycopg prepares a statement after `prepare_threshold` runs on a connection; the detail's
    statement must reach that (a plain Django cursor binds client-side and never would), and
    still pass through Django's query logging."""
    dispute = make_dispute()
    client = client_for(dispute.buyer)
    for _ in range(6):
        count, _body = _queries(client, "get", f"/api/disputes/{dispute.pk}")
        assert count == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("accounts_user me" in sql and "disputes_message m" in sql for sql in prepared)
