"""Every write to disputes, one function per business action, split by capability.

Each service runs in a transaction, locks the row it changes, asks the policy, checks the move
against `states.py` (through `core.transition`, the only place a status is assigned), writes with
`update_fields`, appends a `DisputeEvent` and schedules side effects with
`transaction.on_commit`. Callers import from here; the modules are the capabilities.
"""

from disputes.services.assignment import dispute_assign
from disputes.services.chargebacks import (
    CHARGEBACK_EVENT_TYPES,
    CHARGEBACK_SUPERSEDED,
    ChargebackEvent,
    ChargebackResult,
    chargeback_apply,
    chargeback_future_refusal,
)
from disputes.services.core import MESSAGE_MAX, REASON_MAX, REASON_MIN, RESOLUTION_MAX
from disputes.services.decisions import (
    dispute_close,
    dispute_take_up,
    dispute_withdraw,
    disputes_expire,
)
from disputes.services.evidence import evidence_add
from disputes.services.offers import (
    dispute_escalate,
    offer_accept,
    offer_decline,
    offer_propose,
    offer_withdraw,
)
from disputes.services.opening import dispute_open
from disputes.services.reminders import REMINDERS, reminders_send
from disputes.services.saved_replies import saved_reply_delete, saved_reply_save
from disputes.services.thread import message_post

__all__ = [
    "CHARGEBACK_EVENT_TYPES",
    "CHARGEBACK_SUPERSEDED",
    "MESSAGE_MAX",
    "REASON_MAX",
    "REASON_MIN",
    "REMINDERS",
    "RESOLUTION_MAX",
    "ChargebackEvent",
    "ChargebackResult",
    "chargeback_apply",
    "chargeback_future_refusal",
    "dispute_assign",
    "dispute_close",
    "dispute_escalate",
    "dispute_open",
    "dispute_take_up",
    "dispute_withdraw",
    "disputes_expire",
    "evidence_add",
    "message_post",
    "offer_accept",
    "offer_decline",
    "offer_propose",
    "offer_withdraw",
    "reminders_send",
    "saved_reply_delete",
    "saved_reply_save",
]
