"""E-mails to the parties, sent after the transaction commits.

Internal notes never reach this module: only public activity is announced, so a party can never
learn of a note from an e-mail.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from accounts.models import User

logger = logging.getLogger("disputes.notifications")


def receives_mail(user: User) -> bool:
    """Who is mailed: an active account with an address."""
    return user.is_active and bool(user.email)


def notify_users(*, user_ids: list[int], subject: str, body: str) -> None:
    """Mail the users who receive mail (`receives_mail`)."""
    if not user_ids:
        return
    users = User.objects.filter(pk__in=user_ids).only("email", "is_active")
    notify_addresses(
        addresses=[user.email for user in users if receives_mail(user)], subject=subject, body=body
    )


def notify_addresses(*, addresses: list[str], subject: str, body: str) -> None:
    if not addresses:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, addresses, fail_silently=False)
    except Exception:
        # A mail outage must not undo a committed decision; the timeline still records it.
        logger.exception("could not send dispute notification %r", subject)
