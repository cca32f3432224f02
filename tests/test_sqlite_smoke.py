"""`make run` serves on SQLite; CI's suite runs on PostgreSQL. This runs the hand-written SQL
paths once on SQLite, in a child process with its own database file."""

from __future__ import annotations

from pathlib import Path

from tests.test_settings import child_env, child_python


def test_the_plain_sql_paths_work_on_sqlite(tmp_path: Path) -> None:
    env = child_env(tmp_path, DJANGO_DEBUG="1")
    result = child_python(env, "tests/sqlite_smoke.py", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "FAILED" not in result.stdout
    assert result.stdout.count(": ok") == 8, result.stdout
