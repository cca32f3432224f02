"""The template language of saved replies: which placeholders a template may use, what is
refused when it is saved, and the exact text it becomes for one dispute."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User
from disputes import services
from disputes.models import Dispute, DisputeStatus
from disputes.replies import PLACEHOLDERS, render_reply, validate_template
from tests.factories import new_staff

pytestmark = pytest.mark.django_db

KNOWN = (
    "{buyer}, {seller}, {order}, {item}, {amount}, {refund}, {respond_by}, {dispute}, "
    "{reason}, {agent}"
)
MALFORMED = (
    "The braces do not pair up: close every placeholder, such as {buyer}, and write {{ or }} "
    "for a brace of its own."
)


def problems(body: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        validate_template(body)
    return [
        (error.code or "", error.message % (error.params or {}))
        for error in raised.value.error_list
    ]


@pytest.mark.parametrize("name", list(PLACEHOLDERS))
def test_every_placeholder_is_accepted(name: str) -> None:
    validate_template(f"Before {{{name}}} after.")


def test_the_placeholder_table_is_the_documented_one() -> None:
    assert ", ".join(f"{{{name}}}" for name in PLACEHOLDERS) == KNOWN


def test_plain_text_and_literal_braces_are_accepted() -> None:
    validate_template("No placeholder at all.")
    validate_template("Literal {{braces}} and {{ }} beside {buyer}.")


def test_an_unknown_placeholder_is_named() -> None:
    assert problems("Hello {customer}, see {buyer}.") == [
        (
            "unknown_placeholder",
            f"Unknown placeholder {{customer}}. The placeholders are: {KNOWN}.",
        )
    ]


def test_every_unknown_placeholder_is_named_once() -> None:
    assert problems("{customer} {tracking} {customer}") == [
        (
            "unknown_placeholder",
            f"Unknown placeholders {{customer}}, {{tracking}}. The placeholders are: {KNOWN}.",
        )
    ]


def test_names_are_case_sensitive() -> None:
    assert problems("{Buyer}")[0][1].startswith("Unknown placeholder {Buyer}.")


@pytest.mark.parametrize(
    "written",
    [
        "{buyer.__class__}",
        "{buyer.__init__.__globals__}",
        "{buyer[0]}",
        "{dispute.buyer.password}",
        "{}",
        "{0}",
        "{buyer!r}",
        "{amount:>20}",
        "{ buyer }",
    ],
)
def test_attribute_index_conversion_and_format_are_refused(written: str) -> None:
    assert problems(f"Dear {written}.") == [
        (
            "placeholder_not_bare",
            "A placeholder is a bare name in braces, such as {buyer}, with no attribute, index, "
            f"conversion or format: {written}.",
        )
    ]


@pytest.mark.parametrize(
    "body", ["Unclosed {buyer", "A lone { here", "A lone } here", "{a{b}}", "{buyer}}"]
)
def test_unpaired_braces_are_refused(body: str) -> None:
    assert problems(body) == [("malformed_braces", MALFORMED)]


def test_all_problems_come_back_at_once() -> None:
    assert [code for code, _text in problems("{customer} {buyer.email} and {")] == [
        "unknown_placeholder",
        "placeholder_not_bare",
        "malformed_braces",
    ]


def every_placeholder() -> str:
    return " | ".join(f"{name}={{{name}}}" for name in PLACEHOLDERS)


def test_render_fills_every_placeholder(dispute: Dispute) -> None:
    agent = new_staff(username="carla")
    assert render_reply(every_placeholder(), dispute, agent=agent) == (
        f"buyer=ana | seller=bruno | order=#{dispute.order_id} | item=Ceramic teapot | "
        "amount=1045.50 EUR | refund=— | respond_by=Dec. 4, 2026, 3:30 p.m. UTC | "
        f"dispute=#{dispute.pk} | reason=The lid is cracked. | agent=carla"
    )


def test_render_keeps_literal_braces_and_text_around(dispute: Dispute) -> None:
    assert render_reply("{{buyer}} is {buyer}; {{{seller}}}", dispute) == (
        "{buyer} is ana; {bruno}"
    )


def test_render_formats_money_and_dates_for_the_active_language(dispute: Dispute) -> None:
    with translation.override("es"):
        text = render_reply("{amount} · {respond_by}", dispute)
    assert text == "1045,50 EUR · 4 de diciembre de 2026 a las 15:30 UTC"


def test_missing_values_render_as_a_dash(dispute: Dispute, support: User) -> None:
    # Answered: no deadline runs any more; no refund decided; nobody named as the agent.
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="It was intact.")
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.UNDER_REVIEW
    assert render_reply("[{respond_by}] [{refund}] [{agent}]", dispute) == "[—] [—] [—]"


def test_a_decided_refund_is_filled_in(dispute: Dispute, support: User) -> None:
    services.dispute_close(
        actor=support,
        dispute_id=dispute.pk,
        outcome="lost",
        refund_amount=Decimal("300.00"),
        resolution="Partial refund.",
    )
    dispute.refresh_from_db()
    assert render_reply("{refund} / {respond_by}", dispute) == "300.00 EUR / —"


def test_values_are_not_read_as_template_text(dispute: Dispute) -> None:
    """A value holding braces (a reason, a name) is text, never parsed again."""
    Dispute.objects.filter(pk=dispute.pk).update(reason="Broken {buyer.__class__} {{x}}")
    dispute.refresh_from_db()
    assert render_reply("<{reason}>", dispute) == "<Broken {buyer.__class__} {{x}}>"


def test_render_refuses_a_template_that_never_passed_the_check(dispute: Dispute) -> None:
    with pytest.raises(ValidationError):
        render_reply("{buyer.__class__}", dispute)
