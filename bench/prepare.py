"""After `seed_scale`: pick the ids each scenario uses, add fresh orders, mint tokens.

Prints one JSON object (the scenario parameters) on stdout. Runs with bench.settings against the
throwaway database only; its bulk inserts are test data, not business writes.
"""

import argparse
import json
import os
import sys
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.db.models import Count, Q  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import token_issue  # noqa: E402
from disputes.models import OPEN_STATUSES, Dispute  # noqa: E402
from orders.models import Item, Order, OrderStatus, Store  # noqa: E402

BUYER, SELLER, STAFF = (
    "scale-buyer@example.com",
    "scale-seller@example.com",
    "scale-staff@example.com",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--fresh-orders", type=int, default=30000, help="per run that opens disputes"
    )
    parser.add_argument(
        "--open-runs", type=int, default=2, help="runs that open disputes (API, floor)"
    )
    parser.add_argument("--post-targets", type=int, default=50)
    args = parser.parse_args()

    buyer = User.objects.get(email=BUYER)
    seller = User.objects.get(email=SELLER)
    staff = User.objects.get(email=STAFF)
    mine = Dispute.objects.filter(buyer_id=buyer.pk)
    # The detail scenario: the buyer's dispute with the longest public thread (20 by design).
    detail = (
        mine.annotate(n=Count("messages", filter=Q(messages__visibility="public")))
        .order_by("-n", "id")
        .values_list("pk", "n")
        .first()
    )
    assert detail is not None, "scale-buyer has no dispute: did seed_scale run?"
    post_targets = list(
        mine.filter(status__in=OPEN_STATUSES)
        .exclude(pk=detail[0])
        .order_by("id")
        .values_list("pk", flat=True)[: args.post_targets]
    )
    assert post_targets, "scale-buyer has no open dispute to post to"

    store = Store.objects.filter(owner=seller).first() or Store.objects.create(
        owner=seller, name="Bench"
    )
    item = Item.objects.filter(store=store).first() or Item.objects.create(
        store=store, title="Bench item", base_price="25.00", currency="EUR"
    )
    total = args.fresh_orders * args.open_runs
    tag = uuid.uuid4().hex[:12]
    created = Order.objects.bulk_create(
        [
            Order(
                buyer=buyer,
                item=item,
                seller=seller,
                final_price=item.base_price,
                currency=item.currency,
                status=OrderStatus.COMPLETED,
                transaction_id=f"bench-{tag}-{n}",
            )
            for n in range(total)
        ],
        batch_size=5000,
    )
    ids = sorted(o.pk for o in created)
    slices = [
        ids[n * args.fresh_orders : (n + 1) * args.fresh_orders] for n in range(args.open_runs)
    ]

    def bearer(user: User) -> str:
        return f"Bearer {token_issue(user=user).access_token}"

    json.dump(
        {
            "buyer_id": buyer.pk,
            "seller_id": seller.pk,
            "staff_id": staff.pk,
            "detail_id": detail[0],
            "detail_messages": detail[1],
            "buyer_disputes": mine.count(),
            "seller_disputes": Dispute.objects.filter(seller_id=seller.pk).count(),
            "post_targets": post_targets,
            # Consecutive ids: each run walks its own slice, so every request opens a new dispute.
            "open_slices": [[s[0], s[-1]] for s in slices],
            "auth": {"buyer": bearer(buyer), "seller": bearer(seller), "staff": bearer(staff)},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
