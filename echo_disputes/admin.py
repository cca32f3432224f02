"""Generic building blocks of the back office, shared by every app's admin classes.

This is project plumbing: it imports no app. Which users may use an admin class is the app's
policy, so `PolicyGatedAdmin` leaves that one question (`has_access`) to each app's admin.

`BoundedCountPaginator` never runs an unbounded COUNT(*): the stock paginator counts every
matching row on each page view, which at a million disputes or five million messages costs more
than the page itself. This one counts at most `cap + 1` rows (`SELECT COUNT(*) FROM (SELECT id ...
LIMIT cap + 1)`, an index scan that stops early) and, for an unfiltered list on PostgreSQL, reads
the planner's row estimate from `pg_class` instead. Lists then say "more than 10,000" or "about N".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

COUNT_CAP = 10_000


class BoundedCountPaginator(Paginator):
    cap = COUNT_CAP
    approximate = False

    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        estimate = self._estimate(rows)
        if estimate is not None:
            self.approximate = True
            return estimate
        counted = rows.order_by().values("pk")[: self.cap + 1].count()
        self.approximate = counted > self.cap
        return counted

    @property
    def count_text(self) -> str:
        """What the list shows as its size: exact, "more than" the cap, or "about" an estimate."""
        count = self.count
        if not self.approximate:
            return str(count)
        if count > self.cap + 1:
            return f"about {count:,}"
        return f"more than {self.cap:,}"

    def _estimate(self, rows: QuerySet[Any]) -> int | None:
        if rows.query.where.children or rows.query.distinct:
            return None
        connection = connections[rows.db]
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [rows.model._meta.db_table],
            )
            found = cursor.fetchone()
        # A never-analysed table reports -1, and a small one is cheap to count exactly.
        if found is None or found[0] is None or found[0] <= self.cap:
            return None
        return int(found[0])


class BigTableAdmin(admin.ModelAdmin):
    """List settings for tables that grow to millions of rows: bounded counts, no facet counts."""

    paginator = BoundedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    @admin.display(
        description=mark_safe(
            '<input type="checkbox" id="action-toggle" aria-label="Select all rows on this page">'
        )
    )
    def action_checkbox(self, obj: Model) -> SafeString:
        # Django renders a form widget through the template engine for every row (and str(obj)
        # for its label): a fifth of the changelist's CPU. The markup is the same.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            gettext("Select row %(pk)s") % {"pk": obj.pk},
        )


class PolicyGatedAdmin(BigTableAdmin):
    """View and change access decided by one predicate on the request's user, the app's policy,
    instead of Django's model permissions (which a group could grant apart from the policy). Add
    and delete are refused: every write goes through the services."""

    def has_access(self, request: HttpRequest) -> bool:
        """The app's policy. Plumbing imports no app, so each app's admin names it; closed until
        it does."""
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_access(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_access(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_access(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(PolicyGatedAdmin):
    """Viewed in the back office, written only by the services (orders, stores, items, the
    thread and the event log): no add, change or delete from the admin."""

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def format_duration(delta: timedelta, units: tuple[str, str, str] = ("d", "h", "m")) -> str:
    """The two largest units of a duration, e.g. "6d 23h" or, with long units, "3 h 0 min"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    day, hour, minute = units
    if days:
        return f"{days}{day} {hours}{hour}"
    if hours:
        return f"{hours}{hour} {minutes}{minute}"
    return f"{minutes}{minute}"
