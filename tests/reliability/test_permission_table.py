"""Every route, every role: the permission table of the whole site, enforced.

`test_every_route_is_in_the_table` walks the URL resolver and fails when a route (or, for API
views, a method) appears that the table below does not list: a new endpoint cannot ship without a
decision on who may call it. `test_route_answers_each_role_as_the_table_says` then calls every
entry once per role against a fresh set of objects, so no role's call changes what the next sees.

The API is called with a real JWT, pages and the admin with a session.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import token_issue
from disputes import services
from disputes.models import Dispute, Offer
from integrations import services as webhook_services
from integrations.models import WebhookEndpoint
from orders.models import Item, Order
from tests.factories import PASSWORD, StaffFactory, UserFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "buyer", "seller", "stranger", "staff")

# Routes the table deliberately leaves out. Django's admin has its own permission system (every
# view below /admin/ goes through AdminSite.admin_view, which requires is_staff); /admin/ itself
# is in the table and tests/security covers what staff-only means for parties.
EXCLUDED_PREFIXES = ("/admin/",)
EXCLUDED_EXCEPT = ("/admin/",)


@dataclass
class World:
    buyer: User
    seller: User
    stranger: User
    staff: User
    dispute: Dispute
    free_order: Order
    item: Item
    offer: Offer
    endpoint: WebhookEndpoint | None = None
    users: dict[str, User | None] = field(default_factory=dict)

    @classmethod
    def build(cls) -> World:
        buyer, seller, stranger = UserFactory.create(), UserFactory.create(), UserFactory.create()
        staff = StaffFactory.create()
        dispute = make_dispute(order=make_order(buyer=buyer, seller=seller), staff=staff)
        free_order = make_order(buyer=buyer, seller=seller)
        # The seller's open offer: the buyer may answer it, the seller withdraw it.
        offer = services.offer_propose(actor=seller, dispute_id=dispute.pk, amount=Decimal("30"))
        world = cls(buyer, seller, stranger, staff, dispute, free_order, free_order.item, offer)
        # A webhook endpoint staff may delete (a public address literal: nothing is resolved).
        world.endpoint, _ = webhook_services.endpoint_create(
            actor=staff, url="https://93.184.215.14/hooks"
        )
        world.users = {
            "anonymous": None,
            "buyer": buyer,
            "seller": seller,
            "stranger": stranger,
            "staff": staff,
        }
        return world

    def user(self, role: str) -> User | None:
        return self.users[role]


Body = Callable[[World, str], dict[str, Any]]


def _credentials(world: World, role: str) -> dict[str, Any]:
    user = world.user(role)
    if user is None:
        return {"email": "nobody@example.com", "password": PASSWORD}
    return {"email": user.email, "password": PASSWORD}


def _refresh(world: World, role: str) -> dict[str, Any]:
    user = world.user(role)
    return {"refresh": "not-a-token" if user is None else str(token_issue(user=user))}


def _register(world: World, role: str) -> dict[str, Any]:
    return {
        "email": f"new-{role}@example.com",
        "username": f"new-{role}",
        "password": "a-long-unusual-passphrase",
    }


@dataclass(frozen=True)
class Rule:
    """Expected statuses in ROLES order; `body` builds the request body for a role."""

    statuses: tuple[int, int, int, int, int]
    body: Body | None = None


def _const(data: dict[str, Any]) -> Body:
    return lambda world, role: data


API = "api"  # JWT in the Authorization header
PAGE = "page"  # session cookie

# (method, route) -> (how to authenticate, rule); statuses in ROLES order.
TABLE: dict[tuple[str, str], tuple[str, Rule]] = {
    # Public
    ("GET", "/"): (PAGE, Rule((302, 302, 302, 302, 302))),
    ("GET", "/healthz"): (PAGE, Rule((200, 200, 200, 200, 200))),
    ("GET", "/api/schema"): (API, Rule((200, 200, 200, 200, 200))),
    ("GET", "/api/docs"): (API, Rule((200, 200, 200, 200, 200))),
    # Accounts: credentials, not a bearer token, decide
    ("POST", "/api/users/register"): (API, Rule((201, 201, 201, 201, 201), _register)),
    ("POST", "/api/users/login"): (API, Rule((401, 200, 200, 200, 200), _credentials)),
    ("POST", "/api/auth/token"): (API, Rule((401, 200, 200, 200, 200), _credentials)),
    ("POST", "/api/auth/token/refresh"): (API, Rule((401, 200, 200, 200, 200), _refresh)),
    ("POST", "/api/auth/logout"): (API, Rule((401, 204, 204, 204, 204), _refresh)),
    # Items and orders
    ("GET", "/api/items"): (API, Rule((401, 200, 200, 200, 200))),
    ("POST", "/api/items"): (
        API,
        Rule((401, 201, 201, 201, 201), _const({"title": "Lamp", "basePrice": "12.00"})),
    ),
    ("GET", "/api/items/{pk}"): (API, Rule((401, 200, 200, 200, 200))),
    ("GET", "/api/orders"): (API, Rule((401, 200, 200, 200, 200))),
    ("POST", "/api/orders"): (
        API,
        # The seller may not buy its own item (400 own_item); anyone else may.
        Rule((401, 201, 400, 201, 201), lambda w, r: {"itemId": w.item.pk}),
    ),
    ("GET", "/api/orders/{pk}"): (API, Rule((401, 200, 200, 403, 200))),
    ("PATCH", "/api/orders/{pk}/status"): (
        API,
        Rule((401, 200, 200, 403, 200), _const({"status": "CANCELLED"})),
    ),
    # Disputes
    ("GET", "/api/disputes"): (API, Rule((401, 200, 200, 200, 200))),
    ("POST", "/api/disputes"): (
        API,
        # Staff may open only as a party of the order (docs/design.md §5).
        Rule(
            (401, 201, 201, 403, 403),
            lambda w, r: {"orderId": w.free_order.pk, "reason": "The lamp never arrived here."},
        ),
    ),
    ("GET", "/api/disputes/open"): (API, Rule((401, 200, 200, 200, 200))),
    ("GET", "/api/disputes/user/my-disputes"): (API, Rule((401, 200, 200, 200, 200))),
    ("GET", "/api/disputes/order/{order_id}"): (API, Rule((401, 200, 200, 403, 200))),
    ("GET", "/api/disputes/{pk}"): (API, Rule((401, 200, 200, 403, 200))),
    ("GET", "/api/disputes/{pk}/messages"): (API, Rule((401, 200, 200, 403, 200))),
    ("POST", "/api/disputes/{pk}/messages"): (
        API,
        Rule((401, 201, 201, 403, 201), _const({"message": "Any news on this?"})),
    ),
    ("POST", "/api/disputes/{pk}/withdraw"): (API, Rule((401, 200, 403, 403, 403), _const({}))),
    ("POST", "/api/disputes/{pk}/take-up"): (API, Rule((401, 403, 403, 403, 200), _const({}))),
    ("PATCH", "/api/disputes/{pk}/close"): (
        API,
        Rule((401, 403, 403, 403, 200), _const({"resolution": "Settled by support."})),
    ),
    # Assignment: support staff only; the world's staff user is active support staff.
    ("PATCH", "/api/disputes/{pk}/assignee"): (
        API,
        Rule((401, 403, 403, 403, 200), lambda w, r: {"assigneeId": w.staff.pk}),
    ),
    # Offers and escalation: only the parties take part (staff decide, docs/design.md §5). The
    # world's dispute has the seller's open offer: the buyer answers it, the seller withdraws it.
    ("GET", "/api/disputes/{pk}/offers"): (API, Rule((401, 200, 200, 403, 200))),
    ("POST", "/api/disputes/{pk}/offers"): (
        API,
        Rule((401, 201, 201, 403, 403), _const({"amount": "25.00", "note": "Meet halfway?"})),
    ),
    ("POST", "/api/disputes/{pk}/offers/{offer_id}/accept"): (
        API,
        Rule((401, 200, 403, 403, 403), _const({})),
    ),
    ("POST", "/api/disputes/{pk}/offers/{offer_id}/decline"): (
        API,
        Rule((401, 200, 403, 403, 403), _const({})),
    ),
    ("POST", "/api/disputes/{pk}/offers/{offer_id}/withdraw"): (
        API,
        Rule((401, 403, 200, 403, 403), _const({})),
    ),
    ("POST", "/api/disputes/{pk}/escalate"): (
        API,
        Rule((401, 200, 200, 403, 403), _const({"reason": "We cannot agree; please decide."})),
    ),
    # Evidence (tests/evidence holds its full table). The table sends an empty form, so who may
    # upload shows as 400 for the missing file (the right to post is checked before the body is
    # read), and the {pk} it names is no file of the dispute (404 to those who may read it).
    ("GET", "/api/disputes/{dispute_id}/evidence"): (API, Rule((401, 200, 200, 403, 200))),
    ("POST", "/api/disputes/{dispute_id}/evidence"): (API, Rule((401, 400, 400, 403, 400))),
    ("GET", "/api/disputes/{dispute_id}/evidence/{pk}/file"): (
        API,
        Rule((401, 404, 404, 403, 404)),
    ),
    # The events feed: a party reads its disputes' events, staff all; one dispute's events
    # as its detail (policy VIEW).
    ("GET", "/api/events"): (API, Rule((401, 200, 200, 200, 200))),
    ("GET", "/api/disputes/{dispute_id}/events"): (API, Rule((401, 200, 200, 403, 200))),
    # The webhook trusts only its HMAC signature: a bearer token is no substitute.
    ("POST", "/api/webhooks/payments"): (API, Rule((401, 401, 401, 401, 401), _const({}))),
    # Outbound webhook endpoints: support staff only.
    ("GET", "/api/webhooks/endpoints"): (API, Rule((401, 403, 403, 403, 200))),
    ("POST", "/api/webhooks/endpoints"): (
        API,
        Rule((401, 403, 403, 403, 201), _const({"url": "https://93.184.215.15/hooks"})),
    ),
    ("DELETE", "/api/webhooks/endpoints/{endpoint_id}"): (API, Rule((401, 403, 403, 403, 204))),
    # Finance API: a token holding read_finance (store owners, staff)
    ("GET", "/openapi/2024-07/shoplazza-payment/disputes"): (
        API,
        Rule((401, 403, 200, 403, 200)),
    ),
    ("GET", "/openapi/2024-07/shoplazza-payment/disputes/{dispute_id}"): (
        API,
        Rule((401, 403, 200, 403, 200)),
    ),
    # Pages: the parties only; anyone else gets 404 so a page never reveals that an object exists
    ("GET", "/accounts/login/"): (PAGE, Rule((200, 302, 302, 302, 302))),
    ("POST", "/accounts/logout/"): (PAGE, Rule((302, 302, 302, 302, 302))),
    # The language switch: anyone (it sets a cookie; a signed-in user's language is saved too).
    ("POST", "/i18n/setlang/"): (
        PAGE,
        Rule((302, 302, 302, 302, 302), _const({"language": "es", "next": "/orders/"})),
    ),
    ("GET", "/orders/"): (PAGE, Rule((302, 200, 200, 200, 200))),
    ("GET", "/orders/{order_id}/"): (PAGE, Rule((302, 200, 200, 404, 404))),
    # The open-dispute form lives in disputes; only the order's parties find it.
    ("GET", "/disputes/orders/{order_id}/open/"): (PAGE, Rule((302, 200, 200, 404, 404))),
    ("POST", "/disputes/orders/{order_id}/open/"): (
        PAGE,
        Rule(
            (302, 302, 302, 404, 404),
            _const({"reason_code": "general", "reason": "The lamp never arrived here."}),
        ),
    ),
    ("GET", "/disputes/"): (PAGE, Rule((302, 200, 200, 200, 200))),
    ("GET", "/disputes/{dispute_id}/"): (PAGE, Rule((302, 200, 200, 404, 404))),
    ("POST", "/disputes/{dispute_id}/"): (
        PAGE,
        Rule((302, 302, 302, 404, 404), _const({"message": "Any news on this?"})),
    ),
    ("GET", "/disputes/{dispute_id}/withdraw/"): (PAGE, Rule((302, 200, 403, 404, 404))),
    ("POST", "/disputes/{dispute_id}/withdraw/"): (PAGE, Rule((302, 302, 403, 404, 404))),
    # The thread page's offer and escalation forms (a staff user who is no party gets 404, like
    # a stranger: the pages are the parties').
    ("POST", "/disputes/{dispute_id}/offers/"): (
        PAGE,
        Rule((302, 302, 302, 404, 404), _const({"offer-amount": "25.00", "offer-note": ""})),
    ),
    ("GET", "/disputes/{dispute_id}/offers/{offer_id}/accept/"): (
        PAGE,
        Rule((302, 200, 403, 404, 404)),
    ),
    ("POST", "/disputes/{dispute_id}/offers/{offer_id}/accept/"): (
        PAGE,
        Rule((302, 302, 403, 404, 404)),
    ),
    ("POST", "/disputes/{dispute_id}/offers/{offer_id}/decline/"): (
        PAGE,
        Rule((302, 302, 403, 404, 404)),
    ),
    ("POST", "/disputes/{dispute_id}/offers/{offer_id}/withdraw/"): (
        PAGE,
        Rule((302, 403, 302, 404, 404)),
    ),
    ("GET", "/disputes/{dispute_id}/escalate/"): (PAGE, Rule((302, 200, 200, 404, 404))),
    ("POST", "/disputes/{dispute_id}/escalate/"): (
        PAGE,
        Rule(
            (302, 302, 302, 404, 404),
            _const({"escalate-reason": "We cannot agree; please decide."}),
        ),
    ),
    # The page's evidence form and a download; the {pk} the table names is no file of the dispute.
    ("POST", "/disputes/{dispute_id}/evidence/"): (
        PAGE,
        Rule(
            (302, 302, 302, 404, 404),
            lambda w, r: {
                "evidence-kind": "receipt",
                "evidence-file": SimpleUploadedFile("receipt.txt", b"Paid 12.00 EUR, order 7."),
            },
        ),
    ),
    ("GET", "/disputes/{dispute_id}/evidence/{pk}/file/"): (PAGE, Rule((302, 404, 404, 404, 404))),
    ("GET", "/disputes/{dispute_id}/evidence/{pk}/preview/"): (
        PAGE,
        Rule((302, 404, 404, 404, 404)),
    ),
    # The admin: staff only; a party is sent to the admin's login page
    ("GET", "/admin/"): (PAGE, Rule((302, 302, 302, 302, 200))),
}

GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)|<(?:\w+:)?(?P<conv>\w+)>")


def _normalise(route: str) -> str:
    # API routes answer with and without a trailing slash (`/?`): the table names the bare form.
    route = route.replace("^", "").replace("$", "").replace("/?", "")
    return "/" + GROUP.sub(lambda m: "{" + (m["name"] or m["conv"]) + "}", route)


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield _normalise(prefix + str(pattern.pattern)), pattern


def _api_methods(pattern: URLPattern) -> set[str] | None:
    """The methods a DRF view answers, or None for a plain Django view (not introspectable)."""
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:
        # DRF answers HEAD wherever it answers GET (and adds it to `actions` lazily).
        return {method.upper() for method in actions} - {"HEAD"}
    cls = getattr(callback, "cls", None)
    if cls is None:
        return None
    return {
        method.upper()
        for method in cls.http_method_names
        if method not in ("options", "head") and hasattr(cls, method)
    }


def _routes() -> dict[str, URLPattern]:
    routes = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(EXCLUDED_PREFIXES) and route not in EXCLUDED_EXCEPT:
            continue
        routes[route] = pattern
    return routes


def test_every_route_is_in_the_table() -> None:
    listed = {route for _, route in TABLE}
    routes = _routes()
    missing = sorted(set(routes) - listed)
    assert not missing, f"routes with no permission rule in TABLE: {missing}"
    stale = sorted(listed - set(routes))
    assert not stale, f"TABLE lists routes that no longer exist: {stale}"
    for route, pattern in routes.items():
        methods = _api_methods(pattern)
        if methods is None:
            continue
        listed_methods = {method for method, r in TABLE if r == route}
        assert methods == listed_methods, (route, methods, listed_methods)


def _url(route: str, world: World) -> str:
    # Order routes (and the open-dispute page of an order) act on an order with no dispute yet.
    on_orders = route.startswith(("/api/orders/", "/orders/", "/disputes/orders/"))
    return route.format(
        dispute_id=world.dispute.pk,
        offer_id=world.offer.pk,
        endpoint_id=world.endpoint.pk if world.endpoint else 0,
        order_id=world.free_order.pk if on_orders else world.dispute.order_id,
        pk=world.item.pk
        if route.startswith("/api/items/")
        else world.free_order.pk
        if on_orders
        else world.dispute.pk,
    )


def _client(kind: str, user: User | None) -> Client | APIClient:
    if kind == API:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=user).access_token}")
        return client
    page_client = Client()
    if user is not None:
        page_client.force_login(user)
    return page_client


@pytest.mark.parametrize(("method", "route"), sorted(TABLE), ids=lambda v: str(v))
def test_route_answers_each_role_as_the_table_says(method: str, route: str) -> None:
    kind, rule = TABLE[(method, route)]
    answers = {}
    for role in ROLES:
        world = World.build()
        client = _client(kind, world.user(role))
        body = rule.body(world, role) if rule.body else None
        url = _url(route, world)
        call = getattr(client, method.lower())
        if kind == API:
            response = call(url, body, format="json") if body is not None else call(url)
        else:
            response = call(url, body or {})
        answers[role] = response.status_code
        if route.startswith(("/api/", "/openapi/")) and response.status_code >= 400:
            assert response["Content-Type"].startswith("application/json"), (role, response)
    expected = dict(zip(ROLES, rule.statuses, strict=True))
    assert answers == expected
