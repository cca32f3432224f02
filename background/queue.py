"""Enqueueing that follows the transaction of the change that causes the task.

With django-tasks-db (the default) the task is a row written on the same connection, inside the
caller's `transaction.atomic`: a rolled-back change leaves no task, a committed one always has
its task. Any other backend (Redis through django-tasks-rq, the immediate backend) cannot join
the transaction, so the task is handed over on commit instead: nothing is sent for a rolled-back
change, but a crash between the commit and the hand-over loses the task (docs/operations.md).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend


def joins_transaction(task: Task[Any, Any]) -> bool:
    """Whether the task's backend writes the task inside the current transaction."""
    return isinstance(task.get_backend(), DatabaseBackend)


def enqueue_in_transaction(
    task: Task[Any, Any], *args: Any, run_after: datetime | None = None, **kwargs: Any
) -> None:
    """Enqueue `task` so that it exists if and only if the current transaction commits."""
    if run_after is not None:
        task = task.using(run_after=run_after)
    if joins_transaction(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, *args, **kwargs))


def retry_delay(attempt: int, *, base: float, cap: float) -> timedelta:
    """Exponential backoff with "equal jitter" after the `attempt`-th failure (1-based): half of
    `base * 2**(attempt-1)` (at most `cap`) fixed, the other half random, so retries of many
    tasks that failed together spread out instead of hitting the relay at the same instant."""
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311
