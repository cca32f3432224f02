from __future__ import annotations

from integrations.models import OutboundEvent


def schedule(event: OutboundEvent) -> None:
    """Filled in by the webhook delivery."""
