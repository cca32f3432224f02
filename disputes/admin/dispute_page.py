"""The dispute page (the admin's change view): the facts, the thread with internal notes, the
timeline, and the forms to post, take up and decide. Every field is read-only and `save_model`
writes nothing: the forms post to their own URLs, whose views call `disputes.services` (which
check `disputes.policies` again); a refusal comes back as an admin error message, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST
from django_stubs_ext import StrOrPromise

from accounts.models import User
from accounts.policies import is_support_staff
from disputes import selectors, services
from disputes.admin.base import (
    SupportDeskAdmin,
    deadline_badge,
    form_problems,
    staff_response_badge,
    staff_user,
    status_badge,
)
from disputes.admin.forms import (
    DisputeAssignForm,
    DisputeEvidenceForm,
    DisputeMessageForm,
    DisputeResolutionForm,
)
from disputes.admin.saved_replies import saved_reply_picker
from disputes.api.party.throttles import post_allowed
from disputes.models import Dispute, DisputeKind, DisputeStatus, Evidence, Visibility
from disputes.selectors.evidence import evidence_for_desk, evidence_get, evidence_superseded_by
from disputes.selectors.party import latest_events, thread_of
from disputes.storage import evidence_file_response
from echo_disputes.errors import DomainError
from echo_disputes.uploads import LimitedUploadHandler, limit_uploads

DETAIL_FIELDS = (
    "status_display", "kind", "reason_code", "reason", "deadline_display", "created_at",
    "first_response_at", "last_activity_at", "assignee_display", "staff_response_display",
)  # fmt: skip
PARTY_FIELDS = ("order_display", "buyer_display", "seller_display", "opened_by")
MONEY_FIELDS = ("amount_display", "original_amount_display", "fee_display", "refund_display")
RESOLUTION_FIELDS = ("outcome", "resolution", "closed_at", "closed_by")
ESCALATION_FIELDS = ("escalated_at", "escalated_by", "escalation_reason")
PROVIDER_FIELDS = ("provider_dispute_id", "provider_event_at")
EVIDENCE_FIELDS = ("evidence_display",)
EVIDENCE_TITLE = _("Evidence")
SUPERSEDED_FIELDS = ("superseded_evidence_display",)


TIMELINE_EVENTS = 50


class DisputePageAdmin(SupportDeskAdmin):
    """The change view of a dispute; `disputes.admin.queue.DisputeAdmin` adds the list."""

    fieldsets = (
        (_("Dispute"), {"fields": DETAIL_FIELDS}),
        (_("Order and parties"), {"fields": PARTY_FIELDS}),
        (_("Money"), {"fields": MONEY_FIELDS}),
        (_("Escalation"), {"fields": ESCALATION_FIELDS}),
        (_("Resolution"), {"fields": RESOLUTION_FIELDS}),
        (EVIDENCE_TITLE, {"fields": EVIDENCE_FIELDS}),
        (_("Payment provider"), {"fields": PROVIDER_FIELDS, "classes": ("collapse",)}),
    )
    readonly_fields = (
        *DETAIL_FIELDS, *PARTY_FIELDS, *MONEY_FIELDS, *ESCALATION_FIELDS, *RESOLUTION_FIELDS,
        *PROVIDER_FIELDS,
        *EVIDENCE_FIELDS, *SUPERSEDED_FIELDS,
    )  # fmt: skip

    class Media:
        css = {"all": ("admin_extra/admin_extra.css",)}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """The admin form has no editable field; state changes go through the forms below it."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related is edited here either."""

    @admin.display(description=_("amount"))
    def amount_display(self, obj: Dispute) -> str:
        return f"{obj.amount} {obj.currency}"

    @admin.display(description=_("order price"))
    def original_amount_display(self, obj: Dispute) -> str:
        return f"{obj.original_amount} {obj.currency}"

    @admin.display(description=_("fee"))
    def fee_display(self, obj: Dispute) -> str:
        return f"{obj.fee} {obj.fee_currency}"

    @admin.display(description=_("refund"))
    def refund_display(self, obj: Dispute) -> str:
        return "—" if obj.refund_amount is None else f"{obj.refund_amount} {obj.currency}"

    @admin.display(description=_("status"))
    def status_display(self, obj: Dispute) -> SafeString:
        return status_badge(obj.status)

    @admin.display(description=_("time left"), ordering="respond_by")
    def deadline_display(self, obj: Dispute) -> SafeString:
        return format_html(
            "{} <small>{}</small>",
            deadline_badge(obj, timezone.now()),
            obj.respond_by.strftime("%Y-%m-%d %H:%M UTC"),
        )

    @admin.display(description=_("assignee"))
    def assignee_display(self, obj: Dispute) -> str:
        return obj.assignee.username if obj.assignee is not None else "—"

    # The disputes that wait first (soonest due), then those that do not, on both databases
    # (SQLite sorts NULLs first, PostgreSQL last); descending reverses both.
    @admin.display(description=_("staff response"), ordering=F("staff_due_at").asc(nulls_last=True))
    def staff_response_display(self, obj: Dispute) -> SafeString:
        return staff_response_badge(obj, timezone.now())

    @admin.display(description=_("order"))
    def order_display(self, obj: Dispute) -> SafeString:
        order = obj.order
        return format_html(
            '<a href="{}">{}</a> · {} · {} {} · {} <code>{}</code> · {}',
            reverse("admin:orders_order_change", args=[order.pk]),
            _("Order #%(order_id)s") % {"order_id": order.pk},
            order.item.title,
            order.final_price,
            order.currency,
            _("transaction"),
            order.transaction_id,
            _("order status %(status)s") % {"status": order.get_status_display()},
        )

    def _user_link(self, user: User, role: StrOrPromise) -> SafeString:
        return format_html(
            '<a href="{}">{}</a> &lt;{}&gt; ({})',
            reverse("admin:accounts_user_change", args=[user.pk]),
            user.username,
            user.email,
            role,
        )

    @admin.display(description=_("buyer"))
    def buyer_display(self, obj: Dispute) -> SafeString:
        return self._user_link(obj.buyer, _("buyer"))

    @admin.display(description=_("seller"))
    def seller_display(self, obj: Dispute) -> SafeString:
        store = obj.order.item.store
        return format_html(
            "{} · {}",
            self._user_link(obj.seller, _("seller")),
            _("store %(name)s") % {"name": store.name},
        )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is not None and obj.kind == DisputeKind.CHARGEBACK:
            # The chargeback's response draws on the files of the disputes it took over.
            fieldsets.insert(
                fieldsets.index((EVIDENCE_TITLE, {"fields": EVIDENCE_FIELDS})) + 1,
                (_("Evidence of superseded disputes"), {"fields": SUPERSEDED_FIELDS}),
            )
        return fieldsets

    @staticmethod
    def _evidence_list(rows: list[Evidence], *, show_dispute: bool) -> SafeString:
        """Files as a list, internal ones marked, each a staff download from its own dispute."""
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li>{}<a href="{}">{}</a> · {} · {} · {} · sha256 <code>{}</code>{}</li>',
                (
                    (
                        format_html(
                            '<a href="{}">{}</a>: ',
                            reverse("admin:disputes_dispute_change", args=[e.dispute_id]),
                            _("Dispute #%(dispute_id)s") % {"dispute_id": e.dispute_id},
                        )
                        if show_dispute
                        else "",
                        reverse("admin:disputes_dispute_evidence_file", args=[e.dispute_id, e.pk]),
                        e.file_name,
                        e.get_kind_display(),
                        _("%(size)s bytes") % {"size": e.size},
                        _("%(at)s by %(name)s")
                        % {
                            "at": e.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                            "name": e.uploader.username,
                        },
                        e.sha256[:12],
                        " · " + _("internal (staff only)")
                        if e.visibility == Visibility.INTERNAL
                        else "",
                    )
                    for e in rows
                ),
            ),
        )

    @admin.display(description=_("files"))
    def evidence_display(self, obj: Dispute) -> SafeString:
        """Every file of the dispute, internal ones marked, each a staff download."""
        rows = evidence_for_desk(dispute_id=obj.pk)
        if not rows:
            return format_html('<span class="echo-muted-text">{}</span>', _("No files yet."))
        return self._evidence_list(rows, show_dispute=False)

    @admin.display(description=_("files"))
    def superseded_evidence_display(self, obj: Dispute) -> SafeString:
        """The files of the party disputes this chargeback closed on the same order."""
        rows = evidence_superseded_by(chargeback=obj)
        if not rows:
            return format_html(
                '<span class="echo-muted-text">{}</span>',
                _("This chargeback superseded no dispute with files."),
            )
        return self._evidence_list(rows, show_dispute=True)

    def evidence_file_view(
        self, request: HttpRequest, object_id: int, evidence_id: int
    ) -> FileResponse:
        """A file of the dispute, for support staff (the admin site lets no one else in)."""
        dispute = self.get_object(request, str(object_id))
        if dispute is None or not self.has_view_permission(request, dispute):
            raise Http404("No such dispute.")
        evidence = evidence_get(request.user, dispute_id=dispute.pk, evidence_id=evidence_id)
        if evidence is None:
            raise Http404("No such file.")
        return evidence_file_response(evidence)

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
        # One page of the thread, the newest by default (`?page=` for older ones): two queries
        # however long the thread.
        paginator: Paginator[Any] = Paginator(
            thread_of(user, dispute.pk), settings.ECHO_THREAD_PAGE_SIZE
        )
        thread_page = paginator.get_page(request.GET.get("page") or paginator.num_pages)
        thread = [
            {
                "message": message,
                "internal": message.visibility == Visibility.INTERNAL,
                "role": roles.get(
                    message.author_id, "staff" if is_support_staff(message.author) else ""
                ),
            }
            for message in thread_page.object_list
        ]
        timeline, timeline_more = latest_events(user, dispute.pk, limit=TIMELINE_EVENTS)
        offers = [
            {"offer": offer, "role": roles.get(offer.proposed_by_id, "")}
            for offer in selectors.offers_for(user=user, dispute=dispute)
        ]
        drafts = request.session.pop(self._draft_key(dispute.pk), {})
        reply_draft, reply_context = saved_reply_picker(request, dispute)
        can_act = self.has_change_permission(request, dispute)
        return {
            "thread": thread,
            "thread_page": thread_page,
            "timeline": timeline,
            "timeline_more": timeline_more,
            "events_url": reverse("admin:disputes_disputeevent_changelist") + f"?q={dispute.pk}",
            "offers": offers,
            "message_form": DisputeMessageForm(initial=reply_draft or drafts.get("message")),
            "resolution_form": DisputeResolutionForm(initial=drafts.get("resolution")),
            "evidence_form": DisputeEvidenceForm(initial=drafts.get("evidence")),
            "assign_form": DisputeAssignForm(initial={"assignee": dispute.assignee_id}),
            "assign_url": reverse("admin:disputes_dispute_assign", args=[dispute.pk]),
            "dispute_open": dispute.is_open,
            "can_act": can_act,
            "can_take_up": can_act and dispute.status == DisputeStatus.NEEDS_RESPONSE,
            "post_url": reverse("admin:disputes_dispute_post", args=[dispute.pk]),
            "take_up_url": reverse("admin:disputes_dispute_take_up", args=[dispute.pk]),
            "resolve_url": reverse("admin:disputes_dispute_resolve", args=[dispute.pk]),
            "evidence_url": reverse("admin:disputes_dispute_evidence_add", args=[dispute.pk]),
            **reply_context,
        }

    def page_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
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
                "<int:object_id>/assign/",
                wrap(require_POST(self.assign_view)),
                name="disputes_dispute_assign",
            ),
            path(
                "<int:object_id>/evidence/<int:evidence_id>/file/",
                wrap(require_GET(self.evidence_file_view)),
                name="disputes_dispute_evidence_file",
            ),
            path(
                "<int:object_id>/evidence/",
                # csrf_exempt tells admin_view not to read the body before the upload limit is in
                # place; the view checks CSRF itself once it is (as the thread page does).
                wrap(csrf_exempt(require_POST(self.evidence_add_view))),
                name="disputes_dispute_evidence_add",
            ),
            path(
                "<int:object_id>/resolve/",
                wrap(require_POST(self.resolve_view)),
                name="disputes_dispute_resolve",
            ),
        ]

    @staticmethod
    def _draft_key(dispute_id: int) -> str:
        return f"admin-dispute-draft-{dispute_id}"

    def _act(
        self,
        request: HttpRequest,
        object_id: int,
        form_class: type[Form],
        draft: str,
        perform: Callable[[User, Dispute, dict[str, Any]], StrOrPromise],
    ) -> HttpResponseRedirect:
        """Run one staff action from the dispute page; a refusal becomes an error message and the
        typed text is kept for the form, never a 500."""
        dispute = self.get_object(request, str(object_id))
        if dispute is None:
            messages.error(
                request, _("Dispute #%(object_id)s does not exist.") % {"object_id": object_id}
            )
            return HttpResponseRedirect(reverse("admin:disputes_dispute_changelist"))
        if not self.has_change_permission(request, dispute):
            raise PermissionDenied
        page = reverse("admin:disputes_dispute_change", args=[dispute.pk])
        form = form_class(request.POST, request.FILES)
        try:
            if not form.is_valid():
                raise DomainError(form_problems(form))
            done = perform(staff_user(request), dispute, form.cleaned_data)
        except DomainError as error:
            messages.error(request, _("Refused: %(message)s") % {"message": error.message})
            request.session[self._draft_key(dispute.pk)] = {draft: request.POST.dict()}
            return HttpResponseRedirect(page)
        messages.success(request, done)
        return HttpResponseRedirect(page)

    def post_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> StrOrPromise:
            # The same posting budget as the API and the thread page (PostThrottle).
            wait = post_allowed(request)
            if wait is not None:
                raise DomainError(
                    _("too many messages at once; wait %(wait)s seconds and post again.")
                    % {"wait": wait}
                )
            services.message_post(
                actor=actor, dispute_id=dispute.pk, body=data["body"], visibility=data["visibility"]
            )
            if data["visibility"] == Visibility.INTERNAL:
                return _("Internal note added (staff only).")
            return _("Message posted; the buyer and the seller can read it.")

        return self._act(request, object_id, DisputeMessageForm, "message", perform)

    def take_up_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> StrOrPromise:
            services.dispute_take_up(actor=actor, dispute_id=dispute.pk)
            return _("Dispute #%(dispute_id)s taken up: it is now under review.") % {
                "dispute_id": dispute.pk
            }

        return self._act(request, object_id, Form, "take_up", perform)

    def assign_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> str:
            agent = data["assignee"]
            done = services.dispute_assign(
                actor=actor, dispute_id=dispute.pk, assignee_id=agent.pk if agent else None
            )
            if done.assignee is None:
                return gettext("Dispute #%(id)s is unassigned.") % {"id": done.pk}
            return gettext("Dispute #%(id)s is assigned to %(agent)s.") % {
                "id": done.pk,
                "agent": done.assignee.username,
            }

        return self._act(request, object_id, DisputeAssignForm, "assign", perform)

    def resolve_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> StrOrPromise:
            decided = services.dispute_close(
                actor=actor,
                dispute_id=dispute.pk,
                resolution=data["resolution"],
                outcome=data["outcome"] or None,
                refund_amount=data["refund_amount"],
            )
            return _("Dispute #%(dispute_id)s recorded as %(status)s.") % {
                "dispute_id": decided.pk,
                "status": decided.get_status_display(),
            }

        return self._act(request, object_id, DisputeResolutionForm, "resolution", perform)

    def evidence_add_view(self, request: HttpRequest, object_id: int) -> HttpResponseRedirect:
        """A staff upload, bounded while it streams like every other upload."""
        limit = limit_uploads(request, max_bytes=settings.EVIDENCE_MAX_BYTES)
        return csrf_protect(self._evidence_add_checked)(request, object_id, limit)

    def _evidence_add_checked(
        self, request: HttpRequest, object_id: int, limit: LimitedUploadHandler
    ) -> HttpResponseRedirect:
        request.FILES  # noqa: B018 - parse the body under the limit before anything reads it
        if limit.refused:
            messages.error(
                request,
                _("Refused: a file may be at most %(max_bytes)s bytes.")
                % {"max_bytes": limit.max_bytes},
            )
            return HttpResponseRedirect(reverse("admin:disputes_dispute_change", args=[object_id]))

        def perform(actor: User, dispute: Dispute, data: dict[str, Any]) -> StrOrPromise:
            upload = data["file"]
            evidence = services.evidence_add(
                actor=actor,
                dispute_id=dispute.pk,
                upload=upload,
                file_name=upload.name,
                kind=data["kind"],
                description=data["description"],
                visibility=data["visibility"],
            )
            if evidence.visibility == Visibility.INTERNAL:
                return _("%(file_name)s added as internal evidence (staff only).") % {
                    "file_name": evidence.file_name
                }
            return _("%(file_name)s added; the buyer and the seller can see it.") % {
                "file_name": evidence.file_name
            }

        return self._act(request, object_id, DisputeEvidenceForm, "evidence", perform)
