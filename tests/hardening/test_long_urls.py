"""A URL longer than URL_MAX_LENGTH is answered by the app with a 414: JSON under /api/, the
finance envelope under /openapi/, a plain page elsewhere; never gunicorn's HTML 414
(echo_disputes/middleware.py::UrlLengthMiddleware, echo_disputes/gunicorn_conf.py)."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 8192
API_414 = {
    "error": f"The URL is longer than {LIMIT} characters.",
    "code": "uri_too_long",
    "details": {},
}
LONG_PATH = "/api/disputes/" + "a" * 10_000
LONG_QUERY = "/api/disputes?" + "&".join(f"status=open{i}" for i in range(1000))


@pytest.mark.parametrize("url", [LONG_PATH, LONG_QUERY, "/api/users/login?q=" + "x" * LIMIT])
def test_a_long_api_url_is_a_json_414(
    client: Client, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = client.get(url)
    assert response.status_code == 414
    assert response["Content-Type"] == "application/json"
    assert response.json() == API_414
    # Answered inside SecurityMiddleware: the refusal carries the security headers.
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_long_post_is_refused_before_the_body_is_read(client: Client) -> None:
    response = client.post(LONG_PATH, data="{", content_type="application/json")
    assert response.status_code == 414
    assert response.json() == API_414


@pytest.mark.django_db
def test_a_url_of_exactly_the_limit_is_served(client: Client) -> None:
    path = "/api/disputes/"
    url = path + "?q=" + "x" * (LIMIT - len(path) - len("q="))
    assert len(url) - 1 == LIMIT  # the "?" is not part of the query string
    response = client.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_long_finance_url_is_414_in_the_finance_envelope(client: Client) -> None:
    response = client.get("/openapi/2024-07/shoplazza-payment/disputes?cursor=" + "c" * 9000)
    assert response.status_code == 414
    assert response.json() == {
        "code": "URITooLong",
        "message": f"The URL is longer than {LIMIT} characters.",
    }


def test_a_long_page_url_is_a_plain_414_page(client: Client) -> None:
    response = client.get("/disputes/?q=" + "x" * 9000)
    assert response.status_code == 414
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == f"The URL is longer than {LIMIT} characters."


@override_settings(URL_MAX_LENGTH=100)
def test_the_limit_is_a_setting(client: Client) -> None:
    response = client.get("/api/disputes?q=" + "x" * 100)
    assert response.status_code == 414
    assert response.json()["error"] == "The URL is longer than 100 characters."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server with the repo's config, in production settings, on loopback."""
    tmp = tmp_path_factory.mktemp("gunicorn")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ECHO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="echo_disputes.settings",
        DJANGO_SECRET_KEY="long-url-test-" + "k" * 50,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # /healthz needs a database that answers SELECT 1; the 414 needs none.
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        GUNICORN_ACCESS_LOG="",
        PYTHONPATH=str(ROOT),
    )
    port = _free_port()
    log_path = tmp / "gunicorn.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "echo_disputes/gunicorn_conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        assert "Traceback" not in log_path.read_text()


@pytest.mark.parametrize(
    "url", [LONG_PATH, LONG_QUERY, "/api/disputes?q=" + "x" * 60_000], ids=["path", "query", "60k"]
)
def test_real_gunicorn_lets_the_app_answer_a_long_api_url(gunicorn: str, url: str) -> None:
    response = requests.get(gunicorn + url, timeout=10)
    assert response.status_code == 414
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == API_414


def test_real_gunicorn_serves_a_url_within_the_limit(gunicorn: str) -> None:
    response = requests.get(f"{gunicorn}/healthz?q=" + "x" * 8000, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
