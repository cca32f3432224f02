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


def notify_users(*, user_ids: list[int], subject: str, body: str) -> None:
    """Mail the users who can receive it: active accounts with an address."""
    if not user_ids:
        return
    recipients = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except Exception:
        # A mail outage must not undo a committed decision; the timeline still records it.
        logger.exception("could not send dispute notification %r", subject)
