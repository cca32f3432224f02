"""The queue's sidebar filters. Each filters on indexed columns only (see disputes/migrations)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from disputes.models import OPEN_STATUSES, TERMINAL_STATUSES, DisputeStatus, Outcome
from disputes.selectors.desk import DUE_SOON, StaffResponse, staff_response_q, support_agents
from orders.models import Store


class StateFilter(admin.SimpleListFilter):
    """Opens on the work to do: non-terminal disputes. "All" and "Terminal" are one click away."""

    title = _("state")
    parameter_name = "state"
    OPEN, TERMINAL, ALL = "open", "terminal", "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [
            (self.OPEN, _("Open (needs response, under review)")),
            *[(value, str(label)) for value, label in DisputeStatus.choices],
            (self.TERMINAL, _("Terminal (won, lost, closed)")),
            (self.ALL, _("All")),
        ]

    def choices(self, changelist: Any) -> Any:
        current = self.value() or self.OPEN
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or self.OPEN
        if value == self.OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == self.TERMINAL:
            return queryset.filter(status__in=TERMINAL_STATUSES)
        if value == self.ALL:
            return queryset
        if value in DisputeStatus.values:
            return queryset.filter(status=value)
        raise IncorrectLookupParameters(f"Unknown state {value!r}.")


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = Q(status=DisputeStatus.NEEDS_RESPONSE, respond_by__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        if self.value() is None:
            return queryset
        raise IncorrectLookupParameters(_("overdue must be yes or no."))


class EscalatedFilter(admin.SimpleListFilter):
    """Disputes a party asked staff to decide (`escalated_at` set), or the others."""

    title = _("escalated")
    parameter_name = "escalated"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [("yes", _("Escalated by a party")), ("no", _("Not escalated"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(escalated_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(escalated_at__isnull=True)
        if self.value() is None:
            return queryset
        raise IncorrectLookupParameters(_("escalated must be yes or no."))


class OutcomeFilter(admin.SimpleListFilter):
    """How decided disputes ended (settled between the parties, won, lost, withdrawn, expired,
    or closed without a winner). Only decided disputes have an outcome, so a link here also
    switches the state filter to the terminal ones unless it already shows decided disputes."""

    title = _("outcome")
    parameter_name = "outcome"
    NONE = "none"
    # State filter values that already include decided disputes.
    DECIDED_STATES = (StateFilter.TERMINAL, StateFilter.ALL, *TERMINAL_STATUSES)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return [
            *[(value, str(label)) for value, label in Outcome.choices],
            (self.NONE, _("Closed without a winner")),
        ]

    def choices(self, changelist: Any) -> Any:
        state = changelist.params.get(StateFilter.parameter_name)
        keep = {} if state in self.DECIDED_STATES else {StateFilter.parameter_name: "terminal"}
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "All",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value, **keep}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value == self.NONE:
            return queryset.filter(status__in=TERMINAL_STATUSES, outcome="")
        if value in Outcome.values:
            return queryset.filter(outcome=value)
        raise IncorrectLookupParameters(f"Unknown outcome {value!r}.")


class StoreFilter(admin.SimpleListFilter):
    """A store id typed into the sidebar, not one link per store: a marketplace has thousands of
    stores, and rendering a link for each made the queue's sidebar its most expensive part.
    Filtering goes through the seller column, which the (seller, created_at) index serves."""

    title = _("store")
    parameter_name = "store"
    template = "admin/disputes/input_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, StrOrPromise]]:
        return []

    def has_output(self) -> bool:
        return True

    def choices(self, changelist: Any) -> Any:
        value = self.value() or ""
        store = (
            Store.objects.filter(pk=int(value)).only("name").first() if value.isdigit() else None
        )
        others = [
            (key, item)
            for key, items in changelist.params.items()
            if key not in (self.parameter_name, "p")
            for item in (items if isinstance(items, list) else [items])
        ]
        yield {
            "selected": bool(value),
            "value": value,
            "store_name": store.name if store else "",
            "query_parts": others,
            "clear_query_string": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            raise IncorrectLookupParameters(_("store must be a store id."))
        # A constant, not a subquery: the planner then knows how many disputes the seller has.
        owner = Store.objects.filter(pk=int(value)).values_list("owner_id", flat=True).first()
        return queryset.none() if owner is None else queryset.filter(seller_id=owner)


class AssigneeFilter(admin.SimpleListFilter):
    """All, the signed-in agent's own, the unassigned, or one agent's disputes. The agents are
    the active support staff (one small query); an id typed into the URL also finds the disputes
    of an agent deactivated since. Served by the (assignee, respond_by) index on open disputes."""

    title = _("assignee")
    parameter_name = "assignee"
    MINE, NONE = "mine", "none"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (self.MINE, gettext("Mine")),
            (self.NONE, gettext("Unassigned")),
            *[(str(agent.pk), agent.username) for agent in support_agents().only("username")],
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value == self.MINE:
            return queryset.filter(assignee_id=request.user.pk)
        if value == self.NONE:
            return queryset.filter(assignee__isnull=True)
        if value.isdigit() and len(value) < 19:
            return queryset.filter(assignee_id=int(value))
        raise IncorrectLookupParameters(_("assignee must be mine, none or a user id."))


class StaffResponseFilter(admin.SimpleListFilter):
    """Where a dispute stands against the staff response target (ECHO_STAFF_RESPONSE_HOURS):
    overdue (at or past its due time), due soon, on track, or not waiting for staff."""

    title = _("staff response")
    parameter_name = "staff_response"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        hours = int(DUE_SOON.total_seconds() // 3600)
        return [
            (StaffResponse.OVERDUE.value, gettext("Overdue")),
            (
                StaffResponse.DUE_SOON.value,
                ngettext("Due within %(n)d hour", "Due within %(n)d hours", hours) % {"n": hours},
            ),
            (StaffResponse.ON_TRACK.value, gettext("On track")),
            (StaffResponse.NOT_WAITING.value, gettext("Not waiting for staff")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value not in {state.value for state in StaffResponse}:
            raise IncorrectLookupParameters(_("Unknown staff response state."))
        return queryset.filter(staff_response_q(StaffResponse(value), timezone.now()))
