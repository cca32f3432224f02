"""Managing webhook endpoints and deliveries: the API and the admin both call these.

Only support staff (accounts.policies.is_support_staff) manage webhooks. The URL check is
integrations.ssrf's, the same one every delivery makes again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.policies import is_support_staff
from echo_disputes.errors import Conflict, InvalidInput, NotAllowed, NotFound
from integrations import delivery, signing, ssrf
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.outbox import EVENT_TYPES


def _require_staff(actor: Any) -> None:
    if not is_support_staff(actor):
        raise NotAllowed(_("Only support staff manage webhooks."))


def event_types_clean(value: Iterable[str] | None) -> list[str]:
    """The known types, each once, in EVENT_TYPES order; empty (or None) means every type."""
    if value is None:
        return []
    wanted = list(value)
    unknown = sorted({str(name) for name in wanted} - set(EVENT_TYPES))
    if unknown:
        raise InvalidInput(
            _("Unknown event type %(unknown_0)r; use any of %(types)s.")
            % {"unknown_0": unknown[0], "types": ", ".join(EVENT_TYPES)},
            details={"eventTypes": [f"Unknown event type {name!r}." for name in unknown]},
        )
    return [name for name in EVENT_TYPES if name in wanted]


def url_clean(url: str) -> str:
    try:
        ssrf.resolve(url)
    except ssrf.UnsafeUrl as refused:
        raise ssrf.UnsafeUrl(refused.message, details={"url": [refused.message]}) from None
    return url


@transaction.atomic
def endpoint_create(
    *, actor: Any, url: str, event_types: Iterable[str] | None = None, active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint. Returns it and its signing secret, which is never shown again."""
    _require_staff(actor)
    types = event_types_clean(event_types)
    url_clean(url)
    salt = signing.new_salt()
    secret = signing.endpoint_secret(salt)
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        event_types=types,
        secret_salt=salt,
        secret_hint=secret[-4:],
        active=active,
        disabled_at=None if active else timezone.now(),
    )
    return endpoint, secret


def _endpoint_locked(endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    actor: Any,
    endpoint_id: int,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Enabling it again clears its failure count; the deliveries failed
    meanwhile stay failed (staff resend the ones that matter)."""
    _require_staff(actor)
    endpoint = _endpoint_locked(endpoint_id)
    fields: list[str] = []
    if url is not None and url != endpoint.url:
        endpoint.url = url_clean(url)
        fields.append("url")
    if event_types is not None:
        endpoint.event_types = event_types_clean(event_types)
        fields.append("event_types")
    if active is not None and active != endpoint.active:
        endpoint.active = active
        endpoint.disabled_at = None if active else timezone.now()
        endpoint.consecutive_failures = 0
        fields += ["active", "disabled_at", "consecutive_failures"]
    if fields:
        endpoint.save(update_fields=fields)
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: Any, endpoint_id: int) -> None:
    """Remove an endpoint with its deliveries; nothing more is sent to it."""
    _require_staff(actor)
    _endpoint_locked(endpoint_id).delete()


@transaction.atomic
def delivery_resend(*, actor: Any, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again, whatever became of it, with a fresh retry window. It takes its
    place in its dispute's line: newer pending deliveries of that dispute wait for it."""
    _require_staff(actor)
    # Waits for a worker that is sending it right now, then sees what that worker wrote.
    found = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .filter(pk=delivery_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such webhook delivery."))
    if not found.endpoint.active:
        raise Conflict(
            _("The endpoint is disabled; enable it before resending."), code="endpoint_disabled"
        )
    delivery.resend(found)
    return found
