"""The disputes app's background tasks (django-tasks); the services do the work.

`expire_disputes` is run by the periodic schedule (background/schedule.py,
settings.ECHO_PERIODIC_JOBS); reminders will join it there.
"""

from __future__ import annotations

from django_tasks import task

from disputes.services import disputes_expire


@task()
def expire_disputes() -> int:
    """Decide for the buyer every dispute whose respondent let the deadline pass."""
    return disputes_expire()
