from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field

from disputes.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Dispute,
    DisputeKind,
    DisputeStatus,
    ReasonCode,
)


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """Compares in UTC: ISO 8601 allows offsets up to 23:59, PostgreSQL refuses those past 15:59."""

    def filter(self, qs: QuerySet[Any], value: datetime | None) -> QuerySet[Any]:
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                # Before year 1 or after 9999 in UTC: every stored instant lies on one side.
                value = (datetime.min if value.year == 1 else datetime.max).replace(tzinfo=UTC)
        return super().filter(qs, value)


class StableOrderingFilter(django_filters.OrderingFilter):
    """Breaks ties on the id, in the direction of the last key: without it, rows that share a
    respond-by (chargebacks often do) could repeat or go missing between pages."""

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        qs = super().filter(qs, value)
        keys = [str(key) for key in qs.query.order_by]
        if value and keys and keys[-1].lstrip("-") != "id":
            qs = qs.order_by(*keys, "-id" if keys[-1].startswith("-") else "id")
        return qs


ID_MAX = 2**62


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number in the id range, so `1.5` or `1e300` is a 400, never a lookup."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


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
    orderId = IdFilter(field_name="order_id")
    reasonCode = django_filters.MultipleChoiceFilter(
        field_name="reason_code", choices=ReasonCode.choices
    )
    kind = django_filters.ChoiceFilter(choices=DisputeKind.choices)
    createdFrom = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    createdTo = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    overdue = django_filters.ChoiceFilter(
        choices=(("true", "true"), ("false", "false")),
        method="filter_overdue",
        help_text="true: past respond-by with no response yet; false: all others.",
    )
    ordering = StableOrderingFilter(
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
