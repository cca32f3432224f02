"""Settings from the environment, checked in a child process that is not in test mode."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
# Variables the parent (pytest, settings_test, pg.sh) may have set; the child starts without them.
INHERITED_PREFIXES = ("DJANGO_", "ECHO_", "PYTEST", "DATABASE_", "JWT_", "PAYMENTS_", "EMAIL_")


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


def child_env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(INHERITED_PREFIXES)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env.update(values)
    return env


def child_python(
    env: dict[str, str], *args: str, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return child_python(env, "manage.py", *args)


def production_env(tmp_path: Path) -> dict[str, str]:
    return child_env(
        tmp_path,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=random_secret_key(),
        DJANGO_ALLOWED_HOSTS="example.com",
    )


def test_check_deploy_is_clean_with_production_values(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "?:" not in output


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = child_env(tmp_path, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.com")
    result = manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_when_unset(tmp_path: Path) -> None:
    # No DJANGO_DEBUG at all must mean production, so the missing key is refused.
    result = manage(child_env(tmp_path), "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_development_runs_without_secret_key(tmp_path: Path) -> None:
    result = manage(child_env(tmp_path, DJANGO_DEBUG="1"), "check")
    assert result.returncode == 0, result.stderr


def test_check_deploy_flags_debug_on(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env["DJANGO_DEBUG"] = "1"
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_migrations_apply_on_the_sqlite_default(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "db.sqlite3").exists()


def test_settings_module_reads_allowed_hosts_list(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    env["DJANGO_ALLOWED_HOSTS"] = "a.example.com, b.example.com"
    result = manage(
        env, "shell", "-c", "from django.conf import settings; print(settings.ALLOWED_HOSTS)"
    )
    assert result.returncode == 0, result.stderr
    assert "['a.example.com', 'b.example.com']" in result.stdout


@pytest.mark.parametrize(
    ("name", "expected"),
    [("ROTATE_REFRESH_TOKENS", True), ("BLACKLIST_AFTER_ROTATION", True)],
)
def test_refresh_tokens_rotate_and_blacklist(name: str, expected: bool) -> None:
    assert settings.SIMPLE_JWT[name] is expected


def test_tests_run_with_debug_off() -> None:
    # Tests must see the production error paths, not Django's debug pages.
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    ("url", "variables", "expected"),
    [
        ("postgres://u:p@127.0.0.1:5432/echo", {}, "True 5"),
        ("postgres://u:p@127.0.0.1:5432/echo", {"DATABASE_PREPARE_THRESHOLD": "12"}, "True 12"),
        ("postgres://u:p@127.0.0.1:5432/echo", {"DATABASE_PREPARE_THRESHOLD": "0"}, "True None"),
        ("postgres://u:p@127.0.0.1:5432/echo", {"DATABASE_SERVER_SIDE_BINDING": "0"}, "- -"),
        (None, {}, "- -"),
    ],
)
def test_prepared_statements_follow_the_environment(
    tmp_path: Path, url: str | None, variables: dict[str, str], expected: str
) -> None:
    """Only PostgreSQL gets Django's server-side binding and psycopg's prepare_threshold; both
    can be turned off for poolers that cannot keep prepared statements."""
    env = production_env(tmp_path)
    if url:
        env["DATABASE_URL"] = url
    env.update(variables)
    code = (
        "from django.conf import settings; o = settings.DATABASES['default'].get('OPTIONS', {}); "
        "print(o.get('server_side_binding', '-'), o.get('prepare_threshold', '-'))"
    )
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


@pytest.mark.parametrize(("value", "expected"), [(None, "False"), ("1", "True")])
def test_hsts_preload_is_opt_in(tmp_path: Path, value: str | None, expected: str) -> None:
    env = production_env(tmp_path)
    if value is not None:
        env["DJANGO_SECURE_HSTS_PRELOAD"] = value
    code = "from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)"
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_only_the_test_settings_know_a_secret_key(tmp_path: Path) -> None:
    # Importing the test settings in a child is what makes pytest work without a key; the
    # production module, even under a process named pytest, has none.
    env = child_env(tmp_path, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="example.com")
    result = child_python(
        env,
        "-c",
        "import pytest, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = "
        "'echo_disputes.settings'; django.setup()",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
