"""The webhook tasks (django-tasks): one delivery attempt, and the periodic sweep."""

from __future__ import annotations

from django_tasks import task

from integrations import delivery


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Try delivery `delivery_id` (integrations.delivery.attempt); retries enqueue themselves."""
    return delivery.attempt(delivery_id)


@task()
def sweep_webhooks() -> int:
    """Queue again the deliveries whose task was lost (ECHO_PERIODIC_JOBS)."""
    return delivery.sweep()
