"""The queue's CSV export: one row per message, streamed, with spreadsheet formulas defused.
Each row carries the dispute's outcome (`settled` for a dispute its parties settled) and its
escalation (when, by whom, why).
Internal notes, and internal evidence in the evidence count, only in the variant that asks for
them. It only reads."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from disputes.models import Dispute, Message, Visibility

CSV_HEADER = (
    "dispute_id", "order_id", "transaction_id", "kind", "status", "reason_code", "reason",
    "buyer", "buyer_email", "seller", "seller_email", "amount", "currency", "refund_amount",
    "respond_by", "created_at", "closed_at", "outcome", "resolution", "escalated_at",
    "escalated_by", "escalation_reason", "message_id", "message_at", "message_author",
    "message_visibility", "message_body", "evidence_count",
)  # fmt: skip
EXPORT_CHUNK = 500
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A spreadsheet must not run a cell as a formula (CSV injection): quote those that could."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


class _Echo:
    """csv.writer needs a file; this one hands each formatted line back to the generator."""

    def write(self, value: str) -> str:
        return value


def export_rows(disputes: QuerySet[Dispute], *, include_notes: bool) -> Iterator[list[str]]:
    """One row per message, the dispute's columns repeated; a dispute without messages gets one
    row with empty message columns. Internal notes, and internal files in the evidence count,
    only when asked for."""
    thread = Message.objects.select_related("author").order_by("created_at", "id")
    files = None
    if not include_notes:
        thread = thread.filter(visibility=Visibility.PUBLIC)
        files = Q(evidence__visibility=Visibility.PUBLIC)
    rows = (
        disputes.select_related("buyer", "seller", "order", "escalated_by")
        .annotate(export_evidence_count=Count("evidence", filter=files, distinct=True))
        .prefetch_related(Prefetch("messages", queryset=thread, to_attr="export_messages"))
        .order_by("id")
    )
    for dispute in rows.iterator(chunk_size=EXPORT_CHUNK):
        head = [
            dispute.pk, dispute.order_id, dispute.order.transaction_id, dispute.kind,
            dispute.status, dispute.reason_code, dispute.reason, dispute.buyer.username,
            dispute.buyer.email, dispute.seller.username, dispute.seller.email, dispute.amount,
            dispute.currency, dispute.refund_amount, dispute.respond_by, dispute.created_at,
            dispute.closed_at, dispute.outcome, dispute.resolution, dispute.escalated_at,
            dispute.escalated_by.username if dispute.escalated_by else None,
            dispute.escalation_reason,
        ]  # fmt: skip
        messages: list[Message] = dispute.export_messages  # type: ignore[attr-defined]
        files_count = dispute.export_evidence_count  # type: ignore[attr-defined]
        if not messages:
            yield [csv_cell(v) for v in [*head, None, None, None, None, None, files_count]]
        for message in messages:
            tail = [message.pk, message.created_at, message.author.username,
                    message.visibility, message.body, files_count]  # fmt: skip
            yield [csv_cell(v) for v in [*head, *tail]]


def export_response(disputes: QuerySet[Dispute], *, include_notes: bool) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterable[str]:
        yield writer.writerow(CSV_HEADER)
        for row in export_rows(disputes, include_notes=include_notes):
            yield writer.writerow(row)

    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"disputes-{stamp}{'-with-notes' if include_notes else ''}.csv"
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
