from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from disputes.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo accounts, store, orders and disputes (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo passwords are public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs "
                "only with DJANGO_DEBUG=1, or with --force."
            )
        counts = seed_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {counts['orders']} orders, {counts['disputes']} disputes. "
                f"Log in as buyer@example.com, seller@example.com or staff@example.com with "
                f"password {DEMO_PASSWORD}."
            )
        )
