"""E-mails to the parties, sent after the transaction commits.

Internal notes never reach this module: only public activity is announced, so a party can never
learn of a note from an e-mail.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from echo_disputes import rawsql

logger = logging.getLogger("disputes.notifications")


def address_sql(user_id_column: str) -> str:
    """The one rule for who receives e-mail, as a scalar subquery: the user's address if the
    account is active and has one, else NULL. `notify_users` reads it on its own; a service that
    already reads its row may read the parties' addresses with it (one statement fewer on the
    most frequent write, see services._message_post_direct)."""
    # `user_id_column` is a column name written in the calling code, never input.
    return (
        "(SELECT u.email FROM accounts_user u "  # noqa: S608
        f"WHERE u.id = {user_id_column} AND u.is_active AND u.email <> '')"
    )


def notify_users(*, user_ids: list[int], subject: str, body: str) -> None:
    if not user_ids:
        return
    ids = ", ".join(["%s"] * len(user_ids))
    with rawsql.cursor() as cursor:
        cursor.execute(
            f"SELECT {address_sql('r.id')} FROM accounts_user r WHERE r.id IN ({ids})",  # noqa: S608
            user_ids,
        )
        addresses = [row[0] for row in cursor.fetchall()]
    notify_addresses(addresses=addresses, subject=subject, body=body)


def notify_addresses(*, addresses: list[str | None], subject: str, body: str) -> None:
    """Sends to the addresses `address_sql` gave (None: that user receives nothing)."""
    recipients = [address for address in addresses if address]
    if not recipients:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except Exception:
        # A mail outage must not undo a committed decision; the timeline still records it.
        logger.exception("could not send dispute notification %r", subject)
