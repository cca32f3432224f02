from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from disputes.services import reminders_send


class Command(BaseCommand):
    help = (
        "Remind the respondents of party disputes 72 and 24 hours before their deadline (once "
        "each). The periodic job `send_reminders` runs the same; idempotent and safe on several "
        "hosts at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Disputes locked and reminded per transaction (1..10000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["batch_size"] <= 10000:
            raise CommandError("--batch-size must be between 1 and 10000.")
        count = reminders_send(batch_size=options["batch_size"])
        self.stdout.write(f"Sent {count} reminder(s).")
