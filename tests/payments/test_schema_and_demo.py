from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from disputes.demo import seed_demo
from disputes.models import Dispute, DisputeKind, PaymentEvent

pytestmark = pytest.mark.django_db

LIST = "/openapi/2024-07/shoplazza-payment/disputes"
DETAIL = "/openapi/2024-07/shoplazza-payment/disputes/{dispute_id}"
WEBHOOK = "/api/webhooks/payments"


@pytest.fixture(scope="module")
def generated() -> tuple[dict[str, Any], list[str]]:
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    warnings = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    return schema, warnings


def test_schema_declares_the_finance_endpoints_and_their_errors(
    generated: tuple[dict[str, Any], list[str]],
) -> None:
    schema, _ = generated
    assert set(schema["paths"][LIST]["get"]["responses"]) == {"200", "400", "401", "403"}
    assert set(schema["paths"][DETAIL]["get"]["responses"]) == {"200", "401", "403", "404"}
    error = schema["components"]["schemas"]["FinanceError"]
    assert set(error["properties"]) == {"code", "message"}
    params = {p["name"] for p in schema["paths"][LIST]["get"]["parameters"]}
    assert params == {"cursor", "limit", "status", "created_at_min", "created_at_max"}
    assert "read_finance" in schema["paths"][LIST]["get"]["description"]


def test_schema_declares_the_webhook_without_jwt(
    generated: tuple[dict[str, Any], list[str]],
) -> None:
    schema, _ = generated
    operation = schema["paths"][WEBHOOK]["post"]
    assert set(operation["responses"]) >= {"200", "400", "401", "404"}
    # No JWT: the operation declares no security, and there is no document-wide requirement for it
    # to inherit (an absent operation `security` means "inherit the top level" in OpenAPI).
    assert "security" not in operation
    assert "security" not in schema
    assert "X-Echo-Signature" in {p["name"] for p in operation["parameters"]}


def test_schema_has_no_warnings_for_payments(generated: tuple[dict[str, Any], list[str]]) -> None:
    _, warnings = generated
    ours = [
        w for w in warnings if any(k in w for k in ("finance", "webhook", "Finance", "Chargeback"))
    ]
    assert ours == []


def test_demo_has_chargebacks_with_fees_and_is_idempotent(settings: Any) -> None:
    settings.DEBUG = True
    seed_demo()
    chargebacks = Dispute.objects.filter(kind=DisputeKind.CHARGEBACK).order_by("created_at")
    assert {(c.status, c.fee) for c in chargebacks} == {
        ("needs_response", Decimal("15.00")),
        ("lost", Decimal("20.00")),
    }
    assert all(c.opened_by_id is None for c in chargebacks)
    assert Dispute.objects.filter(kind=DisputeKind.ORDER, amount__lt=Decimal("100")).exists()
    events, disputes = PaymentEvent.objects.count(), Dispute.objects.count()
    assert events == 4
    seed_demo()
    assert (PaymentEvent.objects.count(), Dispute.objects.count()) == (events, disputes)
