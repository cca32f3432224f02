"""Evidence endpoints of the party API (docs/design.md §6, Evidence): upload a file to a dispute,
list the files, download one. Who may act is asked of the policies by `DisputePolicy`; what a
file may be is the service's (disputes.services.evidence).

The API's parsers are JSON only; this view alone takes multipart, with the upload bounded while
it streams (echo_disputes/uploads.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.requests import request_user
from disputes import services
from disputes.api.party.permissions import DisputePolicy
from disputes.models import Dispute, Evidence, EvidenceKind, Visibility
from disputes.policies import Action
from disputes.selectors.evidence import NO_EVIDENCE, evidence_get, evidence_of_dispute
from disputes.selectors.party import NO_DISPUTE
from disputes.services.evidence import ACCEPTED
from disputes.storage import evidence_file_response
from echo_disputes.errors import NotFound
from echo_disputes.openapi import errors
from echo_disputes.serializers import StrictInputSerializer
from echo_disputes.uploads import limit_uploads, refuse_if_too_large
from idempotency.api import IDEMPOTENCY_KEY_PARAMETER, idempotent


class EvidenceAddInput(StrictInputSerializer):
    # The type, size and length rules are the service's; this only refuses what cannot be a value.
    file = serializers.FileField(allow_empty_file=True, use_url=False)
    kind = serializers.ChoiceField(
        choices=EvidenceKind.choices, required=False, default=EvidenceKind.OTHER
    )
    description = serializers.CharField(
        required=False, default="", allow_blank=True, trim_whitespace=False
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.PUBLIC
    )


class EvidenceOutput(serializers.ModelSerializer):
    disputeId = serializers.IntegerField(source="dispute_id")
    userId = serializers.IntegerField(source="uploader_id")
    username = serializers.CharField(source="uploader.username")
    fileName = serializers.CharField(source="file_name")
    contentType = serializers.CharField(source="content_type")
    createdAt = serializers.DateTimeField(source="created_at")
    downloadUrl = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = (
            "id",
            "disputeId",
            "userId",
            "username",
            "kind",
            "description",
            "fileName",
            "contentType",
            "size",
            "sha256",
            "visibility",
            "createdAt",
            "downloadUrl",
        )

    def get_downloadUrl(self, evidence: Evidence) -> str:
        return reverse(
            "dispute-evidence-file", kwargs={"dispute_id": evidence.dispute_id, "pk": evidence.pk}
        )


@extend_schema_view(
    list=extend_schema(
        summary="The dispute's files, oldest first (internal evidence only for staff)",
        responses={200: EvidenceOutput(many=True), **errors(401, 403, 404)},
    ),
    create=extend_schema(
        summary="Add a file (PDF, JPEG, PNG, WebP or UTF-8 text); staff may send internal",
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request={
            "multipart/form-data": OpenApiRequest(
                EvidenceAddInput,
                # What the bytes must be; the name and the part's own type are not trusted.
                encoding={"file": {"contentType": ", ".join(ACCEPTED)}},
            )
        },
        responses={
            201: EvidenceOutput,
            **errors(400, 401, 403, 404, 409, 413, 415, 422),
        },
    ),
)
@extend_schema(tags=["evidence"])
class EvidenceViewSet(viewsets.GenericViewSet):
    permission_classes = (IsAuthenticated, DisputePolicy)
    parser_classes = (MultiPartParser,)
    pagination_class = None
    filter_backends = ()
    lookup_value_regex = r"[0-9]{1,18}"
    serializer_class = EvidenceOutput
    policy_actions = {"list": Action.VIEW, "file": Action.VIEW, "create": Action.ADD_EVIDENCE}

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before anything reads the body: the upload is counted as it streams.
        self.upload_limit = limit_uploads(request, max_bytes=settings.EVIDENCE_MAX_BYTES)
        return super().initialize_request(request, *args, **kwargs)

    def checked_dispute(self) -> Dispute:
        """The dispute of the URL (404 if none) once the policy allows this endpoint (403)."""
        dispute = Dispute.objects.filter(pk=int(self.kwargs["dispute_id"])).first()
        if dispute is None:
            raise NotFound(NO_DISPUTE, code="dispute_not_found")
        self.check_object_permissions(self.request, dispute)
        return dispute

    def list(self, request: Request, dispute_id: str) -> Response:
        dispute = self.checked_dispute()
        rows = evidence_of_dispute(request.user, dispute_id=dispute.pk)
        return Response(EvidenceOutput(rows, many=True).data)

    @idempotent(check=lambda view: view.checked_dispute())
    def create(self, request: Request, dispute_id: str) -> Response:
        # Who may add is asked before the body is read; the service asks again under its lock.
        dispute = self.checked_dispute()
        form = request.data
        refuse_if_too_large(self.upload_limit)
        data = EvidenceAddInput(data=form)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        evidence = services.evidence_add(
            actor=request_user(request),
            dispute_id=dispute.pk,
            upload=v["file"],
            file_name=v["file"].name,
            kind=v["kind"],
            description=v["description"],
            visibility=v["visibility"],
        )
        return Response(EvidenceOutput(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The stored file, as an attachment",
        responses={
            **{
                (200, media_type): OpenApiResponse(OpenApiTypes.BINARY)
                for media_type in (*ACCEPTED, "text/plain; charset=utf-8")
                if media_type != "text/plain"
            },
            **errors(401, 403, 404),
        },
    )
    @action(detail=True, methods=["get"])
    def file(self, request: Request, dispute_id: str, pk: str) -> FileResponse:
        dispute = self.checked_dispute()
        evidence = evidence_get(request.user, dispute_id=dispute.pk, evidence_id=int(pk))
        if evidence is None:
            raise NotFound(NO_EVIDENCE, code="evidence_not_found")
        return evidence_file_response(evidence)
