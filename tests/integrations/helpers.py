"""What the webhook tests share: endpoints on the loopback receiver, events from the real
services, and time passing for deferred deliveries (the rows' `next_attempt_at` and their tasks'
`run_after`, never a sleep)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from disputes import services as dispute_services
from disputes.models import Dispute, Visibility
from integrations import services
from integrations.models import OutboundEvent, WebhookDelivery, WebhookEndpoint
from tests.integrations.receiver import Receiver
from tests.tasks.helpers import queued

DELIVER = "integrations.tasks.deliver_webhook"


def endpoint_on(receiver: Receiver, staff: User, **kwargs: object) -> WebhookEndpoint:
    """An endpoint pointing at the receiver, which learns its secret."""
    endpoint, secret = services.endpoint_create(actor=staff, url=receiver.url, **kwargs)  # type: ignore[arg-type]
    receiver.secret = secret
    return endpoint


def post(
    dispute: Dispute, text: str, *, actor: User | None = None, visibility: str = Visibility.PUBLIC
) -> OutboundEvent | None:
    """A message (by the buyer, the opener, unless `actor` says otherwise); returns the newest
    event of the dispute afterwards."""
    dispute_services.message_post(
        actor=actor or dispute.buyer, dispute_id=dispute.pk, body=text, visibility=visibility
    )
    return OutboundEvent.objects.filter(dispute_id=dispute.pk).order_by("-id").first()


def deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("event_id"))


def time_passes(*rows: WebhookDelivery) -> None:
    """Their next try is due now: the rows and the tasks queued for them."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk__in=[row.pk for row in rows]).update(next_attempt_at=now)
    ids = {row.pk for row in rows}
    due = [task.pk for task in queued(DELIVER) if task.args_kwargs["args"][0] in ids]
    DBTaskResult.objects.filter(pk__in=due).update(run_after=now)


def window_ends(row: WebhookDelivery, hours: int = 72) -> None:
    """The retry window of `row` began `hours` (and a minute) ago."""
    WebhookDelivery.objects.filter(pk=row.pk).update(
        first_attempt_at=timezone.now() - timedelta(hours=hours, minutes=1)
    )
