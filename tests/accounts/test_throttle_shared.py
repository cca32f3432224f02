"""In production the throttle budget lives in the database cache, shared by every worker."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from echo_disputes import settings as production_settings


def test_production_cache_is_the_shared_database_cache() -> None:
    assert production_settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")


@pytest.mark.django_db
def test_database_cache_counts_in_a_table_every_process_sees() -> None:
    with override_settings(CACHES=production_settings.CACHES):
        call_command("createcachetable", verbosity=0)
        caches["default"].set("throttle_login_127.0.0.1", [1.0, 2.0], 60)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM echo_cache WHERE cache_key LIKE %s", ["%login%"])
            assert cursor.fetchone()[0] == 1
        assert caches["default"].get("throttle_login_127.0.0.1") == [1.0, 2.0]
