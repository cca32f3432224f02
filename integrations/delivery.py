"""Webhook delivery: at least once, in order per dispute and endpoint, signed, retried.

- `schedule(event)` (called by `integrations.outbox.emit`, in the emitting transaction) writes one
  `WebhookDelivery` per active endpoint that wants the event's type and enqueues its task in the
  same transaction (`background.queue.enqueue_in_transaction`).
- `attempt(delivery_id)` (the `integrations.tasks.deliver_webhook` task) locks the delivery row
  with SELECT ... FOR UPDATE SKIP LOCKED and keeps the lock while it posts: a second worker that
  reaches for the same delivery skips it, and once the row says delivered nobody sends it again.
  A delivery waits while an older delivery of the same dispute to the same endpoint is pending;
  when that one ends (delivered or failed) it enqueues the next in line, so one dispute's events
  reach an endpoint in event order, never overtaking.
- A failed attempt (no 2xx within ECHO_WEBHOOKS_TIMEOUT_SECONDS, a redirect, a refused address)
  is retried with exponential backoff and jitter (`background.queue.retry_delay`) for
  ECHO_WEBHOOKS_RETRY_HOURS from the first attempt, then the delivery is failed. After
  ECHO_WEBHOOKS_DISABLE_AFTER_FAILURES failed deliveries in a row the endpoint is disabled.
- `sweep()` (a periodic job) enqueues again the deliveries whose task was lost (a worker that
  died mid-post, a Redis hand-over lost in a crash): at least once survives a crash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from urllib3.exceptions import HTTPError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from background.queue import enqueue_in_transaction, retry_delay
from integrations import encoding, signing, ssrf
from integrations.models import DeliveryStatus, OutboundEvent, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("integrations.delivery")

USER_AGENT = "ECHO-Disputes-Webhooks/1"
# A pending delivery this far past its due time has lost its task: the sweep queues it again.
LOST_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 500


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: int | None = None
    error: str = ""


def _enqueue(delivery: WebhookDelivery, when: datetime | None = None) -> None:
    from integrations.tasks import deliver_webhook  # the task module imports this one

    run_after = when if when is not None and when > timezone.now() else None
    enqueue_in_transaction(deliver_webhook, delivery.pk, run_after=run_after)


def schedule(event: OutboundEvent) -> None:
    """A delivery of `event` to every active endpoint that wants its type, each with its task,
    in the caller's transaction."""
    now = timezone.now()
    for endpoint in WebhookEndpoint.objects.filter(active=True):
        if not endpoint.wants(event.type):
            continue
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            dispute_id=event.dispute_id,
            created_at=now,
            next_attempt_at=now,
        )
        _enqueue(delivery)


def body_bytes(event: OutboundEvent) -> bytes:
    """The exact bytes sent and signed: the feed's body, as compact JSON."""
    return encoding.dumps(event.body).encode()


def _pool(target: ssrf.Target, address: str) -> urllib3.HTTPConnectionPool:
    timeout = urllib3.Timeout(total=float(settings.ECHO_WEBHOOKS_TIMEOUT_SECONDS))
    if target.scheme == "https":
        # Connect to the checked address; the name is only the TLS server name and the name the
        # certificate must carry (and the Host header).
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=settings.ECHO_WEBHOOKS_CA_FILE or None,
            server_hostname=None if target.is_ip_literal else target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False)


def _post(target: ssrf.Target, address: str, body: bytes, headers: dict[str, str]) -> int:
    with _pool(target, address) as pool:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        code = int(response.status)
        response.close()
    return code


def send(endpoint: WebhookEndpoint, event: OutboundEvent) -> Outcome:
    """One POST of `event` to `endpoint`, to an address checked just now."""
    try:
        target = ssrf.resolve(endpoint.url)
    except ssrf.UnsafeUrl as refused:
        return Outcome(False, error=f"Not sent: {refused.message}")
    body = body_bytes(event)
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        signing.EVENT_ID_HEADER: str(event.pk),
        signing.SIGNATURE_HEADER: signing.signature_header(
            body, signing.endpoint_secret(endpoint.secret_salt)
        ),
    }
    seconds = float(settings.ECHO_WEBHOOKS_TIMEOUT_SECONDS)
    error = ""
    for address in target.addresses:
        try:
            code = _post(target, address, body, headers)
        except NewConnectionError as refused:
            # Nothing was sent to this address (refused, unreachable): the next checked one.
            error = f"Could not connect: {refused}"
            continue
        except Urllib3Timeout:
            return Outcome(False, error=f"No answer within {seconds:g} s.")
        except SSLError as failed:
            return Outcome(False, error=f"TLS failed: {failed}"[:500])
        except (HTTPError, OSError) as failed:
            return Outcome(False, error=f"Could not connect: {failed}"[:500])
        if 200 <= code < 300:
            return Outcome(True, code)
        if 300 <= code < 400:
            return Outcome(False, code, f"Answered {code}; redirects are not followed.")
        return Outcome(False, code, f"Answered {code}.")
    return Outcome(False, error=error[:500])


def _waits(delivery: WebhookDelivery) -> bool:
    """An older delivery of the same dispute to the same endpoint is not done yet."""
    return WebhookDelivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        dispute_id=delivery.dispute_id,
        status=DeliveryStatus.PENDING,
        event_id__lt=delivery.event_id,
    ).exists()


def _next_in_line(delivery: WebhookDelivery) -> None:
    following = (
        WebhookDelivery.objects.filter(
            endpoint_id=delivery.endpoint_id,
            dispute_id=delivery.dispute_id,
            status=DeliveryStatus.PENDING,
        )
        .exclude(pk=delivery.pk)
        .order_by("event_id")
        .first()
    )
    if following is not None:
        _enqueue(following, following.next_attempt_at)


def _give_up(delivery: WebhookDelivery, *, now: datetime, counts: bool) -> None:
    delivery.status = DeliveryStatus.FAILED
    delivery.next_attempt_at = None
    delivery.save(
        update_fields=[
            "status",
            "next_attempt_at",
            "attempts",
            "last_response_code",
            "last_error",
            "first_attempt_at",
        ]
    )
    if counts:
        endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
        endpoints.update(consecutive_failures=F("consecutive_failures") + 1)
        disabled = endpoints.filter(
            active=True,
            consecutive_failures__gte=settings.ECHO_WEBHOOKS_DISABLE_AFTER_FAILURES,
        ).update(active=False, disabled_at=now)
        if disabled:
            logger.warning(
                "webhook endpoint %s disabled after %d failed deliveries in a row",
                delivery.endpoint_id,
                settings.ECHO_WEBHOOKS_DISABLE_AFTER_FAILURES,
            )
    _next_in_line(delivery)


def _record(delivery: WebhookDelivery, outcome: Outcome, *, started: datetime) -> None:
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_response_code = outcome.code
    delivery.last_error = outcome.error[:500]
    first_attempt = delivery.first_attempt_at or started
    delivery.first_attempt_at = first_attempt
    if outcome.ok:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        delivery.save(
            update_fields=[
                "status",
                "delivered_at",
                "next_attempt_at",
                "attempts",
                "last_response_code",
                "last_error",
                "first_attempt_at",
            ]
        )
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        _next_in_line(delivery)
        return
    deadline = first_attempt + timedelta(hours=settings.ECHO_WEBHOOKS_RETRY_HOURS)
    if now >= deadline:
        _give_up(delivery, now=now, counts=True)
        return
    delay = retry_delay(
        delivery.attempts,
        base=settings.ECHO_WEBHOOKS_RETRY_BASE_SECONDS,
        cap=settings.ECHO_WEBHOOKS_RETRY_MAX_SECONDS,
    )
    # The last try is at the end of the window, never after it.
    delivery.next_attempt_at = min(now + delay, deadline)
    delivery.save(
        update_fields=[
            "next_attempt_at",
            "attempts",
            "last_response_code",
            "last_error",
            "first_attempt_at",
        ]
    )
    _enqueue(delivery, delivery.next_attempt_at)


def attempt(delivery_id: int) -> str:
    """Try one delivery now, if it is due, first in its line and nobody else is sending it.
    Returns what happened (the task's result)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            # Deleted with its endpoint, or another worker is sending it right now.
            return "skipped"
        if delivery.status != DeliveryStatus.PENDING:
            return "done"
        started = timezone.now()
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > started:
            # A duplicate task; the delivery's own retry is queued for its time.
            return "not due"
        if _waits(delivery):
            return "waiting"
        if not delivery.endpoint.active:
            delivery.last_error = "Not sent: the endpoint is disabled."
            _give_up(delivery, now=started, counts=False)
            return DeliveryStatus.FAILED.value
        # The row stays locked while the request is in flight (at most the timeout).
        outcome = send(delivery.endpoint, delivery.event)
        _record(delivery, outcome, started=started)
        return str(delivery.status)


def sweep(*, now: datetime | None = None) -> int:
    """Queue again every pending delivery, first in its line, whose task is overdue by
    LOST_AFTER. Returns how many. Rows a worker is sending now are locked and skipped."""
    now = now or timezone.now()
    older = WebhookDelivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        dispute_id=OuterRef("dispute_id"),
        status=DeliveryStatus.PENDING,
        event_id__lt=OuterRef("event_id"),
    )
    with transaction.atomic():
        lost = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - LOST_AFTER)
            .exclude(Exists(older))
            .order_by("next_attempt_at", "pk")[:SWEEP_BATCH]
        )
        for delivery in lost:
            delivery.next_attempt_at = now
            delivery.save(update_fields=["next_attempt_at"])
            _enqueue(delivery)
    return len(lost)


def resend(delivery: WebhookDelivery) -> None:
    """Put a delivery back in line as new (its own retry window), with its task. The caller
    holds the row lock (integrations.services.delivery_resend)."""
    now = timezone.now()
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.first_attempt_at = None
    delivery.delivered_at = None
    delivery.next_attempt_at = now
    delivery.save(
        update_fields=["status", "attempts", "first_attempt_at", "delivered_at", "next_attempt_at"]
    )
    _enqueue(delivery)
