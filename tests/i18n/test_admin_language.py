"""The admin's Python-side text (actions, filters, badges, messages, the user's language field)
in Spanish for a member of staff who saved Spanish, and in English by default."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import User
from accounts.services import support_group_ensure
from disputes.models import DisputeStatus
from tests.factories import make_dispute, new_staff

pytestmark = pytest.mark.django_db
QUEUE = "/admin/disputes/dispute/"


def _desk(language: str) -> tuple[User, Client]:
    user = new_staff(language=language)
    user.groups.add(support_group_ensure())
    client = Client()
    client.force_login(user)
    return user, client


def _flashed(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_queue_in_spanish() -> None:
    make_dispute()
    _user, client = _desk("es")
    page = client.get(QUEUE).content.decode()
    assert "Tomar las disputas seleccionadas" in page
    assert "Exportar las seleccionadas a CSV (mensajes públicos)" in page
    assert "Pendiente de respuesta" in page  # the status badge's label
    assert "quedan " in page  # the time-left badge
    assert "Take up the selected disputes" not in page


def test_the_queue_in_english_by_default() -> None:
    make_dispute()
    _user, client = _desk("")
    page = client.get(QUEUE).content.decode()
    assert "Take up the selected disputes" in page
    assert " left</span>" in page


def test_a_bulk_action_reports_in_spanish() -> None:
    waiting = make_dispute()
    reviewing = make_dispute(state=DisputeStatus.UNDER_REVIEW)
    _user, client = _desk("es")
    response = client.post(
        QUEUE,
        {"action": "take_up_selected", "_selected_action": [str(waiting.pk), str(reviewing.pk)]},
    )
    assert response.status_code == 302
    flashed = _flashed(response)
    assert "Se tomaron 1 de 2 disputas." in flashed
    assert any(text.startswith(f"Rechazadas 1: #{reviewing.pk} (") for text in flashed)


def test_the_dispute_page_action_message_in_spanish() -> None:
    dispute = make_dispute()
    _user, client = _desk("es")
    response = client.post(f"/admin/disputes/dispute/{dispute.pk}/take-up/")
    assert _flashed(response) == [f"Disputa n.º {dispute.pk} tomada: ahora está en revisión."]


# The user form's URLField (avatar_url) warns about Django 6's default scheme; not this test's.
@pytest.mark.filterwarnings("ignore::django.utils.deprecation.RemovedInDjango60Warning")
def test_the_user_admin_edits_the_language() -> None:
    desk, client = _desk("es")
    superuser = new_staff(is_superuser=True, language="es")
    client.force_login(superuser)
    page = client.get(f"/admin/accounts/user/{desk.pk}/change/").content.decode()
    assert 'name="language"' in page
    assert "Correos y páginas en este idioma. En blanco, se sigue el idioma del navegador." in page
