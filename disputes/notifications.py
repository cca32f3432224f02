"""E-mails to the parties, through the task queue (background/mail.py), enqueued in the
transaction of the change they announce: a rolled-back change sends nothing, a committed one is
never lost, and no request waits on SMTP.

Internal notes never reach this module: only public activity is announced, so a party can never
learn of a note from an e-mail.
"""

from __future__ import annotations

from accounts.models import User
from background.mail import queue_mail, receives_mail, users_by_id

__all__ = ["dispute_batch", "notify_users", "receives_mail"]


def dispute_batch(dispute_id: int) -> tuple[str, str]:
    """The batch key and label of a dispute: a party gets at most one mail per dispute per
    `ECHO_MAIL_BATCH_SECONDS`, listing what arrived."""
    return f"dispute:{dispute_id}", f"dispute #{dispute_id}"


def notify_users(
    *,
    users: list[User] | None = None,
    user_ids: list[int] | None = None,
    subject: str,
    body: str,
    batch_dispute_id: int | None = None,
) -> None:
    """Mail the users who receive mail (`receives_mail`): one mail at once, or, with
    `batch_dispute_id`, into each user's batch for that dispute."""
    recipients = list(users or []) + users_by_id(user_ids or [])
    key, label = dispute_batch(batch_dispute_id) if batch_dispute_id is not None else (None, "")
    queue_mail(users=recipients, subject=subject, body=body, batch_key=key, batch_label=label)
