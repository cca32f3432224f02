from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from disputes.services import disputes_expire


class Command(BaseCommand):
    help = (
        "Decide for the buyer every dispute whose respondent let the deadline pass. "
        "Idempotent and safe to run from cron on several hosts at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Disputes locked and expired per transaction (1..10000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["batch_size"] <= 10000:
            raise CommandError("--batch-size must be between 1 and 10000.")
        count = disputes_expire(batch_size=options["batch_size"])
        self.stdout.write(f"Expired {count} dispute(s).")
