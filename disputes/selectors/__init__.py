"""Every reusable read of disputes, split by who reads: `party` (the parties' API and pages),
`finance` (the finance API), `backoffice` (the admin). The party and finance reads are also
importable from here."""

from disputes.selectors.finance import (
    disputes_for_finance,
    finance_cursor_decode,
    finance_cursor_encode,
    finance_dispute_amount,
    finance_dispute_get,
    finance_disputes_page,
)
from disputes.selectors.offers import offers_for, open_offer_for
from disputes.selectors.party import (
    PartyDisputeList,
    dispute_for_order,
    dispute_get_for,
    dispute_thread_for_party,
    disputes_of_party,
    disputes_page_of_party,
    disputes_slice_for_party,
    disputes_visible_to,
    events_visible_to,
    messages_visible_to,
    order_has_open_dispute,
)

__all__ = [
    "PartyDisputeList",
    "dispute_for_order",
    "dispute_get_for",
    "dispute_thread_for_party",
    "disputes_for_finance",
    "disputes_of_party",
    "disputes_page_of_party",
    "disputes_slice_for_party",
    "disputes_visible_to",
    "events_visible_to",
    "finance_cursor_decode",
    "finance_cursor_encode",
    "finance_dispute_amount",
    "finance_dispute_get",
    "finance_disputes_page",
    "messages_visible_to",
    "offers_for",
    "open_offer_for",
    "order_has_open_dispute",
]
