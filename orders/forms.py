"""Page forms for orders: the "open a dispute" form checks only the shape of the input; the
dispute rules (reason length, amount ceiling, one open dispute per order) live in the service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from disputes.models import ReasonCode
from disputes.services import REASON_MAX

# The service names its fields as the API does; the form uses Python names.
OPEN_DISPUTE_FIELDS = {"reasonCode": "reason_code"}


class OpenDisputeForm(forms.Form):
    reason_code = forms.ChoiceField(
        label="What went wrong",
        choices=[("", "Choose one…"), *ReasonCode.choices],
        error_messages={"required": "Choose what went wrong."},
    )
    reason = forms.CharField(
        label="Describe the problem",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": REASON_MAX}),
        help_text="At least 10 characters. The other party and support staff read it.",
        error_messages={"required": "Describe the problem."},
    )
    amount = forms.DecimalField(
        label="Amount in dispute",
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args: Any, price: Decimal, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        amount = self.fields["amount"]
        amount.label = f"Amount in dispute ({currency})"
        amount.help_text = f"Leave empty to dispute the full price, {price} {currency}."
