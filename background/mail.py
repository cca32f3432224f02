"""E-mail through the task queue: nothing here runs in a request but the enqueueing.

Two ways in, both enqueued in the caller's transaction (`background.queue`):

- `queue_mail(batch_key=None)`: one mail to the users' addresses (one per language), sent by a
  `send_email` task.
- `queue_mail(batch_key="dispute:42")`: each user's notifications about that subject gather in a
  `MailBatch`; the user gets at most one mail per `ECHO_MAIL_BATCH_SECONDS` per subject, listing
  what arrived. The first notification after a quiet window leaves at once.

Each recipient reads the mail in their language (`User.language`, else LANGUAGE_CODE): callers
pass the subject and body lazy (`gettext_lazy`, `echo_disputes.i18n.interpolate_lazy`), and
they become text here, under that language, before anything is stored or queued; a digest is
written in the worker, in the recipient's language too.

`send_email` retries a failed SMTP conversation by enqueueing itself again with `run_after`
(django-tasks-db has no retry of its own): exponential backoff with jitter, at most
`ECHO_MAIL_MAX_ATTEMPTS` attempts, then the task fails and its row keeps the traceback.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_stubs_ext import StrOrPromise
from django_tasks import task

from background.models import MailBatch, MailBatchItem
from background.queue import enqueue_in_transaction, retry_delay
from echo_disputes.i18n import user_language

logger = logging.getLogger("background.mail")

# A digest lists this many notifications in full; the rest are counted.
DIGEST_MAX_ITEMS = 50
# A flush this late is taken for lost (a backend that hands tasks over on commit, Redis, can lose
# one in a crash) and queued again; a duplicate flush finds nothing left and sends nothing.
FLUSH_LOST_AFTER = timedelta(minutes=15)


def receives_mail(user: Any) -> bool:
    """Who is mailed: an active account with an address."""
    return bool(user.is_active and user.email)


def batch_window() -> timedelta:
    return timedelta(seconds=settings.ECHO_MAIL_BATCH_SECONDS)


def queue_mail(
    *,
    users: Iterable[Any],
    subject: StrOrPromise,
    body: StrOrPromise,
    batch_key: str | None = None,
    batch_label: StrOrPromise = "",
) -> None:
    """Mail the users who receive mail, through the queue, in the caller's transaction, each in
    their language."""
    recipients = [user for user in users if receives_mail(user)]
    if not recipients:
        return
    if batch_key is None:
        by_language: dict[str, list[str]] = {}
        for user in recipients:
            by_language.setdefault(user_language(user), []).append(user.email)
        for language, addresses in by_language.items():
            with translation.override(language):
                enqueue_in_transaction(
                    send_email, addresses=addresses, subject=str(subject), body=str(body)
                )
        return
    now = timezone.now()
    # Services call this inside their own transaction; a savepoint there would only cost queries.
    with nullcontext() if transaction.get_connection().in_atomic_block else transaction.atomic():
        for user in recipients:
            with translation.override(user_language(user)):
                _batch_add(
                    user=user,
                    key=batch_key,
                    label=str(batch_label),
                    item=(str(subject), str(body)),
                    now=now,
                )


def _batch_add(*, user: Any, key: str, label: str, item: tuple[str, str], now: datetime) -> None:
    # The batch row is locked so that a flush running now either takes this item or sees that a
    # new flush must be scheduled: never an item left behind with no flush queued for it.
    batch, _created = MailBatch.objects.select_for_update().get_or_create(
        recipient_id=user.pk, key=key, defaults={"label": label}
    )
    MailBatchItem.objects.create(batch=batch, subject=item[0], body=item[1], created_at=now)
    if batch.flush_due_at is not None and batch.flush_due_at > now - FLUSH_LOST_AFTER:
        return
    window_ends = batch.last_sent_at + batch_window() if batch.last_sent_at else now
    due = max(now, window_ends)
    batch.flush_due_at = due
    batch.save(update_fields=["flush_due_at"])
    enqueue_in_transaction(flush_mail_batch, batch.pk, run_after=due if due > now else None)


def digest(label: str, items: list[MailBatchItem], total: int) -> tuple[str, str]:
    """The subject and body of one batch's mail: a single notification exactly as it was
    written, several as a list of what arrived, oldest first (`items`, the first
    `DIGEST_MAX_ITEMS` of `total`), in the active language."""
    if total == 1:
        return items[0].subject, items[0].body
    parts = [f"{item.subject}\n\n{item.body}" for item in items]
    body = (
        _("Here is what arrived on %(label)s:") % {"label": label}
        + "\n\n"
        + "\n\n----\n\n".join(parts)
    )
    if total > len(items):
        hidden = total - len(items)
        body += "\n\n----\n\n" + _("... and %(hidden)s more; open %(label)s to read them all.") % {
            "hidden": hidden,
            "label": label,
        }
    return _("%(total)s updates on %(label)s") % {"total": total, "label": label}, body


@task()
def flush_mail_batch(batch_id: int) -> int:
    """Turn one batch into one mail (a `send_email` task); returns the notifications it held."""
    now = timezone.now()
    with transaction.atomic():
        batch = (
            MailBatch.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=batch_id)
            .first()
        )
        if batch is None:
            return 0
        # Written before the items are read: on PostgreSQL the row lock already keeps new items
        # out until this transaction ends; on SQLite (where FOR UPDATE does nothing) it is this
        # write that takes the database's write lock.
        batch.flush_due_at = None
        batch.save(update_fields=["flush_due_at"])
        total = batch.items.count()
        if not total:
            return 0
        batch.last_sent_at = now
        batch.save(update_fields=["last_sent_at"])
        shown = list(batch.items.order_by("created_at", "pk")[:DIGEST_MAX_ITEMS])
        batch.items.all().delete()
        # Checked again at sending time: an account deactivated during the window gets nothing.
        if receives_mail(batch.recipient):
            with translation.override(user_language(batch.recipient)):
                subject, body = digest(batch.label, shown, total)
            enqueue_in_transaction(
                send_email, addresses=[batch.recipient.email], subject=subject, body=body
            )
    return total


@task()
def send_email(
    *, addresses: list[str], subject: str, body: str, attempt: int = 1
) -> dict[str, Any]:
    """One SMTP conversation. On failure the task enqueues its own retry and ends successfully;
    after the last attempt it raises, so the task row records the failure."""
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses, fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= settings.ECHO_MAIL_MAX_ATTEMPTS:
            logger.error("giving up on mail %r after %d attempts", subject, attempt)
            raise
        run_after = timezone.now() + retry_delay(
            attempt,
            base=settings.ECHO_MAIL_RETRY_BASE_SECONDS,
            cap=settings.ECHO_MAIL_RETRY_MAX_SECONDS,
        )
        retry = send_email.using(run_after=run_after).enqueue(
            addresses=addresses, subject=subject, body=body, attempt=attempt + 1
        )
        logger.warning(
            "mail %r failed (attempt %d: %s); retry at %s", subject, attempt, error, run_after
        )
        return {"sent": False, "retry": retry.id, "run_after": run_after.isoformat()}
    return {"sent": True, "attempt": attempt}


def users_by_id(user_ids: list[int]) -> list[Any]:
    if not user_ids:
        return []
    return list(
        get_user_model().objects.filter(pk__in=user_ids).only("email", "is_active", "language")
    )
