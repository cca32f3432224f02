"""Outbound webhooks: the endpoints staff register and one delivery row per (endpoint, event).

Imported by `integrations.models` so that Django registers the models with this app.

The signing secret is not stored: each endpoint keeps a random `secret_salt`, and the secret is
derived from it with the server's key (`integrations.signing.endpoint_secret`). A copy of the
database alone therefore cannot forge a signature; the secret is shown once, when the endpoint is
created (docs/webhooks.md, "Secrets").
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=2000, verbose_name=_("url"))
    # The event types the receiver wants; an empty list means every type, now and later.
    event_types = models.JSONField(default=list, blank=True, verbose_name=_("event types"))
    secret_salt = models.CharField(max_length=64, editable=False, verbose_name=_("secret salt"))
    # The secret's last four characters, so staff can tell which secret a receiver holds.
    secret_hint = models.CharField(max_length=8, editable=False, verbose_name=_("secret hint"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # Deliveries given up in a row (reset by any successful delivery); at
    # ECHO_WEBHOOKS_DISABLE_AFTER_FAILURES the endpoint is disabled.
    consecutive_failures = models.PositiveIntegerField(
        default=0, verbose_name=_("consecutive failures")
    )
    disabled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("disabled at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("endpoint"),
    )
    event = models.ForeignKey(
        "integrations.OutboundEvent",
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("event"),
    )
    # The event's dispute, copied so that "an older delivery of this dispute to this endpoint is
    # still pending" is one indexed lookup (deliveries of one dispute go out in order).
    dispute_id = models.BigIntegerField(verbose_name=_("dispute id"))
    status = models.CharField(
        max_length=10,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        verbose_name=_("status"),
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_response_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("last response code")
    )
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    # The first attempt of the current try (creation or the last resend): the retry window runs
    # from here, so a delivery that waited behind an older one still gets its full window.
    first_attempt_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first attempt at")
    )
    next_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next attempt at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhook_delivery_once_per_endpoint"
            )
        ]
        indexes = [
            # The ordering check and the next delivery in line: pending ones of one dispute to
            # one endpoint, by event id.
            models.Index(
                fields=["endpoint", "dispute_id", "status", "event"], name="webhook_delivery_line"
            ),
            # The sweep of overdue pending deliveries.
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} to endpoint {self.endpoint_id}"
