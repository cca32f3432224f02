"""Reads for the back office (the admin): the queue's search and the staff dashboard.

Search resolves users and orders first (two small indexed lookups), then filters disputes only on
their own indexed columns: an OR across joined tables would make PostgreSQL scan every dispute.

Every dashboard figure is one aggregate query that an index serves: open disputes by state and
the overdue count read the (status, respond_by) index, the per-day series and the medians read
the disputes created in the window through the created_at index. Medians are computed by PostgreSQL
(percentile_cont); other databases (the embedded SQLite) fall back to Python.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connections
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from accounts.models import User
from disputes.models import OPEN_STATUSES, Dispute
from orders.models import Order

WINDOW_DAYS = 30


SEARCH_USER_LIMIT = 50
SEARCH_ID_LIMIT = 5_000
BIGINT_MAX = 2**63 - 1


def dispute_search(disputes: QuerySet[Dispute], term: str) -> QuerySet[Dispute]:
    """Disputes matching a dispute id, an order id, a payment transaction id, or the exact e-mail
    or username (any case) of the buyer or the seller. Exact matches only, so every branch is an
    index lookup; a substring search over a million rows would be a full scan."""
    text = term.strip().lstrip("#").strip()
    if not text:
        return disputes
    matches = Q()
    if text.isdigit() and int(text) <= BIGINT_MAX:
        number = int(text)
        matches |= Q(pk=number) | Q(order_id=number)
    order_ids = list(Order.objects.filter(transaction_id=text).values_list("pk", flat=True)[:1])
    if order_ids:
        matches |= Q(order_id__in=order_ids)
    lowered = text.lower()
    user_ids = list(
        User.objects.alias(username_lower=Lower("username"))
        .filter(Q(email=lowered) | Q(username_lower=lowered))
        .values_list("pk", flat=True)[:SEARCH_USER_LIMIT]
    )
    if user_ids:
        parties = Q(buyer_id__in=user_ids) | Q(seller_id__in=user_ids)
        # Fetching the ids first (the buyer and seller indexes) gives the planner an exact row
        # count; with the bare OR it guesses an average user and walks the whole deadline index
        # when the real user has few disputes.
        ids = list(
            Dispute.objects.filter(parties)
            .order_by()
            .values_list("pk", flat=True)[: SEARCH_ID_LIMIT + 1]
        )
        matches |= Q(pk__in=ids) if len(ids) <= SEARCH_ID_LIMIT else parties
    return disputes.filter(matches) if matches else disputes.none()


class Median(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class DashboardStats:
    open_by_state: dict[str, int]
    overdue: int
    opened_per_day: list[tuple[date, int]]
    median_first_response: timedelta | None
    median_resolution: timedelta | None
    since: datetime

    @property
    def open_total(self) -> int:
        return sum(self.open_by_state.values())


def median_duration(rows: QuerySet[Dispute], end_field: str) -> timedelta | None:
    rows = rows.filter(**{f"{end_field}__isnull": False}).order_by()
    if connections[rows.db].vendor == "postgresql":
        span = ExpressionWrapper(F(end_field) - F("created_at"), output_field=DurationField())
        found: Any = rows.aggregate(median=Median(span))["median"]
        return found if isinstance(found, timedelta) else None
    spans = [end - start for start, end in rows.values_list("created_at", end_field)]
    return statistics.median(spans) if spans else None


def dispute_dashboard_stats(
    *, now: datetime | None = None, days: int = WINDOW_DAYS
) -> DashboardStats:
    """Open disputes by state, overdue count, disputes opened per day over the last `days` days
    (today included) and the median times to first response and to resolution of those disputes."""
    moment = now or timezone.now()
    today = timezone.localdate(moment)
    first_day = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first_day, datetime.min.time()))
    open_rows = Dispute.objects.filter(status__in=OPEN_STATUSES).order_by()
    by_state = {status: 0 for status in OPEN_STATUSES}
    by_state.update(dict(open_rows.values_list("status").annotate(n=Count("id"))))
    recent = Dispute.objects.filter(created_at__gte=since).order_by()
    per_day = dict(
        recent.annotate(day=TruncDate("created_at")).values_list("day").annotate(n=Count("id"))
    )
    series = [
        (
            first_day + timedelta(days=offset),
            int(per_day.get(first_day + timedelta(days=offset), 0)),
        )
        for offset in range(days)
    ]
    return DashboardStats(
        open_by_state=by_state,
        overdue=Dispute.objects.overdue(moment).count(),
        opened_per_day=series,
        median_first_response=median_duration(recent, "first_response_at"),
        median_resolution=median_duration(recent, "closed_at"),
        since=since,
    )
