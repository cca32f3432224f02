"""Back-office views the admin mounts next to the dispute list: the staff dashboard and the CSV
export. Both only read; every write lives in `disputes.services`."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django.contrib import admin
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from disputes.admin_base import format_duration
from disputes.admin_selectors import DashboardStats, dispute_dashboard_stats
from disputes.models import Dispute, DisputeStatus, Message, Visibility

# --- dashboard ----------------------------------------------------------------------------------

DASHBOARD_CACHE_KEY = "admin:dispute-dashboard"
DASHBOARD_CACHE_SECONDS = 60
CHART_WIDTH, CHART_HEIGHT = 720, 220
CHART_LEFT, CHART_BOTTOM, CHART_TOP = 40, 28, 12


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: float
    y: float
    width: float
    height: float
    label: str


def chart_bars(series: list[tuple[date, int]]) -> dict[str, Any]:
    """Geometry of a server-rendered SVG bar chart (no JavaScript, nothing from a CDN)."""
    top = max((count for _, count in series), default=0) or 1
    plot_height = CHART_HEIGHT - CHART_BOTTOM - CHART_TOP
    slot = (CHART_WIDTH - CHART_LEFT) / max(len(series), 1)
    bars = []
    for index, (day, count) in enumerate(series):
        height = plot_height * count / top
        bars.append(
            Bar(
                day=day,
                count=count,
                x=round(CHART_LEFT + index * slot + 1, 1),
                y=round(CHART_TOP + plot_height - height, 1),
                width=round(max(slot - 2, 1), 1),
                height=round(height, 1),
                # A date under every fifth bar and the last keeps the axis readable.
                label=day.strftime("%d %b") if index % 5 == 0 or index == len(series) - 1 else "",
            )
        )
    return {
        "bars": bars,
        "top": top,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "baseline": CHART_HEIGHT - CHART_BOTTOM,
        "top_y": CHART_TOP,
        "label_y": CHART_HEIGHT - 8,
    }


def duration_text(value: timedelta | None) -> str:
    return "no data yet" if value is None else format_duration(value, (" d", " h", " min"))


def dashboard_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> TemplateResponse:
    # At a million disputes the figures take a few seconds of aggregate queries; a minute-old
    # dashboard is fine, a dashboard that loads every agent's database is not.
    stats = cast(
        DashboardStats,
        cache.get_or_set(DASHBOARD_CACHE_KEY, dispute_dashboard_stats, DASHBOARD_CACHE_SECONDS),
    )
    labels = dict(DisputeStatus.choices)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Support dashboard",
        "opts": model_admin.model._meta,
        "stats": stats,
        "open_rows": [(status, labels[status], n) for status, n in stats.open_by_state.items()],
        "chart": chart_bars(stats.opened_per_day),
        "opened_total": sum(count for _, count in stats.opened_per_day),
        "median_first_response": duration_text(stats.median_first_response),
        "median_resolution": duration_text(stats.median_resolution),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "admin/disputes/dashboard.html", context)


# --- CSV export ---------------------------------------------------------------------------------

CSV_HEADER = (
    "dispute_id", "order_id", "transaction_id", "kind", "status", "reason_code", "reason",
    "buyer", "buyer_email", "seller", "seller_email", "amount", "currency", "refund_amount",
    "respond_by", "created_at", "closed_at", "outcome", "resolution", "message_id",
    "message_at", "message_author", "message_visibility", "message_body",
)  # fmt: skip
EXPORT_CHUNK = 500
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): quote those that could."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """csv.writer needs a file; this one hands each formatted line back to the generator."""

    def write(self, value: str) -> str:
        return value


def export_rows(disputes: QuerySet[Dispute], *, include_notes: bool) -> Iterator[list[str]]:
    """One row per message, the dispute's columns repeated; a dispute without messages gets one
    row with empty message columns. Internal notes only when asked for."""
    thread = Message.objects.select_related("author").order_by("created_at", "id")
    if not include_notes:
        thread = thread.filter(visibility=Visibility.PUBLIC)
    rows = (
        disputes.select_related("buyer", "seller", "order")
        .prefetch_related(Prefetch("messages", queryset=thread, to_attr="export_messages"))
        .order_by("id")
    )
    for dispute in rows.iterator(chunk_size=EXPORT_CHUNK):
        head = [
            dispute.pk, dispute.order_id, dispute.order.transaction_id, dispute.kind,
            dispute.status, dispute.reason_code, dispute.reason, dispute.buyer.username,
            dispute.buyer.email, dispute.seller.username, dispute.seller.email, dispute.amount,
            dispute.currency, dispute.refund_amount, dispute.respond_by, dispute.created_at,
            dispute.closed_at, dispute.outcome, dispute.resolution,
        ]  # fmt: skip
        messages: list[Message] = dispute.export_messages  # type: ignore[attr-defined]
        if not messages:
            yield [csv_cell(v) for v in [*head, None, None, None, None, None]]
        for message in messages:
            tail = [message.pk, message.created_at, message.author.username,
                    message.visibility, message.body]  # fmt: skip
            yield [csv_cell(v) for v in [*head, *tail]]


def export_response(disputes: QuerySet[Dispute], *, include_notes: bool) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield writer.writerow(CSV_HEADER)
        for row in export_rows(disputes, include_notes=include_notes):
            yield writer.writerow(row)

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"disputes-{stamp}{'-with-notes' if include_notes else ''}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
