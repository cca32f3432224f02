"""The staff dashboard the admin mounts next to the queue: open disputes by state, overdue, open
escalated disputes, disputes opened per day (a server-rendered SVG chart), the median response,
resolution and settlement times, open disputes per agent and the share of staff waits answered in
time per week (a second SVG chart, with the same figures as a table). It only reads, through
`disputes.selectors.backoffice`, `disputes.selectors.settlement_stats` and
`disputes.selectors.desk`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from disputes.models import DisputeStatus
from disputes.selectors import backoffice
from disputes.selectors.desk import (
    AgentLoad,
    WeekShare,
    open_per_agent,
    staff_answer_share_per_week,
)
from disputes.selectors.settlement_stats import SettlementStats, settlement_stats
from echo_disputes.admin import format_duration

DASHBOARD_CACHE_KEY = "admin:dispute-dashboard"
SETTLEMENT_CACHE_KEY = "admin:dispute-dashboard-settlement"
DESK_CACHE_KEY = "admin:dispute-dashboard-desk"
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
                label=date_format(day, "j M") if index % 5 == 0 or index == len(series) - 1 else "",
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


SHARE_WIDTH, SHARE_HEIGHT = 720, 200


@dataclass(frozen=True)
class ShareBar:
    share: WeekShare
    x: float
    y: float
    width: float
    height: float


def share_bars(series: list[WeekShare]) -> dict[str, Any]:
    """Geometry of the weekly in-time share chart: one bar per week, 0 to 100 %; a week with
    nothing to measure has no bar (and says so in the table)."""
    plot_height = SHARE_HEIGHT - CHART_BOTTOM - CHART_TOP
    slot = (SHARE_WIDTH - CHART_LEFT) / max(len(series), 1)
    bars = []
    for index, week in enumerate(series):
        height = plot_height * (week.percent or 0) / 100
        bars.append(
            ShareBar(
                share=week,
                x=round(CHART_LEFT + index * slot + 4, 1),
                y=round(CHART_TOP + plot_height - height, 1),
                width=round(max(slot - 8, 1), 1),
                height=round(height, 1),
            )
        )
    return {
        "bars": bars,
        "width": SHARE_WIDTH,
        "height": SHARE_HEIGHT,
        "left": CHART_LEFT,
        "baseline": SHARE_HEIGHT - CHART_BOTTOM,
        "top_y": CHART_TOP,
        "label_y": SHARE_HEIGHT - 8,
    }


@dataclass(frozen=True)
class DeskStats:
    per_agent: list[AgentLoad]
    weekly_share: list[WeekShare]


def desk_stats() -> DeskStats:
    """Open disputes per agent and the weekly in-time share: two grouped queries."""
    return DeskStats(per_agent=open_per_agent(), weekly_share=staff_answer_share_per_week())


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
    desk = cast(DeskStats, cache.get_or_set(DESK_CACHE_KEY, desk_stats, DASHBOARD_CACHE_SECONDS))
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
        "per_agent": desk.per_agent,
        "share_chart": share_bars(desk.weekly_share),
        "staff_response_hours": settings.ECHO_STAFF_RESPONSE_HOURS,
    }
    return TemplateResponse(request, "admin/disputes/dashboard.html", context)
