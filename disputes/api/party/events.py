"""The events feed (docs/webhooks.md, "The events feed"): the outbound events a caller may read,
oldest first, paged by sequence id, so a client that missed webhooks can catch up.

`GET /api/events?after=<id>&limit=<n>` lists every dispute the caller may see (a party: its own,
staff: all; `policies.visible_outbound_events_q`), `GET /api/disputes/{id}/events` one dispute
(404 if there is none, 403 unless the caller may view it). Both answer
`{"events": [<webhook body>...], "next": <url of the next page, or null>}`.
"""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from disputes import integration_events
from disputes.api.party.evidence import EvidenceOutput
from disputes.api.party.permissions import DisputePolicy
from disputes.api.party.serializers import DisputeOutput, MessageOutput, OfferOutput
from disputes.models import Dispute, DisputeStatus
from disputes.policies import Action
from disputes.selectors.party import NO_DISPUTE
from echo_disputes.errors import NotFound
from echo_disputes.openapi import errors
from integrations.models import OutboundEvent
from integrations.outbox import EVENT_TYPES

FEED_LIMIT_MAX = 100
# The largest id a BigAutoField holds: a bigger `after` is a 400, not a database error.
ID_MAX = 2**63 - 1


class EventFeedQuery(serializers.Serializer):
    after = serializers.IntegerField(
        min_value=0,
        max_value=ID_MAX,
        default=0,
        help_text="List the events after this id (the last one you read); 0, the default, "
        "from the first.",
    )
    limit = serializers.IntegerField(
        min_value=1,
        max_value=FEED_LIMIT_MAX,
        default=FEED_LIMIT_MAX,
        help_text=f"At most this many events, 1 to {FEED_LIMIT_MAX} (default {FEED_LIMIT_MAX}).",
    )


class EventData(serializers.Serializer):
    """What an event is about, in the party API's shapes; which keys besides `dispute` appear
    depends on the type (docs/webhooks.md)."""

    dispute = DisputeOutput(help_text="The dispute as it stands right after the event.")
    previousState = serializers.ChoiceField(
        choices=DisputeStatus.choices,
        required=False,
        help_text="dispute.updated only: the state the dispute left.",
    )
    message = MessageOutput(required=False, help_text="message.created only (public messages).")
    evidence = EvidenceOutput(required=False, help_text="evidence.added only (public evidence).")
    offer = OfferOutput(required=False, help_text="offer.created, offer.accepted, offer.declined.")


class EventOutput(serializers.Serializer):
    """One event, exactly the body a webhook delivers."""

    id = serializers.CharField(help_text="The event's sequence id, as a string.")
    type = serializers.ChoiceField(choices=list(EVENT_TYPES))
    createdAt = serializers.DateTimeField()
    # DRF takes declared fields off the class, so this does not hide `Serializer.data`.
    data = EventData()  # type: ignore[assignment]


class EventPageOutput(serializers.Serializer):
    events = EventOutput(many=True, help_text="Oldest first.")
    next = serializers.CharField(
        allow_null=True,
        help_text="The next page (after the last event listed), or null when this page holds "
        "the newest events: then poll again later with after=<the last id you read>.",
    )


class _EventFeed(APIView):
    permission_classes = (IsAuthenticated, DisputePolicy)
    policy_actions = {"events": Action.VIEW}
    # The DisputePolicy reads `view.action`; both endpoints are one action, viewing.
    action = "events"

    def page(self, request: Request, events: QuerySet[OutboundEvent]) -> Response:
        query = EventFeedQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        after, limit = query.validated_data["after"], query.validated_data["limit"]
        # One row more than asked tells whether there is a next page.
        rows = list(events.filter(pk__gt=after)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        next_url = (
            replace_query_param(request.build_absolute_uri(), "after", rows[-1].pk)
            if more
            else None
        )
        return Response({"events": [row.body for row in rows], "next": next_url})


@extend_schema(tags=["events"])
class EventFeed(_EventFeed):
    @extend_schema(
        summary="Events of the disputes the caller may see (all for staff), oldest first",
        parameters=[EventFeedQuery],
        responses={200: EventPageOutput, **errors(400, 401)},
        filters=False,
    )
    def get(self, request: Request) -> Response:
        return self.page(request, integration_events.outbound_events_visible_to(request.user))


@extend_schema(tags=["events"])
class DisputeEventFeed(_EventFeed):
    @extend_schema(
        summary="Events of one dispute, oldest first",
        parameters=[
            OpenApiParameter("dispute_id", int, OpenApiParameter.PATH),
            EventFeedQuery,
        ],
        responses={200: EventPageOutput, **errors(400, 401, 403, 404)},
        filters=False,
    )
    def get(self, request: Request, dispute_id: str) -> Response:
        # Who may read is asked before the parameters are read: a stranger's bad `after` is a
        # 403 that confirms nothing, not a 400.
        dispute = Dispute.objects.filter(pk=int(dispute_id)).first()
        if dispute is None:
            raise NotFound(NO_DISPUTE, code="dispute_not_found")
        self.check_object_permissions(request, dispute)
        return self.page(request, integration_events.outbound_events_of_dispute(dispute.pk))
