"""Migration 0006 fills `User.username_key` for existing rows and, where two old names fold to
the same key, leaves the later row without one instead of failing the deploy."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0005_revoked_token")]
AFTER = [("accounts", "0006_username_key")]


@pytest.mark.django_db(transaction=True)
def test_migration_fills_keys_and_leaves_a_colliding_later_row_empty() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_user = executor.loader.project_state(BEFORE).apps.get_model("accounts", "User")
    old_user.objects.create(email="first@example.com", username="Stra\u00dfe", password="!")
    old_user.objects.create(email="second@example.com", username="strasse", password="!")
    old_user.objects.create(email="third@example.com", username="\uff4a\uff55\uff4c\uff49\uff41")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    try:
        keys = dict(
            executor.loader.project_state(AFTER)
            .apps.get_model("accounts", "User")
            .objects.values_list("email", "username_key")
        )
    finally:
        # Every later migration again (accounts 0007 and on): the tests after this one need
        # today's schema.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert keys == {
        "first@example.com": "strasse",
        "second@example.com": None,
        "third@example.com": "julia",
    }
