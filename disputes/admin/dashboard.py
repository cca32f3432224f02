"""The staff dashboard the admin mounts next to the queue: open disputes by state, overdue, open
escalated disputes, disputes opened per day (a server-rendered SVG chart) and the median response,
resolution and settlement times. It only reads, through `disputes.selectors.backoffice` and
`disputes.selectors.settlement_stats`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django.contrib import admin
from django.core.cache import cache
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.models import DisputeStatus
from disputes.selectors import backoffice
from disputes.selectors.settlement_stats import SettlementStats, settlement_stats
from echo_disputes.admin import format_duration

DASHBOARD_CACHE_KEY = "admin:dispute-dashboard"
SETTLEMENT_CACHE_KEY = "admin:dispute-dashboard-settlement"
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
    return _("no data yet") if value is None else format_duration(value, (" d", " h", " min"))


def dashboard_view(request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> TemplateResponse:
    # At a million disputes the figures take a few seconds of aggregate queries; a minute-old
    # dashboard is fine, a dashboard that loads every agent's database is not.
    stats = cast(
        backoffice.DashboardStats,
        cache.get_or_set(
            DASHBOARD_CACHE_KEY, backoffice.dispute_dashboard_stats, DASHBOARD_CACHE_SECONDS
        ),
    )
    settlement = cast(
        SettlementStats,
        cache.get_or_set(
            SETTLEMENT_CACHE_KEY,
            lambda: settlement_stats(since=stats.since),
            DASHBOARD_CACHE_SECONDS,
        ),
    )
    labels = dict(DisputeStatus.choices)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Support dashboard"),
        "opts": model_admin.model._meta,
        "stats": stats,
        "open_rows": [(status, labels[status], n) for status, n in stats.open_by_state.items()],
        "chart": chart_bars(stats.opened_per_day),
        "opened_total": sum(count for _, count in stats.opened_per_day),
        "median_first_response": duration_text(stats.median_first_response),
        "median_resolution": duration_text(stats.median_resolution),
        "settlement": settlement,
        "median_settlement": duration_text(settlement.median_settlement),
        "now": timezone.now(),
    }
    return TemplateResponse(request, "admin/disputes/dashboard.html", context)
