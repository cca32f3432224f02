"""The dashboard's figures on offers and escalation, beside `backoffice.dispute_dashboard_stats`:
open disputes a party escalated, and the median time from opening to settlement of the disputes
opened in the dashboard's window that the parties settled. One aggregate query each, computed by
PostgreSQL (percentile_cont) like the other medians."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from disputes.models import Dispute, Outcome

# The same median as the dashboard's other two (PostgreSQL in the database, Python elsewhere).
from disputes.selectors.backoffice import median_duration


@dataclass(frozen=True)
class SettlementStats:
    escalated_open: int
    median_settlement: timedelta | None


def settlement_stats(*, since: datetime) -> SettlementStats:
    """Open escalated disputes now, and the median `closed_at - created_at` of the disputes
    created since `since` that closed as settled."""
    settled = Dispute.objects.filter(created_at__gte=since, outcome=Outcome.SETTLED)
    return SettlementStats(
        escalated_open=Dispute.objects.open().filter(escalated_at__isnull=False).count(),
        median_settlement=median_duration(settled, "closed_at"),
    )
