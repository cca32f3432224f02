"""Saved replies in the admin: who keeps them, the form refusing a bad template before anything
is stored, the services behind the form, and the list's query count."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from disputes import services
from disputes.models import SavedReply, Visibility
from echo_disputes.errors import InvalidInput, NotAllowed
from tests.factories import new_staff, new_user

pytestmark = pytest.mark.django_db

LIST = "/admin/disputes/savedreply/"
ADD = LIST + "add/"


def change(reply: SavedReply) -> str:
    return f"{LIST}{reply.pk}/change/"


def make_reply(
    actor: User, title: str, body: str = "Hello {buyer}.", **fields: object
) -> SavedReply:
    return services.saved_reply_save(
        actor=actor, reply=SavedReply(title=title, body=body, **fields)
    )


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Ask for tracking number",
        "body": "Hello {seller}, please send the tracking number for order {order}.",
        "visibility": "public",
        "active": "on",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_staff_add_a_saved_reply(desk: Client, support: User) -> None:
    response = desk.post(ADD, form_data())
    assert response.status_code == 302 and response["Location"] == LIST
    reply = SavedReply.objects.get()
    assert (reply.title, reply.visibility, reply.active) == (
        "Ask for tracking number",
        Visibility.PUBLIC,
        True,
    )
    assert reply.body == "Hello {seller}, please send the tracking number for order {order}."
    assert (reply.created_by, reply.updated_by) == (support, support)


def test_an_unknown_placeholder_is_a_form_error_and_nothing_is_stored(desk: Client) -> None:
    response = desk.post(ADD, form_data(body="Hello {customer}, your {order.pk} is late."))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["body"]
    assert errors["body"] == [
        "Unknown placeholder {customer}. The placeholders are: {buyer}, {seller}, {order}, "
        "{item}, {amount}, {refund}, {respond_by}, {dispute}, {reason}, {agent}.",
        "A placeholder is a bare name in braces, such as {buyer}, with no attribute, index, "
        "conversion or format: {order.pk}.",
    ]
    assert "Unknown placeholder {customer}." in response.content.decode()
    assert not SavedReply.objects.exists()


def test_editing_to_a_bad_template_keeps_the_stored_one(desk: Client, support: User) -> None:
    reply = make_reply(support, "Refund approved", "A refund of {amount} is on its way.")
    response = desk.post(change(reply), form_data(title="Refund approved", body="Refund {"))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["body"]
    reply.refresh_from_db()
    assert reply.body == "A refund of {amount} is on its way."


def test_the_title_is_unique_in_any_case(desk: Client, support: User) -> None:
    make_reply(support, "Refund approved")
    response = desk.post(ADD, form_data(title="REFUND APPROVED"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["__all__"] == [
        "A saved reply with this title already exists."
    ]
    assert SavedReply.objects.count() == 1


def test_staff_edit_retire_and_delete(desk: Client, support: User) -> None:
    other = new_staff(username="creator")
    reply = make_reply(other, "Waiting for the carrier")
    response = desk.post(
        change(reply),
        {
            "title": "Waiting for the carrier",
            "body": "We asked the carrier about {order}.",
            "visibility": "internal",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.body, reply.visibility, reply.active) == (
        "We asked the carrier about {order}.",
        Visibility.INTERNAL,
        False,
    )
    assert (reply.created_by, reply.updated_by) == (other, support)
    response = desk.post(f"{LIST}{reply.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SavedReply.objects.exists()


def test_the_list_searches_title_and_body(desk: Client, support: User) -> None:
    make_reply(support, "Refund approved", "A refund of {amount}.")
    make_reply(support, "Ask for tracking number", "Send the tracking number, {seller}.")
    titles = lambda q: [r.title for r in desk.get(LIST, {"q": q}).context["cl"].result_list]  # noqa: E731
    assert titles("tracking") == ["Ask for tracking number"]
    assert titles("refund of") == ["Refund approved"]


@pytest.mark.parametrize("who", ["anonymous", "party", "inactive staff"])
def test_only_support_staff_reach_the_saved_replies(
    client_as: Callable[[User | None], Client], support: User, who: str
) -> None:
    reply = make_reply(support, "Refund approved")
    user = {
        "anonymous": None,
        "party": new_user(username="someone"),
        "inactive staff": new_staff(username="gone", is_active=False),
    }[who]
    client = client_as(user)
    for url in (LIST, ADD, change(reply), f"{LIST}{reply.pk}/delete/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert client.post(ADD, form_data(title="Sneaky")).status_code == 302
    assert list(SavedReply.objects.values_list("title", flat=True)) == ["Refund approved"]


def test_the_services_refuse_non_staff(support: User) -> None:
    reply = make_reply(support, "Refund approved")
    party = new_user(username="someone")
    with pytest.raises(NotAllowed):
        services.saved_reply_save(actor=party, reply=SavedReply(title="Mine", body="x"))
    with pytest.raises(NotAllowed):
        services.saved_reply_delete(actor=party, reply_id=reply.pk)
    assert list(SavedReply.objects.values_list("title", flat=True)) == ["Refund approved"]


def test_the_save_service_checks_the_template_and_the_title(support: User) -> None:
    with pytest.raises(InvalidInput) as raised:
        services.saved_reply_save(actor=support, reply=SavedReply(title="Bad", body="{nope}"))
    assert list(raised.value.details) == ["body"]
    make_reply(support, "Refund approved")
    with pytest.raises(InvalidInput) as raised:
        services.saved_reply_save(
            actor=support, reply=SavedReply(title="refund APPROVED", body="Hi.")
        )
    assert raised.value.details == {"__all__": ["A saved reply with this title already exists."]}
    assert SavedReply.objects.count() == 1


def test_changelist_queries_are_constant_in_rows(desk: Client, support: User) -> None:
    editors = [new_staff(username=f"editor{n}") for n in range(6)]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert desk.get(LIST).status_code == 200
        return len(captured)

    make_reply(editors[0], "Reply 0")
    few = queries()
    for n, editor in enumerate(editors[1:], start=1):
        make_reply(editor, f"Reply {n}")
    assert SavedReply.objects.count() == 6
    assert queries() == few


def test_a_title_taken_at_the_same_moment_is_refused_not_a_server_error(
    support: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two agents saving one title at once both pass the model check; the unique index decides.
    Skipping the check stands in for the other agent's save landing in between."""
    make_reply(support, "Refund approved")
    monkeypatch.setattr(SavedReply, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(InvalidInput) as raised:
        make_reply(support, "REFUND approved")
    assert raised.value.details == {"title": ["A saved reply with this title already exists."]}
    assert SavedReply.objects.count() == 1
