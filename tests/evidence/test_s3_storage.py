"""The `evidence` alias on S3-compatible object storage (django-storages), against a moto server
on loopback that this module starts and stops: the same upload, download and rollback rules."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from disputes import services
from disputes.models import Dispute, Evidence
from orders.models import Order
from tests.evidence.conftest import jpeg_with_gps
from tests.evidence.helpers import served, upload
from tests.factories import make_dispute

pytestmark = pytest.mark.django_db
Clients = Callable[..., APIClient]
BUCKET = "echo-evidence-test"
KEYS = {"access_key": "testing-key", "secret_key": "testing-secret", "region_name": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    binary = shutil.which(
        "moto_server", path=str(Path(__file__).resolve().parents[2] / ".venv/bin")
    )
    binary = binary or shutil.which("moto_server")
    if binary is None:
        pytest.skip("moto_server is not installed (the dev extra)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [binary, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint: str, settings: LazySettings) -> Any:
    import boto3

    s3 = boto3.resource(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
        region_name=KEYS["region_name"],
    )
    bucket = s3.Bucket(BUCKET)
    bucket.create()
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "location": "evidence",
                "default_acl": "private",
                "file_overwrite": False,
                **KEYS,
            },
        },
    }
    yield bucket
    bucket.objects.all().delete()
    bucket.delete()


@pytest.fixture
def dispute(order: Order, staff: User) -> Dispute:
    return make_dispute(order=order, staff=staff)


def _keys(bucket: Any) -> list[str]:
    return sorted(o.key for o in bucket.objects.all())


def test_upload_and_download_through_object_storage(
    bucket: Any, dispute: Dispute, buyer: User, seller: User, client_for: Clients
) -> None:
    response = upload(client_for(buyer), dispute.pk, jpeg_with_gps(), name="parcel.jpg")
    assert response.status_code == 201, response.content
    body = response.json()
    evidence = Evidence.objects.get(pk=body["id"])
    assert _keys(bucket) == [f"evidence/{evidence.file.name}"]
    stored = bucket.Object(f"evidence/{evidence.file.name}").get()["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == body["sha256"]
    download = client_for(seller).get(body["downloadUrl"])
    assert download.status_code == 200
    assert served(download) == stored and b"SpyCam" not in stored
    assert download["Content-Disposition"] == 'attachment; filename="parcel.jpg"'


def test_a_failed_upload_leaves_no_object(
    bucket: Any, dispute: Dispute, buyer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**_: object) -> None:
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr("disputes.services.evidence.log_event", fail)
    with pytest.raises(RuntimeError):
        services.evidence_add(
            actor=buyer,
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile("a.txt", b"Tracking number 123"),
            file_name="a.txt",
        )
    assert _keys(bucket) == [] and not Evidence.objects.exists()
