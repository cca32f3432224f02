"""What every disputes admin class shares: who may use it (support staff, the one definition in
`accounts.policies`) and the badges the queue, the dispute page and the order admin show."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from django.forms import Form
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.policies import is_support_staff
from disputes.models import Dispute, DisputeStatus, staff_overdue
from disputes.selectors.desk import DUE_SOON
from echo_disputes.admin import PolicyGatedAdmin, ReadOnlyAdmin, format_duration

SOON = timedelta(hours=24)
LONG_UNITS = (" d", " h", " min")


class SupportDeskAdmin(PolicyGatedAdmin):
    """Support staff view and act; nobody adds or deletes (the services write)."""

    def has_access(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user)


class SupportDeskReadOnlyAdmin(ReadOnlyAdmin):
    """Support staff view; nobody adds, changes or deletes."""

    def has_access(self, request: HttpRequest) -> bool:
        return is_support_staff(request.user)


def status_badge(status: str) -> SafeString:
    label = DisputeStatus(status).label if status in DisputeStatus.values else status
    return format_html('<span class="echo-badge echo-status-{}">{}</span>', status, label)


def deadline_badge(dispute: Dispute, now: datetime) -> SafeString:
    """Only a dispute awaiting its respondent runs against the clock."""
    if dispute.status == DisputeStatus.UNDER_REVIEW:
        return format_html('<span class="echo-badge echo-muted">{}</span>', _("responded"))
    if dispute.status != DisputeStatus.NEEDS_RESPONSE:
        return format_html('<span class="echo-muted-text">{}</span>', "—")
    left = dispute.respond_by - now
    if left.total_seconds() <= 0:
        return format_html(
            '<span class="echo-badge echo-overdue" title="{}">{}</span>',
            dispute.respond_by.isoformat(),
            _("overdue %(duration)s") % {"duration": format_duration(-left)},
        )
    css = "echo-soon" if left < SOON else "echo-timeleft"
    return format_html(
        '<span class="echo-badge {}" title="{}">{}</span>',
        css,
        dispute.respond_by.isoformat(),
        _("%(duration)s left") % {"duration": format_duration(left)},
    )


def staff_response_badge(dispute: Dispute, now: datetime) -> SafeString:
    """Time left before staff should answer ("in 5 h 0 min"), or how late they are; at the due
    time itself the dispute is overdue (`disputes.models.staff_overdue`)."""
    due = dispute.staff_due_at
    if due is None:
        return format_html('<span class="echo-muted-text">{}</span>', "—")
    when = due.strftime("%Y-%m-%d %H:%M UTC")
    if staff_overdue(due, now):
        return format_html(
            '<span class="echo-badge echo-overdue" title="{}">{}</span>',
            when,
            _("overdue by %(time)s") % {"time": format_duration(now - due, LONG_UNITS)},
        )
    left = due - now
    css = "echo-soon" if left <= DUE_SOON else "echo-timeleft"
    return format_html(
        '<span class="echo-badge {}" title="{}">{}</span>',
        css,
        when,
        _("in %(time)s") % {"time": format_duration(left, LONG_UNITS)},
    )


def form_problems(form: Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else "Form"
        parts.append(f"{label}: {' '.join(str(error) for error in errors)}")
    return "; ".join(parts)


def staff_user(request: HttpRequest) -> User:
    # admin_view and has_access already refused anyone who is not support staff.
    return cast(User, request.user)
