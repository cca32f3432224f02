"""The throttle budget lives in the database cache, so every worker and host shares it."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection


@pytest.mark.django_db
def test_default_cache_is_the_shared_database_cache() -> None:
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    caches["default"].set("probe", 1, 30)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM echo_cache")
        assert cursor.fetchone()[0] >= 1
