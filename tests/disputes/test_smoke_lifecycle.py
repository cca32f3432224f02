from __future__ import annotations

import pytest

from disputes.models import DisputeStatus
from tests.factories import make_dispute


@pytest.mark.django_db
@pytest.mark.parametrize("state", DisputeStatus.values)
def test_factory_reaches_every_state_through_services(state: str) -> None:
    dispute = make_dispute(state=state)
    assert dispute.events.filter(to_status=state).exists() or state == "needs_response"
