from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from background.schedule import ensure_schedule


class Command(BaseCommand):
    help = (
        "Queue the next run of every periodic job (settings.ECHO_PERIODIC_JOBS). Run it at every "
        "deploy or worker start: idempotent, and safe on several hosts at once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        names = ensure_schedule()
        self.stdout.write(f"Scheduled {len(names)} periodic job(s): {', '.join(names) or '-'}.")
