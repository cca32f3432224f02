"""The project's URLs plus the floor and peer views, which exist only in the benchmark's URLconf."""

from django.urls import include, path

from bench import floor, peer
from echo_disputes import urls as project

urlpatterns = [
    path("bench-floor/disputes/<int:dispute_id>", floor.detail),
    path("bench-floor/disputes/<int:dispute_id>/messages", floor.message_post),
    path("bench-floor/disputes/<int:dispute_id>/message-row", floor.message_insert_only),
    path("bench-floor/my-disputes", floor.my_disputes),
    path("bench-floor/disputes", floor.dispute_open),
    path("bench-floor/finance-disputes", floor.finance_disputes),
    path("bench-floor/admin-queue", floor.admin_queue),
    path("bench-floor/disputes/<int:dispute_id>/evidence", floor.evidence_upload),
    path("bench-floor/evidence/<int:evidence_id>/file", floor.evidence_file),
    # The peers: the same endpoints as DRF's tutorial would have them (bench/peer.py), included
    # under one prefix as a team would mount its router.
    path("peer/", include(peer.router.urls)),
    # Spliced, not included: the API's requests resolve through as many levels as in production.
    *project.urlpatterns,
]
