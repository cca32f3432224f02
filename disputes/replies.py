"""Saved-reply templates (docs/admin.md, Saved replies): the placeholder table, the check a
template passes when it is saved, and the filling-in for one dispute.

A template is text with placeholders in braces, `{buyer}`, and literal braces written twice,
`{{` and `}}`. It is parsed with `string.Formatter().parse` but never given to `str.format`: a
placeholder must be a bare name from `PLACEHOLDERS` (no attribute, index, conversion or format
spec, so `{buyer.__class__}` is refused), and `render_reply` joins the literal text with the
values itself. Values are formatted for the active language (`django.utils.formats`): money with
the language's decimal separator, the deadline as the language's date and time. A value the
dispute lacks is a dash.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from disputes.models import Dispute, DisputeStatus

MISSING = "—"


def money_text(amount: Decimal | None, currency: str) -> str:
    """`89.99 EUR` in English, `89,99 EUR` in Spanish; a dash for no amount."""
    if amount is None:
        return MISSING
    return f"{formats.number_format(amount, decimal_pos=2)} {currency}"


def moment_text(moment: datetime | None) -> str:
    """The language's date and time format in the site's time zone, with the zone's name."""
    if moment is None:
        return MISSING
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


@dataclass(frozen=True)
class Context:
    dispute: Dispute
    agent: User | None


def _respond_by(context: Context) -> str:
    # Only a dispute awaiting its respondent runs against the clock (as on the queue's badge):
    # once answered or decided, its old deadline would mislead the reader.
    dispute = context.dispute
    if dispute.status != DisputeStatus.NEEDS_RESPONSE:
        return MISSING
    return moment_text(dispute.respond_by)


@dataclass(frozen=True)
class Placeholder:
    description: Promise
    value: Callable[[Context], str]


PLACEHOLDERS: dict[str, Placeholder] = {
    "buyer": Placeholder(gettext_lazy("the buyer's username"), lambda c: c.dispute.buyer.username),
    "seller": Placeholder(
        gettext_lazy("the seller's username"), lambda c: c.dispute.seller.username
    ),
    "order": Placeholder(
        gettext_lazy("the order number, e.g. #12"), lambda c: f"#{c.dispute.order_id}"
    ),
    "item": Placeholder(
        gettext_lazy("the title of the ordered item"), lambda c: c.dispute.order.item.title
    ),
    "amount": Placeholder(
        gettext_lazy("the disputed amount with its currency"),
        lambda c: money_text(c.dispute.amount, c.dispute.currency),
    ),
    "refund": Placeholder(
        gettext_lazy("the refund decided, or a dash"),
        lambda c: money_text(c.dispute.refund_amount, c.dispute.currency),
    ),
    "respond_by": Placeholder(
        gettext_lazy("the respondent's deadline while the dispute needs a response, else a dash"),
        _respond_by,
    ),
    "dispute": Placeholder(
        gettext_lazy("the dispute number, e.g. #7"), lambda c: f"#{c.dispute.pk}"
    ),
    "reason": Placeholder(gettext_lazy("the reason the opener gave"), lambda c: c.dispute.reason),
    "agent": Placeholder(
        gettext_lazy("the username of the staff member posting"),
        lambda c: c.agent.username if c.agent is not None else MISSING,
    ),
}


def placeholder_list() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _written(field: str, conversion: str | None, spec: str) -> str:
    """The placeholder as the template wrote it, for the error message."""
    return (
        "{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
    )


def _parts(body: str) -> Iterator[tuple[str, str | None, str, str | None]]:
    for literal, field, spec, conversion in string.Formatter().parse(body):
        yield literal, field, spec or "", conversion


def validate_template(body: str) -> None:
    """Raise a ValidationError listing every problem: each unknown placeholder by name, each one
    that is not a bare name, and braces that do not pair up."""
    unknown: list[str] = []
    not_bare: list[str] = []
    malformed = False
    try:
        for _literal, field, spec, conversion in _parts(body):
            if field is None:
                continue
            written = _written(field, conversion, spec)
            if not field.isidentifier() or conversion or spec:
                if written not in not_bare:
                    not_bare.append(written)
            elif field not in PLACEHOLDERS and written not in unknown:
                unknown.append(written)
    except ValueError:
        # The parser stops at the first unpaired brace; what came before it is still reported.
        malformed = True
    errors: list[ValidationError] = []
    if unknown:
        errors.append(
            ValidationError(
                ngettext(
                    "Unknown placeholder %(names)s. The placeholders are: %(known)s.",
                    "Unknown placeholders %(names)s. The placeholders are: %(known)s.",
                    len(unknown),
                ),
                code="unknown_placeholder",
                params={"names": ", ".join(unknown), "known": placeholder_list()},
            )
        )
    if not_bare:
        errors.append(
            ValidationError(
                _(
                    "A placeholder is a bare name in braces, such as {buyer}, with no attribute, "
                    "index, conversion or format: %(names)s."
                ),
                code="placeholder_not_bare",
                params={"names": ", ".join(not_bare)},
            )
        )
    if malformed:
        errors.append(
            ValidationError(
                _(
                    "The braces do not pair up: close every placeholder, such as {buyer}, and "
                    "write {{ or }} for a brace of its own."
                ),
                code="malformed_braces",
            )
        )
    if errors:
        raise ValidationError(errors)


def render_reply(template: str, dispute: Dispute, *, agent: User | None = None) -> str:
    """The template filled in for `dispute` (and the staff member `agent`, for `{agent}`). The
    template is checked first, so a row written around the model's check renders nothing wrong:
    it raises the same ValidationError."""
    validate_template(template)
    context = Context(dispute=dispute, agent=agent)
    out: list[str] = []
    for literal, field, _spec, _conversion in _parts(template):
        out.append(literal)
        if field is not None:
            out.append(PLACEHOLDERS[field].value(context))
    return "".join(out)
