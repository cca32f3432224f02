"""The disputes app's background tasks (django-tasks); the services do the work.

Both run on the periodic schedule (background/schedule.py, settings.ECHO_PERIODIC_JOBS).
"""

from __future__ import annotations

from django_tasks import task

from disputes.services import disputes_expire, reminders_send


@task()
def expire_disputes() -> int:
    """Decide for the buyer every dispute whose respondent let the deadline pass."""
    return disputes_expire()


@task()
def send_reminders() -> int:
    """Remind respondents 72 and 24 hours before their deadline (once each)."""
    return reminders_send()
