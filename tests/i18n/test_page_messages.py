"""The pages' Python-side text (permission refusals, flash messages, form labels and errors) in
the user's saved language."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from accounts.models import User
from disputes.models import Dispute
from tests.factories import make_dispute, make_order, new_user

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dispute() -> Dispute:
    return make_dispute(order=make_order(buyer=new_user(), seller=new_user(language="es")))


def _flashed(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_refusal_page_in_spanish(dispute: Dispute) -> None:
    # The seller did not open the dispute: only the buyer may withdraw it.
    response = _client(dispute.seller).get(f"/disputes/{dispute.pk}/withdraw/")
    assert response.status_code == 403
    assert "Solo el usuario que abrió esta disputa puede retirarla." in response.content.decode()


def test_a_flash_message_in_spanish(dispute: Dispute) -> None:
    response = _client(dispute.seller).post(
        f"/disputes/{dispute.pk}/", {"message": "Se lo envié el lunes."}
    )
    assert response.status_code == 302
    assert _flashed(response) == ["Su mensaje se publicó."]


def test_a_form_error_in_spanish(dispute: Dispute) -> None:
    response = _client(dispute.seller).post(f"/disputes/{dispute.pk}/", {"message": ""})
    assert response.status_code == 400
    assert "Escriba un mensaje antes de enviarlo." in response.content.decode()


def test_the_open_form_labels_in_spanish() -> None:
    order = make_order(buyer=new_user(language="es"))
    page = _client(order.buyer).get(f"/disputes/orders/{order.pk}/open/").content.decode()
    assert f"Importe en disputa ({order.currency})" in page
    assert "Qué salió mal" in page
    assert "Producto no recibido" in page


def test_the_same_pages_in_english_by_default(dispute: Dispute) -> None:
    response = _client(dispute.buyer).post(
        f"/disputes/{dispute.pk}/", {"message": "Any news on this?"}
    )
    assert _flashed(response) == ["Your message was posted."]
