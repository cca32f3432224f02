"""The dispute queue (the admin's changelist): list columns, filters, exact indexed search, the
archive orderings, the dashboard link and the bulk actions. Actions call `disputes.services`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.models import User
from disputes import services
from disputes.admin.base import staff_user
from disputes.admin.dashboard import dashboard_view
from disputes.admin.dispute_page import DisputePageAdmin
from disputes.admin.export import export_response
from disputes.admin.filters import (
    AssigneeFilter,
    EscalatedFilter,
    OutcomeFilter,
    OverdueFilter,
    StaffResponseFilter,
    StateFilter,
    StoreFilter,
)
from disputes.admin.forms import AssignActionForm
from disputes.models import OPEN_STATUSES, Dispute
from disputes.selectors import backoffice
from echo_disputes.errors import DomainError

BULK_LIMIT = 500
REFUSALS_LISTED = 10


def _agent_name(user_id: int) -> str:
    return User.objects.filter(pk=user_id).values_list("username", flat=True).first() or ""


class ReminderFilter(admin.SimpleListFilter):
    """Which deadline reminders went out to the respondent (disputes/services/reminders.py).

    Not indexed: with the state filter (open by default) it narrows the open disputes walked in
    deadline order, which are few next to the table."""

    title = _("reminders")
    parameter_name = "reminded"
    NONE = "none"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [
            *[
                (r.key, _("%(hours)s h reminder sent") % {"hours": r.hours})
                for r in services.REMINDERS
            ],
            (self.NONE, _("No reminder sent")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value == self.NONE:
            return queryset.filter(**{f"{r.field}__isnull": True for r in services.REMINDERS})
        for reminder in services.REMINDERS:
            if value == reminder.key:
                return queryset.filter(**{f"{reminder.field}__isnull": False})
        raise IncorrectLookupParameters(f"Unknown reminder {value!r}.")


class DisputeAdmin(DisputePageAdmin):
    list_display = (
        "id", "order_link", "buyer", "seller", "amount_display", "status_display",
        "escalated_display", "deadline_display", "staff_response_display", "assignee_display",
        "reminders_display", "last_activity_at",
    )  # fmt: skip
    list_display_links = ("id",)
    list_select_related = ("buyer", "seller", "assignee")
    # Only orderings an index serves at a million rows: the deadline queue, the staff response
    # due time (the disputes that wait) and the id.
    sortable_by = ("id", "deadline_display", "staff_response_display")
    ordering = ("respond_by", "id")
    # In the open queue, the disputes a party asked staff to decide come first (oldest
    # escalation first), then the rest by deadline.
    escalated_first = (F("escalated_at").asc(nulls_last=True), "respond_by", "id")
    list_filter = (
        StateFilter, AssigneeFilter, StaffResponseFilter, EscalatedFilter, "kind", "reason_code",
        OverdueFilter, ReminderFilter, OutcomeFilter, StoreFilter,
    )  # fmt: skip
    # Shown for the search box; get_search_results does the (exact, indexed) matching.
    search_fields = ("=id",)
    search_help_text = _(
        "Dispute or order id, payment transaction id, or a buyer's or seller's exact e-mail or "
        "username."
    )
    actions = (
        "take_up_selected", "assign_selected_to_me", "assign_selected_to_agent",
        "unassign_selected", "export_csv", "export_csv_with_notes",
    )  # fmt: skip
    # The action bar's agent select, for "Assign to the chosen agent" (ModelAdmin.action_form).
    action_form = AssignActionForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispute]:
        qs = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name == "disputes_dispute_changelist":
            # The queue shows only buyer and seller (list_select_related). An eight-table join
            # here cost ~20 ms of planning per page view, more than everything else together.
            return qs
        return qs.select_related(
            "buyer",
            "seller",
            "opened_by",
            "closed_by",
            "escalated_by",
            "assignee",
            "order__item__store",
        )

    def get_ordering(self, request: HttpRequest) -> Any:
        # The queue reads the open-disputes index by deadline; the archive views (all, terminal)
        # read the created_at index newest first, since no index orders every dispute by deadline.
        state = request.GET.get(StateFilter.parameter_name)
        if state in (StateFilter.ALL, StateFilter.TERMINAL):
            return ("-created_at", "-id")
        if state in (None, StateFilter.OPEN, *OPEN_STATUSES):
            return self.escalated_first
        return self.ordering

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return backoffice.dispute_search(queryset, search_term), False

    @admin.display(description=_("escalated"))
    def escalated_display(self, obj: Dispute) -> SafeString:
        if obj.escalated_at is None:
            return format_html('<span class="echo-muted-text">{}</span>', "—")
        return format_html(
            '<span class="echo-badge echo-escalated" title="{}">{}</span>',
            obj.escalated_at.strftime("%Y-%m-%d %H:%M UTC"),
            _("escalated"),
        )

    @admin.display(description=_("reminders"))
    def reminders_display(self, obj: Dispute) -> SafeString:
        """A badge per deadline reminder sent, its time on hover; read from the row itself, so
        the column costs no query."""
        sent = [
            (_("reminded %(at)s") % {"at": at.strftime("%Y-%m-%d %H:%M UTC")}, reminder.key)
            for reminder in services.REMINDERS
            if (at := getattr(obj, reminder.field)) is not None
        ]
        if not sent:
            return format_html('<span class="echo-muted-text">{}</span>', "—")
        return format_html_join(
            " ",
            '<span class="echo-badge echo-muted echo-reminded" title="{}">{}</span>',
            sent,
        )

    @admin.display(description=_("assignee"))
    def assignee_display(self, obj: Dispute) -> SafeString:
        if obj.assignee is None:
            return format_html('<span class="echo-muted-text">{}</span>', "—")
        return format_html("{}", obj.assignee.username)

    @admin.display(description=_("order"))
    def order_link(self, obj: Dispute) -> SafeString:
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">#{}</a>', url, obj.order_id)

    def get_urls(self) -> list[URLPattern]:  # type: ignore[override]
        wrap = self.admin_site.admin_view
        return [
            path(
                "dashboard/",
                wrap(self.dashboard),
                name="disputes_dispute_dashboard",
            ),
            *self.page_urls(),
            *super().get_urls(),  # type: ignore[list-item]
        ]

    def dashboard(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return dashboard_view(request, self)

    # --- bulk actions ---

    def _each_selected(
        self,
        request: HttpRequest,
        queryset: QuerySet[Dispute],
        perform: Callable[[User, int], object],
        done: Callable[[int, int], str],
    ) -> None:
        """Run one service per selected dispute (at most BULK_LIMIT); each refusal is listed."""
        ids = list(queryset.order_by("id").values_list("pk", flat=True)[: BULK_LIMIT + 1])
        if len(ids) > BULK_LIMIT:
            messages.error(
                request,
                gettext("Select at most %(n)d disputes at once; none changed.") % {"n": BULK_LIMIT},
            )
            return
        actor = staff_user(request)
        changed: list[int] = []
        refused: list[str] = []
        for pk in ids:
            try:
                perform(actor, pk)
            except DomainError as error:
                refused.append(f"#{pk} ({error.message})")
            else:
                changed.append(pk)
        if changed:
            messages.success(request, done(len(changed), len(ids)))
        if refused:
            shown = "; ".join(refused[:REFUSALS_LISTED])
            more = (
                f" and {len(refused) - REFUSALS_LISTED} more"
                if len(refused) > REFUSALS_LISTED
                else ""
            )
            messages.error(
                request,
                _("Refused %(refused)s: %(shown)s%(more)s.")
                % {"refused": len(refused), "shown": shown, "more": more},
            )

    @admin.action(description=_("Take up the selected disputes"), permissions=["change"])
    def take_up_selected(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        self._each_selected(
            request,
            queryset,
            lambda actor, pk: services.dispute_take_up(actor=actor, dispute_id=pk),
            lambda n, of: (
                gettext("Took up %(taken)s of %(selected)s disputes.")
                % {"taken": n, "selected": of}
            ),
        )

    @admin.action(description=_("Assign the selected disputes to me"), permissions=["change"])
    def assign_selected_to_me(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        self._each_selected(
            request,
            queryset,
            lambda actor, pk: services.dispute_assign(
                actor=actor, dispute_id=pk, assignee_id=actor.pk
            ),
            lambda n, of: gettext("Assigned %(n)d of %(of)d disputes to you.") % {"n": n, "of": of},
        )

    @admin.action(
        description=_("Assign the selected disputes to the chosen agent"), permissions=["change"]
    )
    def assign_selected_to_agent(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        agent_id = AssignActionForm(request.POST).agent_id()
        if agent_id is None:
            messages.error(
                request,
                gettext("Choose an active support agent next to the action; none changed."),
            )
            return
        self._each_selected(
            request,
            queryset,
            lambda actor, pk: services.dispute_assign(
                actor=actor, dispute_id=pk, assignee_id=agent_id
            ),
            lambda n, of: (
                gettext("Assigned %(n)d of %(of)d disputes to %(agent)s.")
                % {"n": n, "of": of, "agent": _agent_name(agent_id)}
            ),
        )

    @admin.action(description=_("Unassign the selected disputes"), permissions=["change"])
    def unassign_selected(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        self._each_selected(
            request,
            queryset,
            lambda actor, pk: services.dispute_assign(actor=actor, dispute_id=pk, assignee_id=None),
            lambda n, of: gettext("Unassigned %(n)d of %(of)d disputes.") % {"n": n, "of": of},
        )

    @admin.action(
        description=_("Export the selected to CSV (public messages)"), permissions=["view"]
    )
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> StreamingHttpResponse:
        return export_response(queryset, include_notes=False)

    @admin.action(
        description=_("Export the selected to CSV, including internal notes"), permissions=["view"]
    )
    def export_csv_with_notes(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> StreamingHttpResponse:
        return export_response(queryset, include_notes=True)
