from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _expiry_the_only_periodic_job(settings: Any) -> None:
    """These tests show the periodic mechanism with one job, expiry; the other jobs
    (reminders: tests/reminders, the webhook sweep: tests/integrations) are tested where they
    live."""
    settings.ECHO_PERIODIC_JOBS = {
        "expire_disputes": settings.ECHO_PERIODIC_JOBS["expire_disputes"]
    }
