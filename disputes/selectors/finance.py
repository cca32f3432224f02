"""Reads for the finance API (docs/design.md §7): the caller's store scope from the policy, and a
keyset cursor over (created_at, id)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from disputes import policies, sql
from disputes.models import Dispute, Outcome
from echo_disputes.errors import InvalidInput, NotFound

FINANCE_FIELDS = sql.FINANCE_FIELDS
ROW_ID_MAX = 2**63 - 1


def disputes_for_finance(user: Any) -> QuerySet[Dispute]:
    """The disputes in the caller's finance scope (`policies.finance_disputes_q`), with the
    order's transaction id and the store. Call only after `policies.finance_require_read`."""
    return (
        Dispute.objects.filter(policies.finance_disputes_q(user))
        .only(*FINANCE_FIELDS)
        .annotate(store_id=F("order__item__store_id"), transaction_id=F("order__transaction_id"))
    )


def finance_dispute_amount(dispute: Dispute) -> Decimal:
    """The provider's `dispute_amount`: what is disputed, except for a dispute the parties
    settled, where it is the refund they agreed (the part of the disputed amount the buyer
    gets), as the provider shows a dispute closed for less than was claimed (docs/payments.md)."""
    if dispute.outcome == Outcome.SETTLED and dispute.refund_amount is not None:
        return dispute.refund_amount
    return dispute.amount


def finance_cursor_encode(dispute: Dispute) -> str:
    raw = f"{dispute.created_at.isoformat()}|{dispute.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def finance_cursor_decode(cursor: str) -> tuple[datetime, int]:
    wrong = InvalidInput(
        _("wrong cursor"), code="wrong_cursor", details={"cursor": [_("wrong cursor")]}
    )
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _unused, pk = raw.partition("|")
        moment, ident = datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error):
        raise wrong from None
    if moment.tzinfo is None or not 0 < ident <= ROW_ID_MAX:
        raise wrong
    return moment, ident


def finance_disputes_page(
    user: Any,
    *,
    cursor: str = "",
    limit: int = 10,
    statuses: Sequence[str] = (),
    created_from: datetime | None = None,
    created_before: datetime | None = None,
) -> tuple[list[Dispute], str]:
    """One page, newest first, and the cursor of the next ("" when there is none).

    The keyset (created_at, id) cursor resumes strictly after the last row shown, so a page never
    repeats or skips a dispute, even while new ones (always newer) are being created. One
    statement (disputes.sql): finance tools poll this endlessly."""
    rows = sql.finance_disputes_page(
        seller_id=policies.finance_seller_id(user),
        limit=limit + 1,
        statuses=statuses,
        created_from=created_from,
        created_before=created_before,
        after=finance_cursor_decode(cursor) if cursor else None,
    )
    if len(rows) > limit:
        return rows[:limit], finance_cursor_encode(rows[limit - 1])
    return rows, ""


def finance_dispute_get(user: Any, dispute_id: str) -> Dispute:
    """A dispute in the caller's finance scope; another store's is as missing as an unknown id,
    so ids cannot be probed across stores."""
    dispute = None
    if dispute_id.isascii() and dispute_id.isdigit() and len(dispute_id) <= 18:
        dispute = disputes_for_finance(user).filter(pk=int(dispute_id)).first()
    if dispute is None:
        raise NotFound(_("record not found"), code="dispute_not_found")
    return dispute
