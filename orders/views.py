"""Server-rendered order pages for the parties: my orders, and an order with its disputes and the
"open a dispute" form. Like the dispute pages, only the buyer and the seller see an order here."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from disputes import policies, selectors, services
from disputes.forms import add_domain_error
from disputes.policies import Action
from echo_disputes.errors import DomainError, NotAllowed, NotFound
from orders.forms import OPEN_DISPUTE_FIELDS, OpenDisputeForm
from orders.selectors import order_get_for_party, orders_of_party

PAGE_SIZE = 20


@login_required
@require_http_methods(["GET"])
def order_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(orders_of_party(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    order = order_get_for_party(request.user, order_id=order_id)
    if order is None:
        raise Http404("No order here.")
    form = OpenDisputeForm(request.POST or None, price=order.final_price, currency=order.currency)
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
            messages.success(request, "Your dispute is open. The other party has been told.")
            return redirect(reverse("disputes:detail", args=[dispute.pk]))
    disputes = list(selectors.disputes_of_party(request.user).filter(order_id=order.pk))
    open_dispute = next((d for d in disputes if d.is_open), None)
    context = {
        "order": order,
        "form": form,
        "disputes": disputes,
        "open_dispute": open_dispute,
        "can_open": open_dispute is None and policies.can(request.user, Action.OPEN, order),
        "response_days": settings.DISPUTE_RESPONSE_WINDOW.days,
    }
    return render(request, "orders/detail.html", context, status=400 if form.errors else 200)
