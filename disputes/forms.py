"""Page forms for disputes. They check only the shape of the input; the rules (lengths, states,
who may do what) live in the services, whose errors `add_domain_error` puts next to the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes import services
from disputes.models import Dispute, DisputeStatus, EvidenceKind, ReasonCode
from disputes.services.evidence import DESCRIPTION_MAX
from echo_disputes.errors import DomainError
from echo_disputes.i18n import interpolate_lazy

# The service names its fields as the API does; the form uses Python names.
OPEN_DISPUTE_FIELDS = {"reasonCode": "reason_code"}


def add_domain_error(form: forms.Form, exc: DomainError, field_names: dict[str, str]) -> None:
    """Show a service's refusal on the form: next to the field its `details` name (mapped from
    the service's name to the form's through `field_names`), else above the form."""
    placed = False
    for key, errors in exc.details.items():
        field = field_names.get(key, key)
        if field in form.fields:
            for error in errors:
                form.add_error(field, error)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": services.MESSAGE_MAX}),
        help_text=_("Both parties and support staff read it."),
        error_messages={"required": _("Write a message before sending.")},
    )


class DisputeFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *DisputeStatus.choices],
    )


class OpenDisputeForm(forms.Form):
    reason_code = forms.ChoiceField(
        label=_("What went wrong"),
        choices=[("", _("Choose one…")), *ReasonCode.choices],
        error_messages={"required": _("Choose what went wrong.")},
    )
    reason = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": services.REASON_MAX}),
        help_text=_("At least 10 characters. The other party and support staff read it."),
        error_messages={"required": _("Describe the problem.")},
    )
    amount = forms.DecimalField(
        label=_("Amount in dispute"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, price: Decimal, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        amount = self.fields["amount"]
        amount.label = _("Amount in dispute (%(currency)s)") % {"currency": currency}
        amount.help_text = _("Leave empty to dispute the full price, %(price)s %(currency)s.") % {
            "price": price,
            "currency": currency,
        }


class EvidenceForm(forms.Form):
    """A file for the dispute. What the file may be is the service's to decide, from its bytes."""

    prefix = "evidence"
    file = forms.FileField(
        label=_("File"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,.webp,.txt,application/pdf,image/*,text/plain"}
        ),
        error_messages={"required": _("Choose a file to add.")},
    )
    kind = forms.ChoiceField(
        label=_("What it shows"), choices=EvidenceKind.choices, initial="other"
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": DESCRIPTION_MAX}),
        help_text=interpolate_lazy(
            _("Optional, at most %(maximum)s characters."),
            {"maximum": DESCRIPTION_MAX},
        ),
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "PDF, JPEG, PNG, WebP or plain text, at most %(megabytes)s MiB. Photos are saved "
            "without their location and camera data. Both parties and support staff can open it."
        ) % {"megabytes": max_bytes // (1024 * 1024)}


# The offer note and the escalation reason are stored in 500 characters; the services check it.
OFFER_NOTE_MAX = 500
ESCALATION_REASON_MAX = 500


class OfferForm(forms.Form):
    """A refund offer to the other party. Only the shape here: a number and an optional note;
    whether the amount is allowed (above zero, at most the disputed amount, whole cents) is the
    service's rule, shown next to the field."""

    prefix = "offer"
    amount = forms.DecimalField(
        label=_("Refund you offer"),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        error_messages={
            "required": _("Enter the refund you offer."),
            "invalid": _("Enter an amount."),
        },
    )
    note = forms.CharField(
        label=_("Note to the other party"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": OFFER_NOTE_MAX}),
        help_text=interpolate_lazy(
            _("Optional, at most %(maximum)s characters."),
            {"maximum": OFFER_NOTE_MAX},
        ),
    )

    def __init__(self, *args: Any, dispute: Dispute, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        amount = self.fields["amount"]
        amount.label = _("Refund you offer (%(currency)s)") % {"currency": dispute.currency}
        amount.help_text = _(
            "In %(currency)s, more than 0 and at most the amount in dispute, %(amount)s "
            "%(currency)s. If the other party accepts, the dispute closes as settled with this "
            "refund."
        ) % {"currency": dispute.currency, "amount": dispute.amount}


class EscalateForm(forms.Form):
    prefix = "escalate"
    reason = forms.CharField(
        label=_("Why support staff should decide"),
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": ESCALATION_REASON_MAX}),
        help_text=(
            interpolate_lazy(
                _("10 to %(maximum)s characters. Both parties and support staff read it."),
                {"maximum": ESCALATION_REASON_MAX},
            )
        ),
        error_messages={"required": _("Say why support staff should decide.")},
    )
