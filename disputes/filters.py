from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from disputes.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Dispute,
    DisputeKind,
    DisputeStatus,
    ReasonCode,
)


class DisputeFilter(django_filters.FilterSet):
    """Query parameters of the dispute lists, camelCase like the rest of the ECHO API."""

    state = django_filters.MultipleChoiceFilter(
        field_name="status",
        choices=DisputeStatus.choices,
        help_text="Lifecycle value; repeat the parameter for several.",
    )
    status = django_filters.ChoiceFilter(
        choices=(("OPEN", "OPEN"), ("CLOSED", "CLOSED")),
        method="filter_status",
        help_text="ECHO's coarse status.",
    )
    orderId = django_filters.NumberFilter(field_name="order_id")
    reasonCode = django_filters.MultipleChoiceFilter(
        field_name="reason_code", choices=ReasonCode.choices
    )
    kind = django_filters.ChoiceFilter(choices=DisputeKind.choices)
    createdFrom = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdTo = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    overdue = django_filters.ChoiceFilter(
        choices=(("true", "true"), ("false", "false")),
        method="filter_overdue",
        help_text="true: past respond-by with no response yet; false: all others.",
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "createdAt"),
            ("updated_at", "updatedAt"),
            ("respond_by", "respondBy"),
            ("id", "id"),
        )
    )

    class Meta:
        model = Dispute
        fields: tuple[str, ...] = ()

    def filter_status(self, qs: QuerySet[Dispute], name: str, value: Any) -> QuerySet[Dispute]:
        if value == "OPEN":
            return qs.filter(status__in=OPEN_STATUSES)
        if value == "CLOSED":
            return qs.filter(status__in=TERMINAL_STATUSES)
        return qs

    def filter_overdue(self, qs: QuerySet[Dispute], name: str, value: Any) -> QuerySet[Dispute]:
        overdue = Q(status=DisputeStatus.NEEDS_RESPONSE, respond_by__lt=timezone.now())
        return qs.filter(overdue) if value == "true" else qs.exclude(overdue)
