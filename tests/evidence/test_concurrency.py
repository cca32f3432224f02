"""Races on real PostgreSQL with real threads: the per-dispute file limit holds when uploads
arrive at the same instant, and the refused ones leave no file behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import LazySettings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from disputes import services
from disputes.models import Evidence
from echo_disputes.errors import Conflict
from tests.disputes.test_concurrency import run_parallel
from tests.evidence.conftest import stored_files
from tests.factories import make_dispute

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_parallel_uploads_never_pass_the_file_limit(
    settings: LazySettings, evidence_root: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    settings.EVIDENCE_MAX_FILES = 3
    dispute = make_dispute()
    parties = [dispute.buyer, dispute.seller]

    def upload(i: int) -> Evidence:
        return services.evidence_add(
            actor=parties[i % 2],
            dispute_id=dispute.pk,
            upload=SimpleUploadedFile(f"{i}.txt", f"Tracking number {i}".encode()),
            file_name=f"{i}.txt",
        )

    results = run_parallel(8, upload)
    ok = [value for kind, value in results if kind == "ok"]
    refused = [value for kind, value in results if kind == "error"]
    assert len(ok) == 3 and len(refused) == 5
    assert all(isinstance(e, Conflict) and e.code == "evidence_limit_reached" for e in refused)
    assert Evidence.objects.filter(dispute=dispute).count() == 3
    assert len(stored_files(evidence_root)) == 3
