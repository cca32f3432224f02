"""E-mails to the parties, through the task queue (background/mail.py), enqueued in the
transaction of the change they announce: a rolled-back change sends nothing, a committed one is
never lost, and no request waits on SMTP.

Internal notes never reach this module: only public activity is announced, so a party can never
learn of a note from an e-mail.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from accounts.models import User
from background.mail import queue_mail, receives_mail, users_by_id
from echo_disputes.i18n import interpolate_lazy

__all__ = ["dispute_batch", "notify_users", "receives_mail"]


def dispute_batch(dispute_id: int) -> tuple[str, StrOrPromise]:
    """The batch key and label of a dispute: a party gets at most one mail per dispute per
    `ECHO_MAIL_BATCH_SECONDS`, listing what arrived."""
    return f"dispute:{dispute_id}", interpolate_lazy(
        gettext_lazy("dispute #%(dispute_id)s"), {"dispute_id": dispute_id}
    )


def notify_users(
    *,
    users: list[User] | None = None,
    user_ids: list[int] | None = None,
    subject: StrOrPromise,
    body: StrOrPromise,
    batch_dispute_id: int | None = None,
) -> None:
    """Mail the users who receive mail (`receives_mail`): one mail at once, or, with
    `batch_dispute_id`, into each user's batch for that dispute."""
    recipients = list(users or []) + users_by_id(user_ids or [])
    key: str | None
    label: StrOrPromise
    key, label = dispute_batch(batch_dispute_id) if batch_dispute_id is not None else (None, "")
    queue_mail(users=recipients, subject=subject, body=body, batch_key=key, batch_label=label)
