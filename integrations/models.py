"""The outbox: one row per event, written in the transaction of the change that caused it.

The primary key is the feed's sequence id (`GET /api/events?after=<id>`): ascending in commit
order for a single writer, and the webhook delivery sends each row at least once. There is no
foreign key to the dispute: this app sits below `disputes` (import-linter), so the row keeps the
ids it needs, including who may read it in the feed (the dispute's buyer and seller)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations.encoding import EventJSONDecoder, EventJSONEncoder


class OutboundEvent(models.Model):
    id = models.BigAutoField(primary_key=True, verbose_name=_("id"))
    type = models.CharField(max_length=40, verbose_name=_("type"))
    dispute_id = models.BigIntegerField(verbose_name=_("dispute id"))
    buyer_id = models.BigIntegerField(verbose_name=_("buyer id"))
    seller_id = models.BigIntegerField(verbose_name=_("seller id"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    data = models.JSONField(
        encoder=EventJSONEncoder, decoder=EventJSONDecoder, verbose_name=_("data")
    )

    class Meta:
        verbose_name = _("outbound event")
        verbose_name_plural = _("outbound events")
        ordering = ["id"]
        indexes = [
            # The feeds: one dispute's events, a party's events (as buyer or as seller), in id
            # order from `after`; and the events of a time range (retention, staff reading).
            models.Index(fields=["dispute_id", "id"], name="outbound_event_dispute"),
            models.Index(fields=["buyer_id", "id"], name="outbound_event_buyer"),
            models.Index(fields=["seller_id", "id"], name="outbound_event_seller"),
            models.Index(fields=["created_at", "id"], name="outbound_event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk} (dispute {self.dispute_id})"

    @property
    def body(self) -> dict[str, Any]:
        """The event as the feed lists it and a webhook sends it (docs/webhooks.md)."""
        return {
            "id": str(self.pk),
            "type": self.type,
            "createdAt": iso_z(self.created_at),
            "data": self.data,
        }


def iso_z(value: Any) -> str:
    """ISO 8601 in UTC with `Z`, as the API writes its dates (`2026-12-01T13:20:36.123456Z`)."""
    text: str = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


# The webhook models live in their own module; imported here so Django registers them.
from integrations.webhook_models import (  # noqa: E402
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = ["DeliveryStatus", "OutboundEvent", "WebhookDelivery", "WebhookEndpoint", "iso_z"]
