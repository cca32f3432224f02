"""The support desk (DESIGN §9): the dispute queue, the dispute page, bulk actions, the dashboard.

Nothing here assigns a status or edits the thread: every field is read-only, there is no add or
delete, `save_model` writes nothing, and the forms and actions call `disputes.services`, which
check `disputes.policies` again. A refused move comes back as a DomainError and is shown as an
admin error message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from accounts.models import User
from disputes import services
from disputes.admin_base import BigTableAdmin, ReadOnlyAdmin, format_duration
from disputes.admin_forms import DisputeMessageForm, DisputeResolutionForm
from disputes.admin_selectors import dispute_search
from disputes.admin_views import dashboard_view, export_response
from disputes.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Dispute,
    DisputeEvent,
    DisputeStatus,
    Message,
    Visibility,
)
from disputes.selectors import events_visible_to, messages_visible_to
from echo_disputes.errors import DomainError
from orders.models import Store

admin.site.site_header = "ECHO Disputes · support desk"
# The queue has nine columns; the app sidebar squeezed the deadline and activity columns out of a
# 1280 px screen. Breadcrumbs and the index page still link every model.
admin.site.enable_nav_sidebar = False
admin.site.site_title = "ECHO support desk"
admin.site.index_title = "Back office"

BULK_LIMIT = 500
REFUSALS_LISTED = 10
SOON = timedelta(hours=24)


# --- display helpers ----------------------------------------------------------------------------


def status_badge(status: str) -> SafeString:
    label = DisputeStatus(status).label if status in DisputeStatus.values else status
    return format_html('<span class="echo-badge echo-status-{}">{}</span>', status, label)


def deadline_badge(dispute: Dispute, now: datetime) -> SafeString:
    """Only a dispute awaiting its respondent runs against the clock."""
    if dispute.status == DisputeStatus.UNDER_REVIEW:
        return format_html('<span class="echo-badge echo-muted">{}</span>', "responded")
    if dispute.status != DisputeStatus.NEEDS_RESPONSE:
        return format_html('<span class="echo-muted-text">{}</span>', "—")
    left = dispute.respond_by - now
    if left.total_seconds() <= 0:
        return format_html(
            '<span class="echo-badge echo-overdue" title="{}">overdue {}</span>',
            dispute.respond_by.isoformat(),
            format_duration(-left),
        )
    css = "echo-soon" if left < SOON else "echo-timeleft"
    return format_html(
        '<span class="echo-badge {}" title="{}">{} left</span>',
        css,
        dispute.respond_by.isoformat(),
        format_duration(left),
    )


def _form_problems(form: Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else "Form"
        parts.append(f"{label}: {' '.join(str(error) for error in errors)}")
    return "; ".join(parts)


def _staff_user(request: HttpRequest) -> User:
    # admin_view already refused anyone who is not active staff.
    return cast(User, request.user)


# --- list filters -------------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    """Opens on the work to do: non-terminal disputes. "All" and "Terminal" are one click away."""

    title = "state"
    parameter_name = "state"
    OPEN, TERMINAL, ALL = "open", "terminal", "all"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            (self.OPEN, "Open (needs response, under review)"),
            *[(value, str(label)) for value, label in DisputeStatus.choices],
            (self.TERMINAL, "Terminal (won, lost, closed)"),
            (self.ALL, "All"),
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
    title = "deadline"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        overdue = Q(status=DisputeStatus.NEEDS_RESPONSE, respond_by__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        if self.value() is None:
            return queryset
        raise IncorrectLookupParameters("overdue must be yes or no.")


class StoreFilter(admin.SimpleListFilter):
    """A store id typed into the sidebar, not one link per store: a marketplace has thousands of
    stores, and rendering a link for each made the queue's sidebar its most expensive part.
    Filtering goes through the seller column, which the (seller, created_at) index serves."""

    title = "store"
    parameter_name = "store"
    template = "admin/disputes/input_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
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
            raise IncorrectLookupParameters("store must be a store id.")
        # A constant, not a subquery: the planner then knows how many disputes the seller has.
        owner = Store.objects.filter(pk=int(value)).values_list("owner_id", flat=True).first()
        return queryset.none() if owner is None else queryset.filter(seller_id=owner)


# --- the dispute admin --------------------------------------------------------------------------

DETAIL_FIELDS = (
    "status_display", "kind", "reason_code", "reason", "deadline_display", "created_at",
    "first_response_at", "last_activity_at",
)  # fmt: skip
PARTY_FIELDS = ("order_display", "buyer_display", "seller_display", "opened_by")
MONEY_FIELDS = ("amount_display", "original_amount_display", "fee_display", "refund_display")
RESOLUTION_FIELDS = ("outcome", "resolution", "closed_at", "closed_by")
PROVIDER_FIELDS = ("provider_dispute_id", "provider_event_at")


@admin.register(Dispute)
class DisputeAdmin(BigTableAdmin):
    list_display = (
        "id", "order_link", "buyer", "seller", "amount_display", "status_display",
        "deadline_display", "last_activity_at",
    )  # fmt: skip
    list_display_links = ("id",)
    list_select_related = ("buyer", "seller")
    # Only orderings an index serves at a million rows: the deadline queue and the id.
    sortable_by = ("id", "deadline_display")
    ordering = ("respond_by", "id")
    list_filter = (StateFilter, "kind", "reason_code", OverdueFilter, StoreFilter)
    # Shown for the search box; get_search_results does the (exact, indexed) matching.
    search_fields = ("=id",)
    search_help_text = (
        "Dispute or order id, payment transaction id, or a buyer's or seller's exact e-mail or "
        "username."
    )
    actions = ("take_up_selected", "export_csv", "export_csv_with_notes")
    fieldsets = (
        ("Dispute", {"fields": DETAIL_FIELDS}),
        ("Order and parties", {"fields": PARTY_FIELDS}),
        ("Money", {"fields": MONEY_FIELDS}),
        ("Resolution", {"fields": RESOLUTION_FIELDS}),
        ("Payment provider", {"fields": PROVIDER_FIELDS, "classes": ("collapse",)}),
    )
    readonly_fields = (
        *DETAIL_FIELDS, *PARTY_FIELDS, *MONEY_FIELDS, *RESOLUTION_FIELDS, *PROVIDER_FIELDS,
    )  # fmt: skip

    class Media:
        css = {"all": ("admin_extra/admin_extra.css",)}

    # --- permissions and writes: none outside the services ---

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """The admin form has no editable field; state changes go through the forms below it."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related is edited here either."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispute]:
        qs = super().get_queryset(request)
        match = request.resolver_match
        if match is not None and match.url_name == "disputes_dispute_changelist":
            # The queue shows only buyer and seller (list_select_related). An eight-table join
            # here cost ~20 ms of planning per page view, more than everything else together.
            return qs
        return qs.select_related("buyer", "seller", "opened_by", "closed_by", "order__item__store")

    def get_ordering(self, request: HttpRequest) -> Any:
        # The queue reads the open-disputes index by deadline; the archive views (all, terminal)
        # read the created_at index newest first, since no index orders every dispute by deadline.
        if request.GET.get(StateFilter.parameter_name) in (StateFilter.ALL, StateFilter.TERMINAL):
            return ("-created_at", "-id")
        return self.ordering

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return dispute_search(queryset, search_term), False

    # --- columns and read-only fields ---

    @admin.display(description="order")
    def order_link(self, obj: Dispute) -> SafeString:
        url = reverse("admin:orders_order_change", args=[obj.order_id])
        return format_html('<a href="{}">#{}</a>', url, obj.order_id)

    @admin.display(description="amount")
    def amount_display(self, obj: Dispute) -> str:
        return f"{obj.amount} {obj.currency}"

    @admin.display(description="order price")
    def original_amount_display(self, obj: Dispute) -> str:
        return f"{obj.original_amount} {obj.currency}"

    @admin.display(description="fee")
    def fee_display(self, obj: Dispute) -> str:
        return f"{obj.fee} {obj.fee_currency}"

    @admin.display(description="refund")
    def refund_display(self, obj: Dispute) -> str:
        return "—" if obj.refund_amount is None else f"{obj.refund_amount} {obj.currency}"

    @admin.display(description="status")
    def status_display(self, obj: Dispute) -> SafeString:
        return status_badge(obj.status)

    @admin.display(description="time left", ordering="respond_by")
    def deadline_display(self, obj: Dispute) -> SafeString:
        return format_html(
            "{} <small>{}</small>",
            deadline_badge(obj, timezone.now()),
            obj.respond_by.strftime("%Y-%m-%d %H:%M UTC"),
        )

    @admin.display(description="order")
    def order_display(self, obj: Dispute) -> SafeString:
        order = obj.order
        return format_html(
            '<a href="{}">Order #{}</a> · {} · {} {} · transaction <code>{}</code> · '
            "order status {}",
            reverse("admin:orders_order_change", args=[order.pk]),
            order.pk,
            order.item.title,
            order.final_price,
            order.currency,
            order.transaction_id,
            order.get_status_display(),
        )

    def _user_link(self, user: User, role: str) -> SafeString:
        return format_html(
            '<a href="{}">{}</a> &lt;{}&gt; ({})',
            reverse("admin:accounts_user_change", args=[user.pk]),
            user.username,
            user.email,
            role,
        )

    @admin.display(description="buyer")
    def buyer_display(self, obj: Dispute) -> SafeString:
        return self._user_link(obj.buyer, "buyer")

    @admin.display(description="seller")
    def seller_display(self, obj: Dispute) -> SafeString:
        store = obj.order.item.store
        return format_html("{} · store {}", self._user_link(obj.seller, "seller"), store.name)

    # --- the dispute page ---

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST":
            # The page has no editable field: its forms post to the action URLs below.
            return HttpResponseRedirect(request.path)
        context = dict(extra_context or {})
        dispute = self.get_object(request, object_id)
        if dispute is not None:
            context.update(self._page_context(request, dispute))
        context.update(
            show_save=False,
            show_save_and_continue=False,
            show_save_and_add_another=False,
            show_delete=False,
        )
        return super().change_view(request, object_id, form_url, context)

    def _page_context(self, request: HttpRequest, dispute: Dispute) -> dict[str, Any]:
        user = request.user
        roles = {dispute.buyer_id: "buyer", dispute.seller_id: "seller"}
        thread = [
            {
                "message": message,
                "internal": message.visibility == Visibility.INTERNAL,
                "role": roles.get(message.author_id, "staff" if message.author.is_staff else ""),
            }
            for message in messages_visible_to(user).filter(dispute_id=dispute.pk)
        ]
        timeline = list(events_visible_to(user).filter(dispute_id=dispute.pk))
        drafts = request.session.pop(self._draft_key(dispute.pk), {})
        can_act = self.has_change_permission(request, dispute)
        return {
            "thread": thread,
            "timeline": timeline,
            "message_form": DisputeMessageForm(initial=drafts.get("message")),
            "resolution_form": DisputeResolutionForm(initial=drafts.get("resolution")),
            "dispute_open": dispute.is_open,
            "can_act": can_act,
            "can_take_up": can_act and dispute.status == DisputeStatus.NEEDS_RESPONSE,
            "post_url": reverse("admin:disputes_dispute_post", args=[dispute.pk]),
            "take_up_url": reverse("admin:disputes_dispute_take_up", args=[dispute.pk]),
            "resolve_url": reverse("admin:disputes_dispute_resolve", args=[dispute.pk]),
        }

    def get_urls(self) -> list[URLPattern]:  # type: ignore[override]
        wrap = self.admin_site.admin_view
        return [
            path(
                "dashboard/",
                wrap(self.dashboard),
                name="disputes_dispute_dashboard",
            ),
            path(
                "<int:object_id>/post/",
                wrap(require_POST(self.post_view)),
                name="disputes_dispute_post",
            ),
            path(
                "<int:object_id>/take-up/",
                wrap(require_POST(self.take_up_view)),
                name="disputes_dispute_take_up",
            ),
            path(
                "<int:object_id>/resolve/",
                wrap(require_POST(self.resolve_view)),
                name="disputes_dispute_resolve",
            ),
            *super().get_urls(),  # type: ignore[list-item]
        ]

    def dashboard(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return dashboard_view(request, self)

    @staticmethod
    def _draft_key(dispute_id: int) -> str:
        return f"admin-dispute-draft-{dispute_id}"

    def _act(
        self,
        request: HttpRequest,
        object_id: int,
        form_class: type[Form],
        draft: str,
        perform: Callable[[User, Dispute, dict[str, Any]], str],
    ) -> HttpResponseRedirect:
        """Run one staff action from the dispute page; a refusal becomes an error message and the
        typed text is kept for the form, never a 500."""
        dispute = self.get_object(request, str(object_id))
        if dispute is None:
            messages.error(request, f"Dispute #{object_id} does not exist.")
            return HttpResponseRedirect(reverse("admin:disputes_dispute_changelist"))
        if not self.has_change_permission(request, dispute):
            raise PermissionDenied
        page = reverse("admin:disputes_dispute_change", args=[dispute.pk])
        form = form_class(request.POST)
        try:
            if not form.is_valid():
                raise DomainError(_form_problems(form))
            done = perform(_staff_user(request), dispute, form.cleaned_data)
        except DomainError as error:
            messages.error(request, f"Refused: {error.message}")
            request.session[self._draft_key(dispute.pk)] = {draft: request.POST.dict()}
            return HttpResponseRedirect(page)
        messages.success(request, done)
        return HttpResponseRedirect(page)

    def post_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> str:
            services.message_post(
                actor=actor, dispute_id=dispute.pk, body=data["body"], visibility=data["visibility"]
            )
            if data["visibility"] == Visibility.INTERNAL:
                return "Internal note added (staff only)."
            return "Message posted; the buyer and the seller can read it."

        return self._act(request, object_id, DisputeMessageForm, "message", perform)

    def take_up_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> str:
            services.dispute_take_up(actor=actor, dispute_id=dispute.pk)
            return f"Dispute #{dispute.pk} taken up: it is now under review."

        return self._act(request, object_id, Form, "take_up", perform)

    def resolve_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> str:
            decided = services.dispute_close(
                actor=actor,
                dispute_id=dispute.pk,
                resolution=data["resolution"],
                outcome=data["outcome"] or None,
                refund_amount=data["refund_amount"],
            )
            return f"Dispute #{decided.pk} recorded as {decided.get_status_display()}."

        return self._act(request, object_id, DisputeResolutionForm, "resolution", perform)

    # --- bulk actions ---

    @admin.action(description="Take up the selected disputes", permissions=["change"])
    def take_up_selected(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
        ids = list(queryset.order_by("id").values_list("pk", flat=True)[: BULK_LIMIT + 1])
        if len(ids) > BULK_LIMIT:
            messages.error(
                request, f"Select at most {BULK_LIMIT} disputes to take up at once; none changed."
            )
            return
        actor = _staff_user(request)
        taken: list[int] = []
        refused: list[str] = []
        for pk in ids:
            try:
                services.dispute_take_up(actor=actor, dispute_id=pk)
            except DomainError as error:
                refused.append(f"#{pk} ({error.message})")
            else:
                taken.append(pk)
        if taken:
            messages.success(request, f"Took up {len(taken)} of {len(ids)} disputes.")
        if refused:
            shown = "; ".join(refused[:REFUSALS_LISTED])
            more = (
                f" and {len(refused) - REFUSALS_LISTED} more"
                if len(refused) > REFUSALS_LISTED
                else ""
            )
            messages.error(request, f"Refused {len(refused)}: {shown}{more}.")

    @admin.action(description="Export the selected to CSV (public messages)", permissions=["view"])
    def export_csv(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> StreamingHttpResponse:
        return export_response(queryset, include_notes=False)

    @admin.action(
        description="Export the selected to CSV, including internal notes", permissions=["view"]
    )
    def export_csv_with_notes(
        self, request: HttpRequest, queryset: QuerySet[Dispute]
    ) -> StreamingHttpResponse:
        return export_response(queryset, include_notes=True)


# --- the thread and the event log, read-only --------------------------------------------------


def _dispute_link(dispute_id: int) -> SafeString:
    url = reverse("admin:disputes_dispute_change", args=[dispute_id])
    return format_html('<a href="{}">Dispute #{}</a>', url, dispute_id)


def _by_dispute_id(queryset: QuerySet[Any], term: str) -> QuerySet[Any]:
    text = term.strip().lstrip("#")
    if not text:
        return queryset
    if text.isdigit() and len(text) < 19:
        return queryset.filter(dispute_id=int(text))
    return queryset.none()


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "dispute_link", "author", "visibility_display", "excerpt", "created_at")
    list_select_related = ("author",)
    list_filter = ("visibility",)
    ordering = ("-id",)
    sortable_by = ("id",)
    search_fields = ("=dispute__id",)
    search_help_text = "A dispute id."

    class Media:
        css = {"all": ("admin_extra/admin_extra.css",)}

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return _by_dispute_id(queryset, search_term), False

    @admin.display(description="dispute")
    def dispute_link(self, obj: Message) -> SafeString:
        return _dispute_link(obj.dispute_id)

    @admin.display(description="visibility")
    def visibility_display(self, obj: Message) -> SafeString:
        if obj.visibility == Visibility.INTERNAL:
            return format_html(
                '<span class="echo-badge echo-note-badge">{}</span>', "internal note"
            )
        return format_html('<span class="echo-badge echo-muted">{}</span>', "public")

    @admin.display(description="message")
    def excerpt(self, obj: Message) -> str:
        return obj.body if len(obj.body) <= 80 else f"{obj.body[:77]}..."


@admin.register(DisputeEvent)
class DisputeEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "dispute_link", "type", "from_status", "to_status", "actor", "at")
    list_select_related = ("actor",)
    list_filter = ("type",)
    ordering = ("-id",)
    sortable_by = ("id",)
    search_fields = ("=dispute__id",)
    search_help_text = "A dispute id."

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        return _by_dispute_id(queryset, search_term), False

    @admin.display(description="dispute")
    def dispute_link(self, obj: DisputeEvent) -> SafeString:
        return _dispute_link(obj.dispute_id)
