"""In production the throttle budget lives in the database cache, shared by every worker."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from echo_disputes import settings as production_settings
from tests.assertions import assert_error
from tests.factories import PASSWORD

LOGIN = "/api/users/login"


def _throttle_rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM echo_cache WHERE cache_key LIKE %s", ["%throttle_login_%"]
        )
        return int(cursor.fetchone()[0])


@pytest.mark.django_db
def test_login_budget_is_a_row_every_worker_reads(api: APIClient, buyer: User) -> None:
    wrong = {"email": buyer.email, "password": "bad"}
    with override_settings(CACHES=production_settings.CACHES):
        # The test settings' cache is process-local, so migrate made no table: make it here.
        call_command("createcachetable", verbosity=0)
        for _ in range(10):
            assert_error(api.post(LOGIN, wrong), 401)
        # The count sits in the database table, where another gunicorn worker would find it...
        assert _throttle_rows() == 1
        assert_error(api.post(LOGIN, wrong), 429, "throttled")
        # ...and nowhere else: with the row gone, the budget is whole again.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM echo_cache")
        right = api.post(LOGIN, {"email": buyer.email, "password": PASSWORD})
        assert right.status_code == 200, right.content[:300]
