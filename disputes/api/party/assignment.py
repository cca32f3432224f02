"""The staff API's assignee endpoint, on the dispute viewset: `PATCH /api/disputes/{id}/assignee`
with `{"assigneeId": <user id> | null}`. Who may assign is `DisputePolicy` asking the policy
(`Action.ASSIGN`, staff only); whom is the service's question (`disputes.services.assignment`)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import request_user
from disputes import services
from disputes.models import Dispute
from echo_disputes.openapi import errors
from echo_disputes.serializers import StrictInputSerializer


class StrictIdField(serializers.IntegerField):
    """A user id as a JSON integer: "5" or 5.0 or true is refused, not read as 5."""

    default_error_messages = {"invalid": _("Must be an integer user id or null.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


class AssigneeInput(StrictInputSerializer):
    assigneeId = StrictIdField(
        allow_null=True,
        min_value=1,
        max_value=2**62,
        help_text="The support staff user to assign the dispute to, or null to unassign it.",
    )


class AssigneeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assigneeId = serializers.IntegerField(source="assignee_id", allow_null=True)
    assigneeUsername = serializers.SerializerMethodField()

    def get_assigneeUsername(self, obj: Dispute) -> str | None:
        return obj.assignee.username if obj.assignee is not None else None


class AssignmentActions:
    """Mixed into DisputeViewSet, whose `get_object` (404) and `DisputePolicy` (403) it uses."""

    get_object: Any

    @extend_schema(
        summary="Assign the dispute to a support agent, or unassign it (staff)",
        request=AssigneeInput,
        responses={200: AssigneeOutput, **errors(400, 401, 403, 404, 409, 415)},
        filters=False,
    )
    @action(detail=True, methods=["patch"], filter_backends=())
    def assignee(self, request: Request, pk: str) -> Response:
        # Who may assign is asked before the body is read: a party's malformed body is a 403.
        dispute = self.get_object()
        data = AssigneeInput(data=request.data)
        data.is_valid(raise_exception=True)
        assigned = services.dispute_assign(
            actor=request_user(request),
            dispute_id=dispute.pk,
            assignee_id=data.validated_data["assigneeId"],
        )
        return Response(AssigneeOutput(assigned).data)
