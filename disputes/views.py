"""Server-rendered dispute pages for the parties (docs/design.md §9).

Reads go through the selectors, writes through the services, and the policies decide which
forms a page offers. Pages are for the buyer and the seller only: anyone else, staff included,
gets 404, so a page never reveals that a dispute exists (staff work in the admin).

Offers and escalation (docs/pages.md, "Offers and escalation"): the thread page shows the open
offer with the buttons `policies.can` allows, the offers history and the "make an offer" form;
accepting an offer (the one page action that settles a dispute for good) and escalating each have
a confirmation page whose POST does it. Declining and withdrawing an offer change nothing final and
are single POST buttons.

Opening a dispute is a disputes page too (`dispute_open`); the order page embeds its form and the
order's disputes through `order_disputes_panel`, registered with `orders.extensions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods
from django_stubs_ext import StrOrPromise

from disputes import policies, selectors, services
from disputes.api.party.throttles import post_allowed
from disputes.forms import (
    OPEN_DISPUTE_FIELDS,
    DisputeFilterForm,
    EscalateForm,
    EvidenceForm,
    MessageForm,
    OfferForm,
    OpenDisputeForm,
    add_domain_error,
)
from disputes.models import Dispute, Offer
from disputes.policies import Action
from disputes.selectors.evidence import evidence_of_dispute
from disputes.selectors.party import party_thread
from disputes.states import Step, step_allowed
from disputes.storage import evidence_file_response
from disputes.templatetags.money import format_money
from echo_disputes.errors import DomainError, NotAllowed, NotFound
from echo_disputes.uploads import limit_uploads
from orders.models import Order
from orders.selectors import order_get_for_party

PAGE_SIZE = 20
# The stored kinds a thread page previews inline (their bytes are re-encoded images).
PREVIEW_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


def _url(dispute: Dispute) -> str:
    return reverse("disputes:detail", args=[dispute.pk])


def _thread(request: HttpRequest, dispute_id: int) -> Dispute:
    try:
        return selectors.dispute_thread_for_party(request.user, dispute_id)
    except (NotFound, NotAllowed):
        raise Http404("No dispute here.") from None


@login_required
@require_http_methods(["GET"])
def dispute_list(request: HttpRequest) -> HttpResponse:
    form = DisputeFilterForm(request.GET)
    state = form.cleaned_data["state"] if form.is_valid() else None
    disputes = selectors.PartyDisputeList(
        selectors.disputes_page_of_party(request.user, status=state),
        user_id=int(request.user.pk or 0),
    )
    paginator: Paginator[Any] = Paginator(disputes, PAGE_SIZE)  # type: ignore[arg-type]
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "disputes/list.html",
        {"form": form, "page": page, "state": state, "query": query.urlencode()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    dispute = _thread(request, dispute_id)
    form = MessageForm(request.POST or None)
    if request.method == "POST":
        # The API's posting budget, the same counter (PostThrottle): a flood through the page
        # cannot go on where the API stops it.
        wait = post_allowed(request)
        if wait is not None:
            form.is_valid()
            form.add_error(
                None,
                _(
                    "You are sending messages faster than anyone types. Wait %(wait)s seconds, "
                    "then send your message again."
                )
                % {"wait": wait},
            )
            response = _render_thread(request, dispute, form, status=429)
            response["Retry-After"] = str(wait)
            return response
    if request.method == "POST" and form.is_valid():
        try:
            message = services.message_post(
                actor=request.user,  # type: ignore[arg-type]
                dispute_id=dispute.pk,
                body=form.cleaned_data["message"],
            )
        except (NotFound, NotAllowed):
            raise Http404("No dispute here.") from None
        except DomainError as exc:
            add_domain_error(form, exc, {})
            # The dispute may have moved meanwhile (e.g. decided): show it as it is now.
            dispute = _thread(request, dispute_id)
        else:
            messages.success(request, _("Your message was posted."))
            return redirect(f"{_url(dispute)}#message-{message.pk}")
    status = 400 if form.errors else 200
    return _render_thread(request, dispute, form, status=status)


def thread_page(request: HttpRequest, messages_qs: Any) -> Any:
    """One page of a thread (oldest first within it): `?page=` if given, else the newest page,
    where a conversation is read and answered. Two queries (count and slice) whatever its length."""
    paginator: Paginator[Any] = Paginator(messages_qs, settings.ECHO_THREAD_PAGE_SIZE)
    number = request.GET.get("page") or paginator.num_pages
    return paginator.get_page(number)


def _offers(request: HttpRequest, dispute: Dispute) -> list[Offer]:
    """The dispute's offers as the user may see them, newest first, each pointing at `dispute`
    (the policy reads `offer.dispute`; the instance at hand saves a query per offer)."""
    offers = list(selectors.offers_for(user=request.user, dispute=dispute))
    for offer in offers:
        offer.dispute = dispute
    return offers


def _offer_context(request: HttpRequest, dispute: Dispute) -> dict[str, Any]:
    user = request.user
    offers = _offers(request, dispute)
    open_offer = next((offer for offer in offers if offer.is_open), None)

    def allowed(step: Step, action: Action, obj: Dispute | Offer | None) -> bool:
        return (
            obj is not None
            and step_allowed(step, dispute.status)
            and policies.can(user, action, obj)
        )

    return {
        "offers": offers,
        "open_offer": open_offer,
        "can_answer_offer": allowed(Step.ANSWER_OFFER, Action.ANSWER_OFFER, open_offer),
        "can_withdraw_offer": allowed(Step.WITHDRAW_OFFER, Action.WITHDRAW_OFFER, open_offer),
        "can_offer": allowed(Step.PROPOSE_OFFER, Action.PROPOSE_OFFER, dispute),
        # Escalation happens once: after it, the page shows who escalated and why instead.
        "can_escalate": dispute.escalated_at is None
        and allowed(Step.ESCALATE, Action.ESCALATE, dispute),
    }


def _render_thread(
    request: HttpRequest,
    dispute: Dispute,
    form: MessageForm,
    *,
    status: int = 200,
    evidence_form: EvidenceForm | None = None,
    offer_form: OfferForm | None = None,
    offer_error: StrOrPromise = "",
) -> HttpResponse:
    user = request.user
    context = {
        **_offer_context(request, dispute),
        "offer_form": offer_form or OfferForm(dispute=dispute),
        "offer_error": offer_error,
        "dispute": dispute,
        "thread": thread_page(request, party_thread(dispute)),
        "form": form,
        "can_post": not dispute.is_terminal and policies.can(user, Action.POST_MESSAGE, dispute),
        "can_withdraw": not dispute.is_terminal and policies.can(user, Action.WITHDRAW, dispute),
        # The party view, like the thread: public files only, even for a staff user who is a party.
        "evidence": list(evidence_of_dispute(None, dispute_id=dispute.pk)),
        "preview_types": PREVIEW_TYPES,
        "evidence_form": evidence_form or EvidenceForm(max_bytes=settings.EVIDENCE_MAX_BYTES),
        "can_add_evidence": not dispute.is_terminal
        and policies.can(user, Action.ADD_EVIDENCE, dispute),
    }
    return render(request, "disputes/detail.html", context, status=status)


@login_required
@csrf_exempt
@require_http_methods(["POST"])
def evidence_add(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The thread page's "add a file" form (plain multipart, no JavaScript). The upload is bounded
    while it streams, so the limit goes in before anything reads the body; CSRF is checked on the
    parsed form (Django's documented order for per-view upload handlers). A refused upload
    changes nothing, so its answer needs no token."""
    dispute = _thread(request, dispute_id)
    limit = limit_uploads(request, max_bytes=settings.EVIDENCE_MAX_BYTES)
    form = EvidenceForm(request.POST, request.FILES, max_bytes=limit.max_bytes)
    if limit.refused:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error(
            "file",
            _("The file is larger than %(megabytes)s MiB.")
            % {"megabytes": limit.max_bytes // (1024 * 1024)},
        )
        return _render_thread(request, dispute, MessageForm(), status=413, evidence_form=form)
    return _evidence_add(request, dispute, form)


@csrf_protect
def _evidence_add(request: HttpRequest, dispute: Dispute, form: EvidenceForm) -> HttpResponse:
    status = 400
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            evidence = services.evidence_add(
                actor=request.user,  # type: ignore[arg-type]
                dispute_id=dispute.pk,
                upload=upload,
                file_name=upload.name,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
            )
        except (NotFound, NotAllowed):
            raise Http404("No dispute here.") from None
        except DomainError as exc:
            add_domain_error(form, exc, {})
            status = exc.status_code
            # The dispute may have moved meanwhile (e.g. decided): show it as it is now.
            dispute = _thread(request, dispute.pk)
        else:
            messages.success(
                request,
                _("%(file_name)s was added to the dispute.") % {"file_name": evidence.file_name},
            )
            return redirect(f"{_url(dispute)}#evidence-{evidence.pk}")
    return _render_thread(request, dispute, MessageForm(), status=status, evidence_form=form)


@login_required
@require_http_methods(["GET"])
def evidence_file(request: HttpRequest, dispute_id: int, pk: int) -> HttpResponseBase:
    """A public file of the dispute, for its parties (anyone else: 404, like the thread)."""
    dispute = _thread(request, dispute_id)
    evidence = evidence_of_dispute(None, dispute_id=dispute.pk).filter(pk=pk).first()
    if evidence is None:
        raise Http404("No such file.")
    return evidence_file_response(evidence)


@login_required
@require_http_methods(["GET"])
def evidence_preview(request: HttpRequest, dispute_id: int, pk: int) -> HttpResponseBase:
    """The bytes of a public image of the dispute, shown inline as the thread page's preview;
    the same check as the page (parties only, anyone else 404), and 404 for a file that is no
    image."""
    dispute = _thread(request, dispute_id)
    evidence = (
        evidence_of_dispute(None, dispute_id=dispute.pk)
        .filter(pk=pk, content_type__in=PREVIEW_TYPES)
        .first()
    )
    if evidence is None:
        raise Http404("No such image.")
    response = evidence_file_response(evidence)
    response["Content-Disposition"] = (
        content_disposition_header(False, evidence.file_name) or "inline"
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def dispute_withdraw(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """A confirmation page (GET) and the withdrawal itself (POST), for the opener."""
    dispute = _thread(request, dispute_id)
    if not policies.can(request.user, Action.WITHDRAW, dispute):
        raise PermissionDenied(policies.MESSAGES[Action.WITHDRAW])
    error: StrOrPromise = ""
    if request.method == "POST":
        try:
            services.dispute_withdraw(actor=request.user, dispute_id=dispute.pk)  # type: ignore[arg-type]
        except (NotFound, NotAllowed):
            raise Http404("No dispute here.") from None
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("You withdrew the dispute. It is now closed."))
            return redirect(_url(dispute))
    return render(
        request,
        "disputes/withdraw.html",
        {"dispute": dispute, "error": error},
        status=409 if error else 200,
    )


def _offer_get(request: HttpRequest, dispute: Dispute, offer_id: int) -> Offer:
    """An offer of this dispute that the user may see, else 404."""
    offer = next((offer for offer in _offers(request, dispute) if offer.pk == offer_id), None)
    if offer is None:
        raise Http404("No such offer.")
    return offer


def _offers_url(dispute: Dispute) -> str:
    return f"{_url(dispute)}#offers"


@login_required
@require_http_methods(["POST"])
def offer_make(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The thread page's "make an offer" form. A refusal shows the page again with the error next
    to the field and what was typed."""
    dispute = _thread(request, dispute_id)
    if not policies.can(request.user, Action.PROPOSE_OFFER, dispute):
        raise PermissionDenied(policies.MESSAGES[Action.PROPOSE_OFFER])
    form = OfferForm(request.POST, dispute=dispute)
    status = 400
    if form.is_valid():
        try:
            offer = services.offer_propose(
                actor=request.user,  # type: ignore[arg-type]
                dispute_id=dispute.pk,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
            )
        except NotFound:
            raise Http404("No dispute here.") from None
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            add_domain_error(form, exc, {})
            status = exc.status_code
            dispute = _thread(request, dispute.pk)
        else:
            messages.success(
                request,
                _("You offered a refund of %(amount)s. The other party has been told.")
                % {"amount": format_money(offer.amount, offer.currency)},
            )
            return redirect(_offers_url(dispute))
    return _render_thread(request, dispute, MessageForm(), status=status, offer_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def offer_accept(request: HttpRequest, dispute_id: int, offer_id: int) -> HttpResponse:
    """A confirmation page (GET) and the acceptance itself (POST), for the party the offer was
    made to: accepting closes the dispute for good, as settled with the offer's refund."""
    dispute = _thread(request, dispute_id)
    offer = _offer_get(request, dispute, offer_id)
    if not policies.can(request.user, Action.ANSWER_OFFER, offer):
        raise PermissionDenied(policies.MESSAGES[Action.ANSWER_OFFER])
    error: StrOrPromise = ""
    if request.method == "POST":
        try:
            settled = services.offer_accept(
                actor=request.user,  # type: ignore[arg-type]
                dispute_id=dispute.pk,
                offer_id=offer.pk,
            )
        except NotFound:
            raise Http404("No dispute here.") from None
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            error = exc.message
            dispute = _thread(request, dispute.pk)
            offer = _offer_get(request, dispute, offer_id)
        else:
            messages.success(
                request,
                _(
                    "You accepted the offer. The dispute is closed as settled, "
                    "with a refund of %(amount)s to the buyer."
                )
                % {"amount": format_money(settled.refund_amount, settled.currency)},
            )
            return redirect(_url(dispute))
    return render(
        request,
        "disputes/offer_accept.html",
        {
            "dispute": dispute,
            "offer": offer,
            "error": error,
            "acceptable": offer.is_open and step_allowed(Step.ANSWER_OFFER, dispute.status),
        },
        status=409 if error else 200,
    )


def _offer_answer(
    request: HttpRequest,
    dispute_id: int,
    offer_id: int,
    action: Action,
    perform: Callable[..., object],
    done: str,
) -> HttpResponse:
    """Decline or withdraw an offer: one POST button, no confirmation (the dispute stays open and
    either party can make a new offer). A refusal shows the thread with the error at the offer."""
    dispute = _thread(request, dispute_id)
    offer = _offer_get(request, dispute, offer_id)
    if not policies.can(request.user, action, offer):
        raise PermissionDenied(policies.MESSAGES[action])
    try:
        perform(actor=request.user, dispute_id=dispute.pk, offer_id=offer.pk)
    except NotFound:
        raise Http404("No dispute here.") from None
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        dispute = _thread(request, dispute.pk)
        return _render_thread(
            request, dispute, MessageForm(), status=exc.status_code, offer_error=exc.message
        )
    messages.success(request, done)
    return redirect(_offers_url(dispute))


@login_required
@require_http_methods(["POST"])
def offer_decline(request: HttpRequest, dispute_id: int, offer_id: int) -> HttpResponse:
    return _offer_answer(
        request,
        dispute_id,
        offer_id,
        Action.ANSWER_OFFER,
        services.offer_decline,
        _("You declined the offer. The dispute stays open."),
    )


@login_required
@require_http_methods(["POST"])
def offer_withdraw(request: HttpRequest, dispute_id: int, offer_id: int) -> HttpResponse:
    return _offer_answer(
        request,
        dispute_id,
        offer_id,
        Action.WITHDRAW_OFFER,
        services.offer_withdraw,
        _("You withdrew your offer. The dispute stays open."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_escalate(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """Asking support staff to decide: a page that says what escalation does, with the reason
    field (GET), and the escalation itself (POST). It can be done once per dispute."""
    dispute = _thread(request, dispute_id)
    if not policies.can(request.user, Action.ESCALATE, dispute):
        raise PermissionDenied(policies.MESSAGES[Action.ESCALATE])
    form = EscalateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.dispute_escalate(
                    actor=request.user,  # type: ignore[arg-type]
                    dispute_id=dispute.pk,
                    reason=form.cleaned_data["reason"],
                )
            except NotFound:
                raise Http404("No dispute here.") from None
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except DomainError as exc:
                add_domain_error(form, exc, {})
                status = exc.status_code
                dispute = _thread(request, dispute.pk)
            else:
                messages.success(
                    request, _("You asked support staff to decide. Both parties have been told.")
                )
                return redirect(_url(dispute))
    return render(
        request,
        "disputes/escalate.html",
        {
            "dispute": dispute,
            "form": form,
            "can_escalate": dispute.escalated_at is None
            and step_allowed(Step.ESCALATE, dispute.status),
        },
        status=status,
    )


def _open_form(order: Order, data: Any = None) -> OpenDisputeForm:
    return OpenDisputeForm(data, price=order.final_price, currency=order.currency)


def _order_disputes_context(
    request: HttpRequest, order: Order, form: OpenDisputeForm
) -> dict[str, Any]:
    """The order's disputes as its party sees them, and whether the party may open one now."""
    disputes = list(selectors.disputes_of_party(request.user).filter(order_id=order.pk))
    open_dispute = next((d for d in disputes if d.is_open), None)
    return {
        "order": order,
        "form": form,
        "disputes": disputes,
        "open_dispute": open_dispute,
        "can_open": open_dispute is None and policies.can(request.user, Action.OPEN, order),
        "response_days": settings.DISPUTE_RESPONSE_WINDOW.days,
    }


def order_disputes_panel(request: HttpRequest, order: Order) -> SafeString:
    """The order page's disputes section and "open a dispute" form (orders.extensions panel)."""
    context = _order_disputes_context(request, order, _open_form(order))
    # render_to_string returns the template's already-escaped output.
    return mark_safe(render_to_string("disputes/order_panel.html", context, request=request))  # noqa: S308


@login_required
@require_http_methods(["GET", "POST"])
def dispute_open(request: HttpRequest, order_id: int) -> HttpResponse:
    """The "open a dispute" form of an order (GET) and the opening itself (POST), for its
    parties. A refusal is shown next to the field it concerns, with what was typed kept."""
    order = order_get_for_party(request.user, order_id=order_id)
    if order is None:
        raise Http404("No order here.")
    form = _open_form(order, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = services.dispute_open(
                actor=request.user,  # type: ignore[arg-type]
                order_id=order.pk,
                reason=form.cleaned_data["reason"],
                reason_code=form.cleaned_data["reason_code"],
                amount=form.cleaned_data["amount"],
            )
        except (NotFound, NotAllowed):
            raise Http404("No order here.") from None
        except DomainError as exc:
            add_domain_error(form, exc, OPEN_DISPUTE_FIELDS)
        else:
            messages.success(request, _("Your dispute is open. The other party has been told."))
            return redirect(_url(dispute))
    context = _order_disputes_context(request, order, form)
    return render(request, "disputes/open.html", context, status=400 if form.errors else 200)
