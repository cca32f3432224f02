"""The pages and the admin customisations in Spanish: chosen by Accept-Language, by the language
switch (a cookie) or by a signed-in user's saved language; dates and amounts written the
Spanish way ("1 de diciembre de 2026 a las 15:04", "100,00 €"); English, with its own formats,
by default."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from accounts.models import User
from accounts.services import support_group_ensure
from disputes import services
from disputes.models import Dispute
from orders.models import Order
from tests.factories import make_dispute, new_staff, new_user

pytestmark = pytest.mark.django_db

NBSP = "\xa0"  # CLDR puts a no-break space between the amount and the euro sign.
WHEN = datetime(2026, 12, 1, 15, 4, tzinfo=UTC)
WHEN_ES = "1 de diciembre de 2026 a las 15:04 UTC"
WHEN_EN = "Dec. 1, 2026, 3:04 p.m. UTC"
RESPOND_BY = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)
RESPOND_BY_ES = "15 de diciembre de 2026 a las 09:30 UTC"

Browser = Callable[..., Client]


@pytest.fixture
def browser() -> Browser:
    """A client whose every request asks for `language` (None: no Accept-Language at all)."""

    def make(user: User | None = None, language: str | None = "es") -> Client:
        headers: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        client = Client(**headers)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def dispute(order: Order) -> Dispute:
    dispute = make_dispute(order=order)
    Dispute.objects.filter(pk=dispute.pk).update(created_at=WHEN, respond_by=RESPOND_BY)
    Order.objects.filter(pk=order.pk).update(created_at=WHEN)
    dispute.refresh_from_db()
    return dispute


def page(client: Client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def language_switch(html: str) -> str:
    match = re.search(r'<form method="post" action="/i18n/setlang/".*?</form>', html, re.S)
    assert match is not None, "no language switch on the page"
    return match.group()


def test_login_page_in_spanish_with_the_switch(browser: Browser) -> None:
    html = page(browser(), "/accounts/login/")
    assert '<html lang="es">' in html
    assert "<title>Iniciar sesión · Disputas ECHO</title>" in html
    assert (
        "Inicie sesión con el correo electrónico y la contraseña de su cuenta del marketplace."
        in html
    )
    assert '<a class="skip-link" href="#main">Saltar al contenido principal</a>' in html
    switch = language_switch(html)
    assert '<label for="language-select">Idioma</label>' in switch
    assert '<input type="hidden" name="next" value="/accounts/login/">' in switch
    assert '<option value="es" lang="es" selected>Español</option>' in switch
    assert '<option value="en" lang="en">English</option>' in switch
    assert '<button type="submit" class="button button--quiet">Cambiar idioma</button>' in switch


def test_english_is_the_default(browser: Browser, buyer: User, dispute: Dispute) -> None:
    login = page(browser(language=None), "/accounts/login/")
    assert '<html lang="en">' in login
    assert "<title>Log in · ECHO Disputes</title>" in login
    assert '<option value="en" lang="en" selected>English</option>' in language_switch(login)
    html = page(browser(buyer, language=None), "/disputes/")
    assert f"{WHEN_EN}</time>" in html
    assert "<dt>Amount</dt><dd>€100.00</dd>" in html


def test_a_language_not_offered_falls_back_to_english(browser: Browser) -> None:
    assert '<html lang="en">' in page(browser(language="fr-FR,fr;q=0.9"), "/accounts/login/")


def test_a_regional_spanish_gets_spanish(browser: Browser) -> None:
    assert '<html lang="es">' in page(
        browser(language="es-MX,es;q=0.9,en;q=0.5"), "/accounts/login/"
    )


def test_disputes_list_in_spanish(browser: Browser, buyer: User, dispute: Dispute) -> None:
    html = page(browser(buyer), "/disputes/")
    assert "<title>Mis disputas · Disputas ECHO</title>" in html
    assert f"Disputa n.º {dispute.pk}: {dispute.order.item.title}</a>" in html
    assert "<dt>Usted es</dt><dd>el comprador (vendedor: seller)</dd>" in html
    assert f"<dt>Importe</dt><dd>100,00{NBSP}€</dd>" in html
    assert f"{WHEN_ES}</time>" in html
    assert "Quedan " in html and " para responder</span>" in html
    assert 'aria-label="Filtrar disputas"' in html
    assert '<button type="submit" class="button">Filtrar</button>' in html
    assert '<input type="hidden" name="next" value="/disputes/">' in language_switch(html)


def test_thread_page_in_spanish_for_the_buyer(
    browser: Browser, buyer: User, dispute: Dispute
) -> None:
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Lo envié el lunes.")
    html = page(browser(buyer), f"/disputes/{dispute.pk}/")
    assert f"<title>Disputa n.º {dispute.pk} · Disputas ECHO</title>" in html
    assert '<h2 id="summary-heading">Resumen</h2>' in html
    assert (
        f'<dt>Importe en disputa</dt><dd>100,00{NBSP}€ <span class="muted">de 100,00{NBSP}€</span>'
        in html
    )
    assert (
        '<dt>Plazo de respuesta</dt><dd><time datetime="2026-12-15T09:30:00+00:00">'
        f"{RESPOND_BY_ES}</time>" in html
    )
    assert (
        '<dt>Abierta por</dt><dd>buyer (usted), <time datetime="2026-12-01T15:04:00+00:00">'
        f"{WHEN_ES}</time>" in html
    )
    assert "<dt>Comprador</dt><dd>buyer (usted)</dd>" in html
    assert "<dt>Vendedor</dt><dd>seller</dd>" in html
    assert '<article aria-label="Mensaje de seller">' in html
    assert '<span class="role">vendedor</span>' in html
    assert '<h2 id="messages-heading">Mensajes (1)</h2>' in html
    assert "<h3>Escribir un mensaje</h3>" in html
    assert '<h2 id="withdraw-heading">Retirar</h2>' in html
    assert "Pedir al personal de soporte que decida…</a>" in html
    assert '<h2 id="timeline-heading">Cronología</h2>' in html


def test_thread_page_in_spanish_for_the_seller(
    browser: Browser, seller: User, dispute: Dispute
) -> None:
    services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("12.50"), note="")
    services.message_post(actor=seller, dispute_id=dispute.pk, body="Lo envié el lunes.")
    html = page(browser(seller), f"/disputes/{dispute.pk}/")
    assert "<dt>Vendedor</dt><dd>seller (usted)</dd>" in html
    assert '<span class="role">vendedor, usted</span>' in html
    assert f'<h3 id="open-offer-heading">Oferta abierta: reembolso de 12,50{NBSP}€</h3>' in html
    assert "Ofrecida por seller (usted), " in html
    assert "Esperando a que la otra parte acepte o rechace." in html
    assert "Retirar mi oferta</button>" in html
    assert f'<span class="timeline__amount">12,50{NBSP}€</span>' in html
    # Only the opener may withdraw the dispute.
    assert "withdraw-heading" not in html


def test_open_dispute_form_with_an_error_in_spanish(
    browser: Browser, buyer: User, order: Order
) -> None:
    response = browser(buyer).post(
        f"/disputes/orders/{order.pk}/open/",
        {"reason_code": "product_not_received", "reason": "", "amount": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f"<title>Error: Abrir una disputa sobre el pedido n.º {order.pk} · Disputas ECHO</title>"
        in html
    )
    assert '<p class="alert__title">Corrija el campo marcado más abajo.</p>' in html
    assert '<span class="required">(obligatorio)</span>' in html
    assert '<span class="visually-hidden">Error: </span>' in html
    assert "<p>100,00" + NBSP + "€, " in html
    assert "Usted es el comprador (vendedor: seller)." in html
    assert '<button type="submit" class="button">Abrir una disputa</button>' in html


def test_order_pages_in_spanish(browser: Browser, buyer: User, dispute: Dispute) -> None:
    order = dispute.order
    client = browser(buyer)
    listing = page(client, "/orders/")
    assert "<h1>Mis pedidos</h1>" in listing
    assert f"<dt>Precio</dt><dd>100,00{NBSP}€</dd>" in listing
    assert (
        '<dt>Pedido el</dt><dd><time datetime="2026-12-01T15:04:00+00:00">'
        "1 de diciembre de 2026</time>" in listing
    )
    assert "Disputa abierta</span>" in listing
    detail = page(client, f"/orders/{order.pk}/")
    assert f"<h1>Pedido n.º {order.pk}: {order.item.title}</h1>" in detail
    assert "<dt>Comprador</dt><dd>buyer (usted)</dd>" in detail
    assert f"{WHEN_ES}</time>" in detail
    assert '<h2 id="disputes-heading">Disputas</h2>' in detail
    assert (
        "Este pedido tiene una disputa abierta: "
        f'<a href="/disputes/{dispute.pk}/">ir a la disputa n.º {dispute.pk}</a>.' in detail
    )


def test_not_found_page_in_spanish(browser: Browser, buyer: User) -> None:
    html = page(browser(buyer), "/disputes/999999/", status=404)
    assert '<html lang="es">' in html
    assert "<title>No encontrada · Disputas ECHO</title>" in html
    assert "<h1>Página no encontrada</h1>" in html
    assert "<p>Aquí no hay nada, o no le corresponde verlo.</p>" in html
    assert '<a href="/disputes/">Ir a mis disputas</a>' in html


def test_forbidden_page_in_spanish(browser: Browser, seller: User, dispute: Dispute) -> None:
    # Only the opener may withdraw: the other party gets the 403 page.
    html = page(browser(seller), f"/disputes/{dispute.pk}/withdraw/", status=403)
    assert "<title>No permitido · Disputas ECHO</title>" in html
    assert "<h1>No puede hacer esto</h1>" in html
    assert '<a href="/disputes/">Ir a mis disputas</a>' in html


def support_agent() -> User:
    agent = new_staff(username="agente", email="agente@example.com")
    agent.groups.add(support_group_ensure())
    return agent


def test_admin_dispute_page_in_spanish(browser: Browser, dispute: Dispute) -> None:
    services.offer_propose(
        actor=dispute.seller, dispute_id=dispute.pk, amount=Decimal("12.50"), note="La mitad."
    )
    html = page(browser(support_agent()), f"/admin/disputes/dispute/{dispute.pk}/change/")
    assert '<html lang="es"' in html
    assert "Volver a la cola</a>" in html
    assert '<h2 id="actions-heading">Actuar sobre esta disputa</h2>' in html
    assert "<h3>Publicar un mensaje o una nota interna</h3>" in html
    assert (
        '<h2 id="offers-heading">Ofertas entre las partes '
        "<small>(1, las más recientes primero, solo lectura)</small></h2>" in html
    )
    assert f"<td>12,50{NBSP}€</td>" in html
    assert f"reembolso ofrecido 12,50{NBSP}€" in html
    # The opening's amount is the amount in dispute, not an offer.
    assert f"importe 100,00{NBSP}€" in html
    assert f"reembolso ofrecido 100,00{NBSP}€" not in html
    assert '<h2 id="timeline-heading">Cronología</h2>' in html


def test_admin_queue_and_dashboard_in_spanish(browser: Browser, dispute: Dispute) -> None:
    client = browser(support_agent())
    queue = page(client, "/admin/disputes/dispute/")
    assert '<a href="/admin/disputes/dispute/dashboard/">Panel</a>' in queue
    assert 'alt="Buscar"' in queue
    dashboard = page(client, "/admin/disputes/dispute/dashboard/")
    assert '<h2 id="open-heading">Disputas abiertas</h2>' in dashboard
    assert '<h2 id="overdue-heading">Vencidas</h2>' in dashboard
    assert "Disputas abiertas por día, últimos 30 días (1 en total)" in dashboard
    assert "<summary>Las mismas cifras en una tabla</summary>" in dashboard
    # The chart's coordinates stay machine numbers: a decimal comma would break the SVG.
    coordinates = re.findall(
        r'<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"', dashboard
    )
    assert coordinates
    assert all(re.fullmatch(r"\d+(\.\d+)?", value) for rect in coordinates for value in rect)
    assert "Datos a " in dashboard and " UTC.</p>" in dashboard


def test_the_switch_is_remembered_by_cookie(browser: Browser) -> None:
    client = browser(language=None)
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    html = page(client, "/accounts/login/")
    assert '<html lang="es">' in html
    assert "<h1>Iniciar sesión</h1>" in html
    # And back to English, over a browser that asks for Spanish.
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "<h1>Log in</h1>" in page(client, "/accounts/login/")


def test_the_switch_from_a_page_saves_the_language_of_a_signed_in_user(
    browser: Browser, buyer: User, dispute: Dispute
) -> None:
    client = browser(buyer, language=None)
    client.post("/i18n/setlang/", {"language": "es", "next": "/disputes/"})
    buyer.refresh_from_db()
    assert buyer.language == "es"
    # Another browser, one that asks for English and has no cookie: the saved language wins.
    elsewhere = browser(buyer, language="en")
    assert "<h1>Mis disputas</h1>" in page(elsewhere, "/disputes/")


def test_the_saved_language_wins_over_the_cookie(browser: Browser, dispute: Dispute) -> None:
    user = new_user(language="en")
    client = browser(user, language="es")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert "<h1>My orders</h1>" in page(client, "/orders/")


@pytest.mark.urls("tests.i18n_pages.urls_boom")
@pytest.mark.parametrize(
    ("language", "lang", "heading"),
    [("es", "es", "Algo ha salido mal"), (None, "en", "Something went wrong")],
)
def test_server_error_page_in_the_request_language(
    browser: Browser, language: str | None, lang: str, heading: str
) -> None:
    client = browser(language=language)
    client.raise_request_exception = False
    html = page(client, "/boom/", status=500)
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html


def test_unavailable_page_in_spanish() -> None:
    # The outage middleware renders 503.html with render_to_string, no request: the language is
    # the one LocaleMiddleware activated for the request.
    with translation.override("es"):
        html = render_to_string("503.html")
    assert '<html lang="es">' in html
    assert "<title>No disponible temporalmente · Disputas ECHO</title>" in html
    assert "El servicio no puede acceder a su base de datos en este momento." in html
