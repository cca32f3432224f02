"""The floor: for each scenario, the least work that can produce the same JSON.

No DRF, no authentication, no policy: one SQL statement through `connection.cursor()` and
`json.dumps` of the same fields the API returns. The caller's id comes in the query string.
A benchmark reports the API's throughput as a fraction of this.
"""

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from disputes.models import ReasonCode

DISPUTE_COLUMNS = """
    d.id, d.order_id, d.opened_by_id, ou.username, d.kind, d.reason, d.reason_code, d.status,
    d.outcome, d.resolution, d.amount, d.currency, d.refund_amount, d.respond_by, d.created_at,
    d.updated_at, d.closed_at
"""
DISPUTE_WIDTH = 17
TERMINAL = {"won", "lost", "closed"}


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _dispute(row: tuple[Any, ...]) -> dict[str, Any]:
    (pk, order_id, opener_id, opener_name, kind, reason, reason_code, status, outcome,
     resolution, amount, currency, refund, respond_by, created, updated, closed) = row  # fmt: skip
    return {
        "id": pk,
        "orderId": order_id,
        "createdByUserId": opener_id,
        "createdByUsername": opener_name,
        "kind": kind,
        "reason": reason,
        "reasonCode": reason_code,
        "status": "CLOSED" if status in TERMINAL else "OPEN",
        "state": status,
        "outcome": outcome or None,
        "resolution": resolution or None,
        "amount": _money(amount),
        "currency": currency,
        "refundAmount": _money(refund),
        "respondBy": _ts(respond_by),
        "createdAt": _ts(created),
        "updatedAt": _ts(updated),
        "closedAt": _ts(closed),
    }


def _message(row: tuple[Any, ...]) -> dict[str, Any]:
    pk, dispute_id, author_id, username, body, visibility, created = row
    return {
        "id": pk,
        "disputeId": dispute_id,
        "userId": author_id,
        "username": username,
        "message": body,
        "visibility": visibility,
        "createdAt": _ts(created),
    }


def _json(data: Any, status: int = 200) -> HttpResponse:
    # Compact and non-ASCII as is, like DRF's JSONRenderer, so both send the same bytes.
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body, content_type="application/json", status=status)


def _user(request: HttpRequest) -> int:
    return int(request.GET["user"])


def detail(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The dispute, its opener's name and its public thread, one row per message."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {DISPUTE_COLUMNS},
                   m.id, m.dispute_id, m.author_id, mu.username, m.body, m.visibility, m.created_at
            FROM disputes_dispute d
            LEFT JOIN accounts_user ou ON ou.id = d.opened_by_id
            LEFT JOIN disputes_message m ON m.dispute_id = d.id AND m.visibility = 'public'
            LEFT JOIN accounts_user mu ON mu.id = m.author_id
            WHERE d.id = %s
            ORDER BY m.created_at, m.id
            """,
            [dispute_id],
        )
        rows = cursor.fetchall()
    if not rows:
        return _json({"error": "not found"}, status=404)
    data = _dispute(rows[0][:DISPUTE_WIDTH])
    data["messages"] = [_message(r[DISPUTE_WIDTH:]) for r in rows if r[DISPUTE_WIDTH] is not None]
    return _json(data)


def my_disputes(request: HttpRequest) -> HttpResponse:
    """A page of 50 of the caller's disputes as buyer or seller, newest first."""
    user = _user(request)
    size = int(request.GET.get("pageSize", 50))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {DISPUTE_COLUMNS}
            FROM (
                (SELECT * FROM disputes_dispute WHERE buyer_id = %s
                 ORDER BY created_at DESC, id DESC LIMIT %s)
                UNION ALL
                (SELECT * FROM disputes_dispute WHERE seller_id = %s
                 ORDER BY created_at DESC, id DESC LIMIT %s)
            ) d
            LEFT JOIN accounts_user ou ON ou.id = d.opened_by_id
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT %s
            """,
            # Each branch reads one party index in order; a plain `buyer_id = u OR seller_id = u`
            # lets PostgreSQL walk the global created-at index instead (a second at 1M rows).
            [user, size + 1, user, size + 1, size + 1],
        )
        rows = cursor.fetchall()
    return _json([_dispute(r) for r in rows[:size]])


@csrf_exempt
def message_post(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The writes a post must make, in one statement: the message, its audit event and the
    dispute's activity time (docs/design.md: every message is on the timeline and moves "last
    activity"), returning the new message with its author's name. No checks, like every floor."""
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH d AS (
                UPDATE disputes_dispute SET updated_at = now(), last_activity_at = now()
                WHERE id = %(dispute)s
                RETURNING id
            ), m AS (
                INSERT INTO disputes_message (dispute_id, author_id, body, visibility, created_at)
                SELECT d.id, %(user)s, %(body)s, 'public', now() FROM d
                RETURNING id, dispute_id, author_id, body, visibility, created_at
            ), e AS (
                INSERT INTO disputes_disputeevent
                    (dispute_id, actor_id, type, from_status, to_status, payload, at)
                SELECT m.dispute_id, m.author_id, 'message_posted', '', '',
                       jsonb_build_object('message_id', m.id), m.created_at
                FROM m
            )
            SELECT m.id, m.dispute_id, m.author_id, u.username, m.body, m.visibility, m.created_at
            FROM m JOIN accounts_user u ON u.id = m.author_id
            """,
            {"dispute": dispute_id, "user": _user(request), "body": body["message"]},
        )
        row = cursor.fetchone()
    return _json(_message(row), status=201)


@csrf_exempt
def message_insert_only(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The floor of earlier runs, kept for reference: the message row alone (no audit event, no
    activity time), which is less than a post must write."""
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH m AS (
                INSERT INTO disputes_message (dispute_id, author_id, body, visibility, created_at)
                VALUES (%s, %s, %s, 'public', now())
                RETURNING id, dispute_id, author_id, body, visibility, created_at
            )
            SELECT m.id, m.dispute_id, m.author_id, u.username, m.body, m.visibility, m.created_at
            FROM m JOIN accounts_user u ON u.id = m.author_id
            """,
            [dispute_id, _user(request), body["message"]],
        )
        row = cursor.fetchone()
    return _json(_message(row), status=201)


@csrf_exempt
def dispute_open(request: HttpRequest) -> HttpResponse:
    """One INSERT ... SELECT from the order, returning the new dispute (empty thread)."""
    body = json.loads(request.body)
    user = _user(request)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH d AS (
                INSERT INTO disputes_dispute (
                    order_id, buyer_id, seller_id, opened_by_id, kind, reason, reason_code,
                    status, outcome, resolution, amount, currency, original_amount, fee,
                    fee_currency, respond_by, created_at, updated_at, last_activity_at)
                SELECT o.id, o.buyer_id, o.seller_id, %s, 'order', %s, %s,
                       'needs_response', '', '', o.final_price, o.currency, o.final_price, 0,
                       o.currency, now() + interval '7 days', now(), now(), now()
                FROM orders_order o WHERE o.id = %s
                RETURNING *
            )
            SELECT {DISPUTE_COLUMNS} FROM d LEFT JOIN accounts_user ou ON ou.id = d.opened_by_id
            """,
            [user, body["reason"], body.get("reasonCode", "general"), body["orderId"]],
        )
        row = cursor.fetchone()
    if row is None:
        return _json({"error": "not found"}, status=404)
    data = _dispute(row)
    data["messages"] = []
    return _json(data, status=201)


REASON_LABELS = dict(ReasonCode.choices)


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def finance_disputes(request: HttpRequest) -> HttpResponse:
    """The first page of a store's disputes in the payment provider's envelope, with its cursor."""
    limit = int(request.GET.get("limit", 10))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.id, o.transaction_id, d.order_id, i.store_id, d.currency, d.created_at,
                   d.updated_at, d.respond_by, d.reason_code, d.original_amount, d.amount,
                   d.status, d.fee, d.fee_currency
            FROM disputes_dispute d
            JOIN orders_order o ON o.id = d.order_id
            JOIN orders_item i ON i.id = o.item_id
            WHERE d.seller_id = %s
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT %s
            """,
            [_user(request), limit + 1],
        )
        rows = cursor.fetchall()
    disputes = [
        {
            "id": str(r[0]),
            "transaction_order_id": r[1],
            "original_order_id": str(r[2]),
            "store_id": str(r[3]),
            "currency": r[4],
            "created_at": _utc(r[5]),
            "updated_at": _utc(r[6]),
            "expiration_time": _utc(r[7]),
            "dispute_reason": REASON_LABELS.get(r[8], r[8]),
            "original_order_amount": _money(r[9]),
            "dispute_amount": _money(r[10]),
            "status": r[11],
            "fee": _money(r[12]),
            "fee_currency": r[13],
        }
        for r in rows[:limit]
    ]
    next_cursor = ""
    if len(rows) > limit:
        last = rows[limit - 1]
        raw = f"{last[5].isoformat()}|{last[0]}".encode()
        next_cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    data = {"disputes": disputes, "cursor": next_cursor}
    return _json({"code": "Success", "message": "Success", "data": data})


def admin_queue(request: HttpRequest) -> HttpResponse:
    """The back-office queue's rows: 50 open disputes by deadline, with both parties' names."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT d.id, d.order_id, b.username, s.username, d.amount, d.currency, d.status,
                   d.respond_by, d.last_activity_at
            FROM disputes_dispute d
            JOIN accounts_user b ON b.id = d.buyer_id
            JOIN accounts_user s ON s.id = d.seller_id
            WHERE d.status IN ('needs_response', 'under_review')
            ORDER BY d.respond_by, d.id
            LIMIT 51
            """
        )
        rows = cursor.fetchall()
    return _json(
        [
            {
                "id": r[0],
                "order": r[1],
                "buyer": r[2],
                "seller": r[3],
                "amount": f"{_money(r[4])} {r[5]}",
                "status": r[6],
                "respondBy": _ts(r[7]),
                "lastActivityAt": _ts(r[8]),
            }
            for r in rows[:50]
        ]
    )


@csrf_exempt
def evidence_upload(request: HttpRequest, dispute_id: int) -> HttpResponse:
    """The writes an upload must make: the bytes as sent into the evidence storage, the row and
    its audit event in one statement. No decoding, re-encoding or checks, like every floor."""
    upload = cast(UploadedFile, request.FILES["file"])
    data = upload.read()
    name = storages["evidence"].save(
        f"disputes/{dispute_id}/{uuid.uuid4().hex}.jpg", ContentFile(data)
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH e AS (
                INSERT INTO disputes_evidence (dispute_id, uploader_id, kind, description,
                    file_name, content_type, size, sha256, visibility, created_at, file)
                VALUES (%(dispute)s, %(user)s, %(kind)s, %(description)s, %(file_name)s,
                    'image/jpeg', %(size)s, %(sha256)s, 'public', now(), %(name)s)
                RETURNING id, dispute_id, uploader_id, kind, description, file_name,
                          content_type, size, sha256, visibility, created_at
            ), ev AS (
                INSERT INTO disputes_disputeevent
                    (dispute_id, actor_id, type, from_status, to_status, payload, at)
                SELECT e.dispute_id, e.uploader_id, 'evidence_added', '', '',
                       jsonb_build_object('evidence_id', e.id), e.created_at
                FROM e
            )
            SELECT e.*, u.username FROM e JOIN accounts_user u ON u.id = e.uploader_id
            """,
            {
                "dispute": dispute_id,
                "user": _user(request),
                "kind": request.POST.get("kind", "other"),
                "description": request.POST.get("description", ""),
                "file_name": upload.name,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "name": name,
            },
        )
        row = cursor.fetchone()
    (pk, dispute, uploader, kind, description, file_name, content_type, size, sha256,
     visibility, created, username) = row  # fmt: skip
    return _json(
        {
            "id": pk,
            "disputeId": dispute,
            "userId": uploader,
            "username": username,
            "kind": kind,
            "description": description,
            "fileName": file_name,
            "contentType": content_type,
            "size": size,
            "sha256": sha256,
            "visibility": visibility,
            "createdAt": _ts(created),
            "downloadUrl": f"/api/disputes/{dispute}/evidence/{pk}/file",
        },
        status=201,
    )


def evidence_file(request: HttpRequest, evidence_id: int) -> HttpResponseBase:
    """The stored bytes of one file, streamed from the evidence storage: one SELECT, no checks."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT file, file_name, content_type, size FROM disputes_evidence WHERE id = %s",
            [evidence_id],
        )
        row = cursor.fetchone()
    if row is None:
        return _json({"error": "not found"}, status=404)
    name, file_name, content_type, size = row
    response = FileResponse(
        storages["evidence"].open(name, "rb"),
        as_attachment=True,
        filename=file_name,
        content_type=content_type,
    )
    response["Content-Length"] = str(size)
    return response
