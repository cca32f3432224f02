"""The database goes away under load and comes back: the running app must ride it out.

The test owns its processes: a PostgreSQL cluster (scripts/pg.sh) and gunicorn with two workers
on a free loopback port, in production settings. A client thread keeps posting messages and
reading the dispute. PostgreSQL is stopped (`pg_ctl stop -m fast`) and started again on the same
port. While it is down the API must answer a JSON 503 (never HTML, never a traceback) and
/healthz a 503; once it is back the same gunicorn, not restarted, must answer within 5 seconds;
and every message that got a 201 must be in the database.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

pytestmark = pytest.mark.outage

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RECOVERY_LIMIT = 5.0

SEED = """
import json
from decimal import Decimal
from accounts.models import User
from accounts.services import token_issue
from disputes.services import dispute_open
from orders.services import item_create, order_create

buyer = User.objects.create_user(email="b@example.com", username="b", password="pw-outage-1")
seller = User.objects.create_user(email="s@example.com", username="s", password="pw-outage-2")
item = item_create(creator=seller, title="Lamp", base_price=Decimal("10.00"))
order = order_create(buyer=buyer, item_id=item.pk)
dispute = dispute_open(actor=buyer, order_id=order.pk, reason="The lamp never arrived here.")
print(json.dumps({"dispute": dispute.pk, "token": str(token_issue(user=buyer).access_token)}))
"""


@pytest.fixture(autouse=True)
def _clear_throttles() -> Iterator[None]:
    # The suite's autouse fixture clears the (database) cache of the test database; this test
    # uses no test database, only the cluster it starts.
    yield


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@dataclass
class Cluster:
    directory: str
    port: int
    url: str

    def stop(self) -> None:
        pg_ctl = str(PG_BIN / "pg_ctl")
        subprocess.run(
            _as_postgres(pg_ctl, "-D", f"{self.directory}/data", "-m", "fast", "-w", "stop"),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        # Durable settings this time (pg.sh trades them for speed): the test is about what a
        # commit promises.
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        subprocess.run(
            _as_postgres(
                str(PG_BIN / "pg_ctl"),
                "-D",
                f"{self.directory}/data",
                "-l",
                f"{self.directory}/server.log",
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "start",
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    started = subprocess.run(
        [str(ROOT / "scripts/pg.sh"), "start"], check=True, capture_output=True, text=True
    )
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in started.stdout.splitlines()
        if line.startswith("export ")
    )
    cluster = Cluster(exports["ECHO_PG_DIR"], int(exports["ECHO_PG_PORT"]), exports["DATABASE_URL"])
    try:
        # Restart once with durable settings before any data is written.
        cluster.stop()
        cluster.start()
        yield cluster
    finally:
        subprocess.run([str(ROOT / "scripts/pg.sh"), "stop", cluster.directory], check=False)


def _app_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ECHO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="echo_disputes.settings",
        DJANGO_SECRET_KEY="outage-test-" + "k" * 50,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        GUNICORN_ACCESS_LOG="",
        PYTHONPATH=str(ROOT),
        # One buyer writes as fast as the server answers: the outage is under test, not the
        # posting budget (tests/hardening/test_message_limits.py).
        ECHO_POST_THROTTLE="",
        ECHO_MAX_MESSAGES_PER_DISPUTE="100000000",
    )
    return env


@dataclass
class App:
    base: str
    process: subprocess.Popen[bytes]
    dispute: int
    token: str


@pytest.fixture
def app(cluster: Cluster, tmp_path: Path) -> Iterator[App]:
    env = _app_env(cluster.url)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [*manage, "shell", "-c", SEED], env=env, check=True, capture_output=True, text=True
    )
    seed = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [
            str(gunicorn),
            "-c",
            "echo_disputes/gunicorn_conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
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
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, "gunicorn did not come up"
            time.sleep(0.1)
        yield App(base, process, seed["dispute"], seed["token"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@dataclass
class Traffic:
    """A client that writes and reads until told to stop, remembering every answer."""

    app: App
    answers: list[tuple[float, str, int, str, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.app.token}"}
        url = f"{self.app.base}/api/disputes/{self.app.dispute}"
        n = 0
        while not self.stop.is_set():
            n += 1
            body = f"message number {n}"
            self._record(
                "write", body, requests.post, f"{url}/messages", headers, {"message": body}
            )
            self._record("read", "", requests.get, url, headers, None)

    def _record(
        self, kind: str, body: str, call: Any, url: str, headers: dict[str, str], data: Any
    ) -> None:
        try:
            response = call(url, headers=headers, json=data, timeout=10)
        except requests.RequestException as exc:
            self.answers.append((time.monotonic(), kind, 0, "", repr(exc)))
            return
        if kind == "write" and response.status_code == 201:
            self.created.append(body)
        self.answers.append(
            (
                time.monotonic(),
                kind,
                response.status_code,
                response.headers.get("Content-Type", ""),
                response.text,
            )
        )


def _assert_json_503(content_type: str, text: str) -> None:
    assert content_type.startswith("application/json"), (content_type, text[:300])
    body = json.loads(text)
    assert body["code"] == "service_unavailable", body
    assert body["error"], body
    assert "Traceback" not in text and "<html" not in text.lower(), text[:300]


def test_database_outage_gives_json_503_and_recovers_without_losing_writes(
    cluster: Cluster, app: App
) -> None:
    traffic = Traffic(app)
    client = threading.Thread(target=traffic.run, daemon=True)
    client.start()
    try:
        time.sleep(1.5)
        assert any(status == 201 for _, _, status, _, _ in traffic.answers), traffic.answers[:5]

        cluster.stop()
        down_at = time.monotonic()
        time.sleep(2.0)
        health = requests.get(f"{app.base}/healthz", timeout=5)
        assert health.status_code == 503
        assert health.headers["Content-Type"].startswith("application/json")
        assert health.json()["database"] == "down"
        during = [a for a in traffic.answers if a[0] > down_at + 0.5]
        assert during, "no request completed while the database was down"

        restart_at = time.monotonic()
        cluster.start()
        up_at = time.monotonic()
        recovered_at = None
        while time.monotonic() - up_at < RECOVERY_LIMIT:
            if requests.get(f"{app.base}/healthz", timeout=5).status_code == 200 and any(
                at > up_at and kind == "write" and status == 201
                for at, kind, status, _, _ in traffic.answers
            ):
                recovered_at = time.monotonic()
                break
            time.sleep(0.05)
        assert recovered_at is not None, (
            f"no 201 within {RECOVERY_LIMIT}s of PostgreSQL being back: {traffic.answers[-3:]}"
        )
        time.sleep(0.5)
    finally:
        traffic.stop.set()
        client.join(timeout=15)

    assert app.process.poll() is None, "gunicorn died"
    refused = [a for a in traffic.answers if a[2] not in (200, 201)]
    assert refused, "the outage refused no request"
    for _, _, status, content_type, text in refused:
        assert status == 503, (status, content_type, text[:300])
        _assert_json_503(content_type, text)
    assert all(a[2] == 503 for a in during if a[0] < restart_at), during

    with psycopg.connect(cluster.url) as connection:
        stored = {row[0] for row in connection.execute("SELECT body FROM disputes_message")}
    lost = [body for body in traffic.created if body not in stored]
    assert not lost, f"{len(lost)} acknowledged writes are missing: {lost[:5]}"
    print(
        f"outage: {len(traffic.answers)} requests, {len(refused)} answered 503, "
        f"recovered {recovered_at - up_at:.2f}s after PostgreSQL was back",
        file=sys.stderr,
    )
