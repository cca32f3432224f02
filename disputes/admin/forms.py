"""Forms on the admin dispute page. They only shape input: the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin import helpers
from django.utils.translation import gettext_lazy as _

from disputes import services
from disputes.models import EvidenceKind, Visibility
from disputes.selectors.desk import support_agents
from disputes.services.evidence import ACCEPTED_TEXT, DESCRIPTION_MAX

OUTCOME_CHOICES = (
    ("", _("No winner (close)")),
    ("won", _("Won: decided for the seller, no refund")),
    ("lost", _("Lost: decided for the buyer, refund")),
)


class DisputeMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=services.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=(
            (Visibility.PUBLIC, _("Public: the buyer and the seller see it")),
            (Visibility.INTERNAL, _("Internal note: staff only")),
        ),
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )


class DisputeResolutionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOME_CHOICES, required=False)
    refund_amount = forms.DecimalField(
        label=_("Refund amount"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=_("Only with outcome lost; the disputed amount when left empty."),
    )
    resolution = forms.CharField(
        label=_("Resolution"),
        max_length=services.RESOLUTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("Sent to both parties."),
    )


class DisputeEvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_MAX, required=False
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=(
            (Visibility.PUBLIC, _("Public: the buyer and the seller see it")),
            (Visibility.INTERNAL, _("Internal: staff only")),
        ),
        initial=Visibility.PUBLIC,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label=_("File"), help_text=ACCEPTED_TEXT)


class AgentChoiceField(forms.ModelChoiceField):
    """An active support agent by username (the choices); the service checks the rule again."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=support_agents().only("username"), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.username)


class DisputeAssignForm(forms.Form):
    # Empty: unassign. The dispute page's "Assign to me" and "Unassign" buttons post this too.
    assignee = AgentChoiceField(
        label=_("Assign to"), required=False, empty_label=_("Nobody (unassign)")
    )


class AssignActionForm(helpers.ActionForm):
    """The queue's action bar with the agent the "Assign to the chosen agent" action uses. Any
    value passes the form (Django would otherwise refuse every action as "No action selected"):
    the action reads it, and the service says whether that user may be assigned."""

    assignee = forms.CharField(label=_("Agent"), required=False, widget=forms.Select)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].widget.choices = [
            ("", _("Choose an agent")),
            *[(str(agent.pk), agent.username) for agent in support_agents().only("username")],
        ]

    def agent_id(self) -> int | None:
        value = (self.data.get("assignee") or "").strip()
        return int(value) if value.isdigit() and len(value) < 19 else None
