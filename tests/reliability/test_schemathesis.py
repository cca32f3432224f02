"""schemathesis over the whole OpenAPI schema, in process, on PostgreSQL, with all checks on.

Two passes over every operation, each case sent once per role (anonymous, buyer, seller,
stranger, staff) with a real JWT:

- positive: schema-valid data only. Half of the cases have their path and body ids replaced by ids
  of objects the fixture created, so the checks see real 200/403/409 answers and not only 404s.
- negative: data the schema forbids (wrong types, missing required fields, out-of-range values,
  broken headers) only. It must be refused with a 4xx in the error shape the schema declares.
  Where the path itself is valid, it points at real objects, so the invalid body reaches the
  serializers behind the permission checks and not only a 404.

A failure means the API gave a status the schema does not declare, a body that does not match it,
a 500, accepted what it must refuse, or refused what it must accept. schemathesis mixes both modes
in one test by default (`generation.modes` is every mode); each pass sets its mode explicitly so
neither depends on the draw.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from accounts.models import User
from disputes import services
from disputes.models import DisputeStatus, Visibility
from echo_disputes.wsgi import application
from tests.conftest import bearer
from tests.factories import ItemFactory, StaffFactory, UserFactory, make_dispute, make_order

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = ("anonymous", "buyer", "seller", "stranger", "staff")


def _schema(mode: GenerationMode) -> Any:
    # The keys of a schemathesis.toml. schemathesis' default also counts a 5xx as "rejected"
    # negative data; here only a client error is.
    config = SchemathesisConfig.from_dict(
        {
            "generation": {"mode": mode.value},
            "checks": {"negative_data_rejection": {"expected-statuses": ["4xx"]}},
        }
    )
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config)


positive_schema = _schema(GenerationMode.POSITIVE)
negative_schema = _schema(GenerationMode.NEGATIVE)


class World:
    """The users, their tokens and the ids of real objects the cases are pointed at."""

    def __init__(self) -> None:
        buyer = UserFactory.create(username="st-buyer")
        seller = UserFactory.create(username="st-seller")
        stranger = UserFactory.create(username="st-stranger")
        staff = StaffFactory.create(username="st-staff")
        users: dict[str, User | None] = {
            "anonymous": None,
            "buyer": buyer,
            "seller": seller,
            "stranger": stranger,
            "staff": staff,
        }
        self.headers = {
            role: {} if user is None else {"Authorization": bearer(user)["HTTP_AUTHORIZATION"]}
            for role, user in users.items()
        }
        disputes = [
            make_dispute(order=make_order(buyer=buyer, seller=seller), staff=staff),
            make_dispute(
                state=DisputeStatus.UNDER_REVIEW,
                order=make_order(buyer=buyer, seller=seller),
                staff=staff,
            ),
            make_dispute(
                state=DisputeStatus.CLOSED,
                order=make_order(buyer=buyer, seller=seller),
                staff=staff,
            ),
            make_dispute(
                opener="seller", order=make_order(buyer=buyer, seller=seller), staff=staff
            ),
        ]
        services.message_post(
            actor=staff,
            dispute_id=disputes[1].pk,
            body="Internal: check the courier.",
            visibility=Visibility.INTERNAL,
        )
        free_order = make_order(buyer=buyer, seller=seller)
        self.ids: dict[str, list[int]] = {
            "dispute": [d.pk for d in disputes],
            "order": [d.order_id for d in disputes] + [free_order.pk],
            "item": [free_order.item_id, ItemFactory.create(store=free_order.item.store).pk],
            "user": [u.pk for u in users.values() if u is not None],
        }

    def real_id(self, name: str, pick: int) -> int | None:
        ids = self.ids.get(name)
        return ids[pick % len(ids)] if ids else None


@pytest.fixture
def world() -> World:
    return World()


PARAM_RESOURCE = re.compile(r"^(?P<name>[a-z]+?)_?(?:id|Id|pk)$")


def _resource_of(param: str, path: str) -> str | None:
    """`order_id`/`orderId` name their resource; a bare `{id}` belongs to the segment before it."""
    match = PARAM_RESOURCE.match(param)
    if match and match["name"]:
        return match["name"].lower()
    segments = path.split("/")
    for index, segment in enumerate(segments):
        if segment == "{" + param + "}" and index > 0:
            return segments[index - 1].rstrip("s")
    return None


def _point_at_real_objects(case: Any, world: World, pick: int, *, body: bool = True) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        real = world.real_id(_resource_of(name, case.path) or "", pick)
        if real is not None:
            case.path_parameters[name] = str(real) if isinstance(value, str) else real
    if body and isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name.endswith("Id") and isinstance(value, int) and not isinstance(value, bool):
                real = world.real_id(name[:-2].lower(), pick)
                if real is not None:
                    case.body[name] = real


# Schema-valid requests that a business rule may still refuse with 400, per operation: the fields
# the 400 may name, and why the schema cannot say it. Any other 400 on valid data is a failure.
BUSINESS_RULE_400: dict[str, tuple[frozenset[str], str]] = {
    "POST /api/disputes": (
        frozenset({"reason", "amount", "currency"}),
        "the reason's 10..500 characters count after trimming; the amount may not exceed the "
        "order's price; a currency, if sent, must be the order's",
    ),
    "POST /api/disputes/{id}/messages": (
        frozenset({"message"}),
        "the message's 1..2000 characters count after trimming",
    ),
    "POST /api/disputes/{id}/offers": (
        frozenset({"amount", "currency", "note"}),
        "an offer is at most the disputed amount, in the dispute's currency, its note at most 500 "
        "characters after trimming",
    ),
    "POST /api/disputes/{id}/escalate": (
        frozenset({"reason"}),
        "the reason's 10..500 characters count after trimming",
    ),
    "PATCH /api/disputes/{id}/close": (
        frozenset({"resolution", "refundAmount"}),
        "the resolution counts after trimming; a refund only with outcome lost, at most the "
        "disputed amount",
    ),
    "PATCH /api/disputes/{id}/assignee": (
        frozenset({"assigneeId"}),
        "the assignee must be an existing, active support staff user; no schema can say which "
        "user ids those are",
    ),
    "POST /api/webhooks/endpoints": (
        frozenset({"url"}),
        "the URL must be https on a host that resolves to public addresses only "
        "(integrations/ssrf.py); no schema can say which names resolve where",
    ),
    "POST /api/orders": (
        frozenset({"itemId", "finalPrice"}),
        "nobody may order their own item",
    ),
    "PATCH /api/orders/{id}/status": (
        frozenset({"status"}),
        "a status in the query string must agree with the body's (ECHO's client sends it there)",
    ),
    "POST /api/auth/logout": (
        frozenset({"refresh"}),
        "with no refresh token only a login token in the Authorization header can be revoked; the "
        "schema's body cannot name the header",
    ),
    "POST /api/users/register": (
        frozenset({"password"}),
        "Django's password validators (similar to the username, too common, too short)",
    ),
    "GET /openapi/2024-07/shoplazza-payment/disputes": (
        frozenset({"cursor"}),
        "the cursor is opaque: only one this API handed out is valid",
    ),
}


# DRF refuses U+0000 in every text field (PostgreSQL text cannot store it); OpenAPI has no word for
# "any character but NUL" short of a pattern on every string, so this refusal is accepted anywhere.
NUL_REFUSAL = "Null characters are not allowed."
# Likewise echo_disputes/middleware.py::ControlCharacterMiddleware refuses any control character in
# a query value, on every path: the party envelope's code, or the finance envelope's message.
CONTROL_REFUSAL_CODE = "invalid_characters"
CONTROL_REFUSAL_MESSAGE = re.compile(r"^The query parameter .* holds a control character\.$")


# Schema-valid uploads whose bytes are no accepted file: the schema names the accepted types, but
# cannot check the bytes, so 415 unsupported_file_type is the right answer to random contents.
CONTENT_RULE_415 = {"POST /api/disputes/{dispute_id}/evidence"}


def _business_rule_refusal(response: Any, label: str) -> bool:
    if response.status_code == 422:
        # Cases reuse keys across bodies; only a key's first request may use it (schema: 422).
        return bool(response.json().get("code") == "idempotency_key_reused")
    if response.status_code == 415 and label in CONTENT_RULE_415:
        return bool(response.json().get("code") == "unsupported_file_type")
    if response.status_code != 400:
        return False
    body = response.json()
    if body.get("code") == CONTROL_REFUSAL_CODE or CONTROL_REFUSAL_MESSAGE.match(
        str(body.get("message", ""))
    ):
        return True
    messages = [m for ms in (body.get("details") or {}).values() for m in ms]
    if messages and all(m == NUL_REFUSAL for m in messages):
        return True
    rule = BUSINESS_RULE_400.get(label)
    if rule is None:
        return False
    named = set(body.get("details") or {})
    if not named and "message" in body:
        # The finance envelope has no details: the field is named in the message.
        named = {field for field in rule[0] if field in body["message"]}
    return bool(named) and named <= rule[0]


def positive_data_acceptance_but_business_rules(ctx: Any, response: Any, case: Any) -> None:
    if not _business_rule_refusal(response, case.operation.label):
        positive_data_acceptance(ctx, response, case)


# Query lists the API reads more leniently than OpenAPI can say, per operation: the parameter and
# its values. The finance `status` is repeated and/or comma-separated and skips empty parts
# (docs/payments.md), so `status=` or `status=won,` is no filter rather than a wrong value.
LENIENT_QUERY_LISTS: dict[str, tuple[str, frozenset[str]]] = {
    "GET /openapi/2024-07/shoplazza-payment/disputes": ("status", frozenset(DisputeStatus.values)),
}


def _lenient_list(case: Any) -> bool:
    rule = LENIENT_QUERY_LISTS.get(case.operation.label)
    data = case.meta.phase.data if case.meta is not None else None
    if (
        rule is None
        or getattr(data, "parameter", None) != rule[0]
        or getattr(data, "parameter_location", None) != ParameterLocation.QUERY
    ):
        return False
    raw = (case.query or {}).get(rule[0])
    values = raw if isinstance(raw, list) else [raw]
    parts = {
        part.strip() for value in values if isinstance(value, str) for part in value.split(",")
    }
    return (
        len(parts) > 0
        and all(isinstance(value, str) for value in values)
        and (parts <= rule[1] | {""})
    )


def negative_data_rejection_but_lenient_lists(ctx: Any, response: Any, case: Any) -> None:
    if not _lenient_list(case):
        negative_data_rejection(ctx, response, case)


def _negative_locations(case: Any) -> set[ParameterLocation]:
    meta = case.meta
    if meta is None:
        return set()
    return {
        location
        for location, info in meta.components.items()
        if info.mode == GenerationMode.NEGATIVE
    }


SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@positive_schema.parametrize()
@positive_schema.given(pick=st.integers(min_value=0, max_value=7))
@settings(SETTINGS, max_examples=15)
def test_api_conforms_to_its_schema_for_every_role(case: Any, pick: int, world: World) -> None:
    assert not _negative_locations(case)
    if pick % 2:
        _point_at_real_objects(case, world, pick // 2)
    for role in ROLES:
        _call_and_validate(case, world.headers[role])


@negative_schema.parametrize()
@negative_schema.given(pick=st.integers(min_value=0, max_value=7))
@settings(SETTINGS, max_examples=12)
def test_invalid_data_is_refused_for_every_role(case: Any, pick: int, world: World) -> None:
    # An operation with nothing to break (logout: an optional body, no parameters) yields a case
    # with no negative part; it is checked like a positive one.
    negative = _negative_locations(case)
    if ParameterLocation.HEADER in negative:
        # The case is about a missing or broken Authorization header: a token would defeat it.
        _call_and_validate(case, {})
        return
    if ParameterLocation.PATH not in negative and pick % 2:
        # Only the path is pointed at real objects: an id swapped into an invalid body could
        # make it valid behind schemathesis' back.
        _point_at_real_objects(case, world, pick // 2, body=False)
    for role in ROLES:
        _call_and_validate(case, world.headers[role])


def _call_and_validate(case: Any, headers: dict[str, str]) -> None:
    case.call_and_validate(
        headers=headers,
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
        additional_checks=[
            positive_data_acceptance_but_business_rules,
            negative_data_rejection_but_lenient_lists,
        ],
    )
