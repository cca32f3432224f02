"""What the background work keeps in the database: mail waiting to be batched, and the
schedule of periodic jobs. The queue itself is django-tasks-db's table."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MailBatch(models.Model):
    """The mail one user is owed about one subject (a dispute): at most one mail per window.

    `flush_due_at` is set while a flush task is queued; `last_sent_at` starts the next window."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=100)
    label = models.CharField(max_length=200)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    flush_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="mail_batch_one_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} for user {self.recipient_id}"


class MailBatchItem(models.Model):
    """One notification waiting in a batch, removed when the batch's mail is queued."""

    batch = models.ForeignKey(MailBatch, on_delete=models.CASCADE, related_name="items")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["batch", "created_at"], name="mail_item_batch_time")]

    def __str__(self) -> str:
        return self.subject


class PeriodicJob(models.Model):
    """One row per scheduled job. `next_run_at` is the claim: a run moves it forward with a
    conditional UPDATE, so of several runners for one slot exactly one goes ahead."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
