"""Periodic work: one mechanism for expiry now, reminders and webhook retries later.

Each job in `settings.ECHO_PERIODIC_JOBS` (name -> {"task": dotted path of a django-tasks Task,
"every_seconds": n}) has a `PeriodicJob` row whose `next_run_at` is both the schedule and the
claim. `run_periodic(name, due)` is a task that enqueues itself for the next slot: it moves the
row from `due` to the next slot with a conditional UPDATE, and only when that UPDATE changed a
row does it enqueue the job and its own next run, in that same transaction. Any number of
`run_periodic` tasks for one slot (several hosts each ran `schedule_periodic` at start-up, a
duplicate survived a crash) therefore run the job once: the others find the row moved on and
stop, and the chain stays single. Nothing depends on the database vendor: the conditional
UPDATE is atomic on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import Task

from background.models import PeriodicJob
from background.queue import enqueue_in_transaction

logger = logging.getLogger("background.schedule")


@dataclass(frozen=True)
class Job:
    name: str
    task: Task[Any, Any]
    every: timedelta


def jobs() -> dict[str, Job]:
    """The configured periodic jobs."""
    return {
        name: Job(
            name=name,
            task=import_string(spec["task"]),
            every=timedelta(seconds=int(spec["every_seconds"])),
        )
        for name, spec in settings.ECHO_PERIODIC_JOBS.items()
    }


def ensure_schedule(*, now: datetime | None = None) -> list[str]:
    """Give every configured job a row and a queued `run_periodic` for its next slot.

    Idempotent and safe on several hosts at once: a second `run_periodic` for a slot that
    already has one simply loses the claim. Returns the names scheduled."""
    now = now or timezone.now()
    names = []
    for job in jobs().values():
        with transaction.atomic():
            row, _ = PeriodicJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
            enqueue_in_transaction(
                run_periodic,
                job.name,
                row.next_run_at.isoformat(),
                run_after=row.next_run_at if row.next_run_at > now else None,
            )
        names.append(job.name)
    return names


def next_slot(due: datetime, every: timedelta, now: datetime) -> datetime:
    """The slot after `due`; after downtime, one interval from now (missed slots are not
    run one after another: every job here catches up on its own)."""
    following = due + every
    return following if following > now else now + every


@task()
def run_periodic(name: str, due: str) -> dict[str, Any]:
    """Run job `name` for the slot `due` (ISO 8601) if this task wins that slot."""
    job = jobs().get(name)
    if job is None:
        logger.warning("periodic job %r is no longer configured; its chain ends", name)
        return {"ran": False, "reason": "unknown job"}
    slot = datetime.fromisoformat(due)
    now = timezone.now()
    following = next_slot(slot, job.every, now)
    with transaction.atomic():
        won = PeriodicJob.objects.filter(name=name, next_run_at=slot).update(
            next_run_at=following, last_run_at=now
        )
        if not won:
            return {"ran": False, "reason": "slot already taken"}
        enqueue_in_transaction(job.task)
        enqueue_in_transaction(run_periodic, name, following.isoformat(), run_after=following)
    return {"ran": True, "next": following.isoformat()}
