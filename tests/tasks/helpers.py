"""What the task tests share: reading the queue (django-tasks-db's own table) and freeing a port."""

from __future__ import annotations

import socket
from typing import Any

from django.core import mail
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

SEND = "background.mail.send_email"
FLUSH = "background.mail.flush_mail_batch"
PERIODIC = "background.schedule.run_periodic"
EXPIRE = "disputes.tasks.expire_disputes"


def queued(path: str | None = None) -> list[DBTaskResult]:
    """Tasks waiting to run (due or not), oldest first."""
    rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    if path is not None:
        rows = rows.filter(task_path=path)
    return list(rows.order_by("enqueued_at"))


def paths(rows: list[DBTaskResult]) -> list[str]:
    return [row.task_path for row in rows]


def make_due(rows: list[DBTaskResult]) -> None:
    """Time passes for these deferred tasks (as `make_overdue` does for a dispute's deadline)."""
    DBTaskResult.objects.filter(pk__in=[row.pk for row in rows]).update(run_after=timezone.now())


def sent_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
