"""The Redis backend (django-tasks-rq) for large deployments: the same delivery path (a notification
task, batched, then sent) on a real Redis this module starts on loopback and stops. Skipped, saying
why, only where Debian's redis-server cannot be installed (scripts/ensure-redis.sh)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from disputes import services
from tests.factories import make_dispute
from tests.tasks.helpers import free_port

pytestmark = pytest.mark.django_db(transaction=True)

django_rq = pytest.importorskip("django_rq", reason="django-tasks-rq is not installed (dev extra)")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: scripts/ensure-redis.sh installs Debian's")
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="echo-redis-"))
    pidfile = folder / "redis.pid"
    subprocess.run(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--daemonize", "yes", "--dir", str(folder), "--pidfile", str(pidfile)],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        subprocess.run(
            ["redis-cli", "-p", str(port), "shutdown", "nosave"],
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def on_redis(redis_url: str) -> Iterator[None]:
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": redis_url}},
    ):
        django_rq.get_connection("default").flushdb()
        yield


def run_rq_worker() -> None:
    """`manage.py rqworker --burst` in this process (SimpleWorker: no fork), so the test sees
    what the tasks sent."""
    from rq import SimpleWorker

    django_rq.get_worker(
        "default", job_class="django_tasks_rq.Job", worker_class=SimpleWorker
    ).work(burst=True)


def test_the_delivery_path_on_redis(on_redis: None) -> None:
    queue = django_rq.get_queue("default")
    dispute = make_dispute()
    assert queue.count == 1  # the opening's mail, handed to Redis on commit
    run_rq_worker()
    assert [m.to for m in mail.outbox] == [[dispute.seller.email]]
    mail.outbox.clear()
    # Rolled back: nothing reaches Redis.
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Never sent.")
        assert queue.count == 0  # not before the commit either
        1 / 0  # noqa: B018
    assert queue.count == 0
    # Committed: the batch's flush goes to Redis, the worker flushes and sends.
    services.message_post(actor=dispute.seller, dispute_id=dispute.pk, body="Shipped on Monday.")
    assert queue.count == 1
    assert mail.outbox == []
    run_rq_worker()
    assert queue.count == 0
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (
            [dispute.buyer.email],
            f"New message on dispute #{dispute.pk}",
            f"{dispute.seller.username} wrote:\n\nShipped on Monday.",
        )
    ]
    assert not DBTaskResult.objects.exists()  # the database queue was never used
