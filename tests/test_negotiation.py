"""EchoContentNegotiation answers the common Accept headers without parsing them; every answer
must be the one DRF's DefaultContentNegotiation gives, 406 and 404 included."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer, TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.models import User
from echo_disputes.negotiation import EchoContentNegotiation
from tests.assertions import assert_error
from tests.conftest import bearer

ACCEPTS: list[str | None] = [
    None,
    "*/*",
    " */* ",
    "",
    "application/json",
    "application/json; indent=4",
    "application/*",
    "text/html",
    "text/html, application/json;q=0.9",
    "*/*;q=0.1",
    "application/yaml",
    "application/vnd.oai.openapi",
    "image/png",
]
RENDERER_SETS = [
    [JSONRenderer],
    [OpenApiYamlRenderer, OpenApiJsonRenderer],
    [TemplateHTMLRenderer],
    [BrowsableAPIRenderer, JSONRenderer],
]
QUERIES = ["", "?format=json", "?format=yaml", "?format=html", "?page=2"]


def _answer(negotiation: Any, accept: str | None, renderers: list[Any], query: str, suffix: Any):
    extra: dict[str, Any] = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/api/disputes{query}", **extra))
    try:
        renderer, media_type = negotiation.select_renderer(
            request, [cls() for cls in renderers], suffix
        )
    except (exceptions.NotAcceptable, exceptions.NotFound) as e:
        return type(e).__name__
    except Exception as e:  # Http404 from a format no renderer has
        return type(e).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("renderers", RENDERER_SETS, ids=lambda rs: rs[0].__name__)
@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("suffix", [None, "json"])
def test_the_same_answer_as_drf(
    accept: str | None, renderers: list[Any], query: str, suffix: str | None
) -> None:
    ours = _answer(EchoContentNegotiation(), accept, renderers, query, suffix)
    drf = _answer(DefaultContentNegotiation(), accept, renderers, query, suffix)
    assert ours == drf


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["text/html", "", "image/png"])
def test_the_api_refuses_what_it_cannot_send_with_a_json_406(
    accept: str, api: Any, buyer: User
) -> None:
    assert_error(api.get("/api/items", HTTP_ACCEPT=accept, **bearer(buyer)), 406)


@pytest.mark.django_db
@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_the_api_answers_json_to_clients_that_take_it(
    accept: str | None, api: Any, buyer: User
) -> None:
    extra = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = api.get("/api/items", **extra, **bearer(buyer))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
