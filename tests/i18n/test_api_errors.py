"""API errors follow Accept-Language: `error` and the messages of `details` in Spanish for `es`,
English by default and for a language not offered; `code` never changes. DRF's and simplejwt's
own messages come out Spanish too, and so do the answers of the middlewares that run before
LocaleMiddleware. The finance API answers the payment provider in English always."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import User
from echo_disputes import settings as production
from orders.models import Order, OrderStatus
from tests.assertions import assert_error
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/users/login"
REGISTER = "/api/users/register"


def both(request: Callable[[str], Any], status: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The English and the Spanish answer of one request: same status, same code."""
    english = assert_error(request("en"), status)
    spanish = assert_error(request("es"), status)
    assert spanish["code"] == english["code"]
    assert set(spanish["details"]) == set(english["details"])
    return english, spanish


def test_400_validation_details_in_spanish(api: APIClient) -> None:
    english, spanish = both(
        lambda lang: api.post(LOGIN, {}, format="json", HTTP_ACCEPT_LANGUAGE=lang), 400
    )
    assert english == {
        "error": "email: This field is required.",
        "code": "validation_error",
        "details": {"email": ["This field is required."], "password": ["This field is required."]},
    }
    required = ["Este campo es obligatorio."]
    assert spanish == {
        "error": "email: Este campo es obligatorio.",
        "code": "validation_error",
        "details": {"email": required, "password": required},
    }


def test_400_domain_error_with_placeholders_in_spanish(
    client_for: Callable[..., APIClient], buyer: User, order: Order
) -> None:
    body = {"orderId": order.pk, "reasonCode": "general", "reason": "short"}
    english, spanish = both(
        lambda lang: client_for(buyer).post(
            "/api/disputes", body, format="json", HTTP_ACCEPT_LANGUAGE=lang
        ),
        400,
    )
    assert english["error"] == "The reason must be at least 10 characters."
    assert spanish["error"] == "El motivo debe tener al menos 10 caracteres."
    assert spanish["details"] == {"reason": ["Al menos 10 caracteres."]}
    assert spanish["code"] == "validation_error"


def test_400_unknown_fields_in_spanish(api: APIClient) -> None:
    _english, spanish = both(
        lambda lang: api.post(
            LOGIN,
            {"email": "a@example.com", "password": "x", "colour": "red"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        ),
        400,
    )
    assert spanish["details"] == {"colour": ["Campo desconocido."]}


def test_401_simplejwt_in_spanish(api: APIClient) -> None:
    english, spanish = both(
        lambda lang: api.get(
            "/api/orders", HTTP_AUTHORIZATION="Bearer abc.def.ghi", HTTP_ACCEPT_LANGUAGE=lang
        ),
        401,
    )
    assert english["error"] == "Given token not valid for any token type"
    assert spanish["error"] == "El token dado no es valido para ningun tipo de token"
    assert spanish["code"] == "authentication_failed"


def test_401_without_credentials_in_spanish(api: APIClient) -> None:
    _english, spanish = both(lambda lang: api.get("/api/orders", HTTP_ACCEPT_LANGUAGE=lang), 401)
    assert spanish == {
        "error": "Las credenciales de autenticación no se proveyeron.",
        "code": "not_authenticated",
        "details": {},
    }


def test_401_wrong_password_in_spanish(api: APIClient, buyer: User) -> None:
    _english, spanish = both(
        lambda lang: api.post(
            LOGIN,
            {"email": buyer.email, "password": "not-the-password"},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        ),
        401,
    )
    assert spanish["error"] == "Correo electrónico o contraseña no válidos."
    assert spanish["code"] == "invalid_credentials"


def test_403_in_spanish(client_for: Callable[..., APIClient], stranger: User, order: Order) -> None:
    english, spanish = both(
        lambda lang: client_for(stranger).get(f"/api/orders/{order.pk}", HTTP_ACCEPT_LANGUAGE=lang),
        403,
    )
    assert english["error"] == "You may not do this to this order."
    assert spanish["error"] == "No puede hacer esto con este pedido."
    assert spanish["code"] == "permission_denied"


def test_403_webhooks_for_staff_only_in_spanish(
    client_for: Callable[..., APIClient], buyer: User
) -> None:
    _english, spanish = both(
        lambda lang: client_for(buyer).get("/api/webhooks/endpoints", HTTP_ACCEPT_LANGUAGE=lang),
        403,
    )
    assert spanish["error"] == "Solo el personal de soporte gestiona los webhooks."


def test_404_in_spanish(client_for: Callable[..., APIClient], buyer: User) -> None:
    english, spanish = both(
        lambda lang: client_for(buyer).get("/api/orders/424242", HTTP_ACCEPT_LANGUAGE=lang), 404
    )
    assert (english["error"], spanish["error"]) == ("Order not found", "Pedido no encontrado")
    assert spanish["code"] == "not_found"


def test_404_of_an_unknown_url_in_spanish(api: APIClient) -> None:
    _english, spanish = both(lambda lang: api.get("/api/nope", HTTP_ACCEPT_LANGUAGE=lang), 404)
    assert spanish == {"error": "No encontrado.", "code": "not_found", "details": {}}


def test_409_in_spanish(client_for: Callable[..., APIClient], seller: User, order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    english, spanish = both(
        lambda lang: client_for(seller).patch(
            f"/api/orders/{order.pk}/status", {"status": "PENDING"}, HTTP_ACCEPT_LANGUAGE=lang
        ),
        409,
    )
    assert english["error"] == "An order cannot move from CANCELLED to PENDING."
    assert spanish["error"] == "Un pedido no puede pasar de CANCELLED a PENDING."
    assert spanish["code"] == "order_transition_not_allowed"


def test_409_with_details_in_spanish(api: APIClient, buyer: User) -> None:
    english, spanish = both(
        lambda lang: api.post(
            REGISTER,
            {"email": buyer.email, "username": f"other-{lang}", "password": PASSWORD},
            format="json",
            HTTP_ACCEPT_LANGUAGE=lang,
        ),
        409,
    )
    assert english["details"] == {"email": ["An account with this email already exists."]}
    assert spanish == {
        "error": "Ya existe una cuenta con este correo electrónico.",
        "code": "email_taken",
        "details": {"email": ["Ya existe una cuenta con este correo electrónico."]},
    }


def test_429_lockout_in_spanish(api: APIClient, buyer: User, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = production.AXES_FAILURE_LIMIT
    settings.AXES_COOLOFF_TIME = production.AXES_COOLOFF_TIME
    wrong = {"email": buyer.email, "password": "not-the-password"}
    for _attempt in range(production.AXES_FAILURE_LIMIT):
        api.post(LOGIN, wrong, format="json")
    english, spanish = both(
        lambda lang: api.post(LOGIN, wrong, format="json", HTTP_ACCEPT_LANGUAGE=lang), 429
    )
    minutes = int(production.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert english["error"] == (
        "Too many failed logins for this account or from this address. Logging in is locked "
        f"for {minutes} minutes; try again after that."
    )
    assert spanish["error"] == (
        "Demasiados inicios de sesión fallidos para esta cuenta o desde esta dirección. El "
        f"inicio de sesión está bloqueado durante {minutes} minutos; vuelva a intentarlo después."
    )
    assert spanish["code"] == english["code"] == "locked_out"


def test_414_before_locale_middleware_in_spanish(api: APIClient) -> None:
    path = "/api/orders?q=" + "a" * settings.URL_MAX_LENGTH
    _english, spanish = both(lambda lang: api.get(path, HTTP_ACCEPT_LANGUAGE=lang), 414)
    assert spanish["error"] == f"La URL tiene más de {settings.URL_MAX_LENGTH} caracteres."
    assert spanish["code"] == "uri_too_long"


def test_control_characters_before_locale_middleware_in_spanish(api: APIClient) -> None:
    _english, spanish = both(
        lambda lang: api.get("/api/orders?q=a%00b", HTTP_ACCEPT_LANGUAGE=lang), 400
    )
    assert spanish == {
        "error": "El parámetro de consulta 'q' contiene un carácter de control.",
        "code": "invalid_characters",
        "details": {"q": ["No se permiten caracteres de control."]},
    }


@pytest.mark.parametrize("accept", ["", "fr", "de-DE,fr;q=0.9", "xx", "*"])
def test_english_by_default_and_for_a_language_not_offered(api: APIClient, accept: str) -> None:
    if accept:
        api.credentials(HTTP_ACCEPT_LANGUAGE=accept)
    body = assert_error(api.post(LOGIN, {}, format="json"), 400, "validation_error")
    assert body["details"]["email"] == ["This field is required."]


@pytest.mark.parametrize("accept", ["es-MX", "es-ES,es;q=0.9,en;q=0.5", "fr;q=0.9,es;q=0.8"])
def test_spanish_variants_are_spanish(api: APIClient, accept: str) -> None:
    body = assert_error(
        api.post(LOGIN, {}, format="json", HTTP_ACCEPT_LANGUAGE=accept), 400, "validation_error"
    )
    assert body["details"]["email"] == ["Este campo es obligatorio."]


def test_the_finance_api_answers_in_english_always(
    client_for: Callable[..., APIClient], buyer: User
) -> None:
    client = client_for(buyer)
    path = "/openapi/2024-07/shoplazza-payment/disputes/424242"
    english = client.get(path)
    spanish = client.get(path, HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.status_code == english.status_code == 403
    assert spanish.json() == english.json()
    assert spanish["Content-Language"] == "en"
    unauthenticated = APIClient().get(path, HTTP_ACCEPT_LANGUAGE="es")
    assert unauthenticated.json() == {
        "code": "Unauthorized",
        "message": "Authentication credentials were not provided.",
    }


def test_the_api_says_which_language_it_answered_in(api: APIClient) -> None:
    response = api.post(LOGIN, {}, format="json", HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]
