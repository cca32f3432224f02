"""Page forms for disputes. They check only the shape of the input; the rules (lengths, states,
who may do what) live in the services, whose errors `add_domain_error` puts next to the field."""

from __future__ import annotations

from django import forms

from disputes.models import DisputeStatus
from disputes.services import MESSAGE_MAX
from echo_disputes.errors import DomainError


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
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_MAX}),
        help_text="Both parties and support staff read it.",
        error_messages={"required": "Write a message before sending."},
    )


class DisputeFilterForm(forms.Form):
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "All states"), *DisputeStatus.choices],
    )
