"""After `seed_scale`: pick the ids each scenario uses, add fresh orders, mint tokens.

Prints one JSON object (the scenario parameters) on stdout. Runs with bench.settings against the
throwaway database only; its bulk inserts are test data, not business writes.
"""

import argparse
import io
import json
import os
import random
import sys
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from PIL import Image  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import token_issue  # noqa: E402
from disputes.models import OPEN_STATUSES, Dispute  # noqa: E402
from disputes.services import dispute_open, evidence_add  # noqa: E402
from orders.models import Item, Order, OrderStatus, Store  # noqa: E402

PHOTO_BYTES = 1024 * 1024
BOUNDARY = "echo-bench-boundary-7f3c9a"


def photo() -> bytes:
    """A JPEG of about 1 MiB (noise barely compresses), the same bytes on every run."""
    rng = random.Random(2026)
    side = 640
    while True:
        image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        if out.tell() >= PHOTO_BYTES:
            return out.getvalue()
        side += 32


def multipart(data: bytes) -> bytes:
    """The upload form as a browser or an API client sends it: kind, description and the file."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nphoto\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
        "The parcel as it arrived (bench).\r\n",
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="parcel.jpg"'
        "\r\nContent-Type: image/jpeg\r\n\r\n",
    ]
    return "".join(parts).encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def enqueue_targets(buyer: User, *, count: int) -> dict[str, list[int]]:
    """Two sets of fresh open disputes of the buyer for the enqueue scenario: against a seller
    who receives mail (each post queues the seller's notice: a batch row locked, an item
    inserted) and against a seller without an address (`receives_mail` is false, so the same post
    queues nothing). The requests are otherwise the same: same buyer, same body, same code path,
    disputes opened the same way and posted to the same number of times."""
    targets: dict[str, list[int]] = {}
    for side, email in (("mailed", "bench-mailed-seller@example.com"), ("quiet", "")):
        name = f"bench-{side}-seller"
        seller = User.objects.filter(username=name).first() or User.objects.create_user(
            email=email, username=name, password=None
        )
        store = Store.objects.filter(owner=seller).first() or Store.objects.create(
            owner=seller, name=f"Bench {side}"
        )
        item = Item.objects.filter(store=store).first() or Item.objects.create(
            store=store, title=f"Bench {side} item", base_price="25.00", currency="EUR"
        )
        ids: list[int] = []
        for n in range(count):
            order = Order.objects.create(
                buyer=buyer,
                item=item,
                seller=seller,
                final_price=item.base_price,
                currency=item.currency,
                status=OrderStatus.COMPLETED,
                transaction_id=f"bench-{side}-{uuid.uuid4().hex[:12]}-{n}",
            )
            reason = "The parcel never arrived and the seller went quiet (bench)."
            ids.append(dispute_open(actor=buyer, order_id=order.pk, reason=reason).pk)
        targets[side] = ids
    return targets


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
    parser.add_argument("--files-dir", required=True, help="where the upload body is written")
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
        .values_list("pk", flat=True)[: args.post_targets + 2]
    )
    assert len(post_targets) > 2, "scale-buyer has too few open disputes to post to"
    # The file scenarios get disputes of their own, so no other scenario's output changes.
    upload_target, download_dispute = post_targets[-2:]
    post_targets = post_targets[:-2]
    data = photo()
    stored = evidence_add(
        actor=buyer,
        dispute_id=download_dispute,
        upload=SimpleUploadedFile("parcel.jpg", data),
        file_name="parcel.jpg",
    )
    upload_body = os.path.join(os.path.abspath(args.files_dir), "upload-photo.body")
    with open(upload_body, "wb") as fh:
        fh.write(multipart(data))

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
            "enqueue_targets": enqueue_targets(buyer, count=args.post_targets),
            "evidence": {
                "upload_dispute_id": upload_target,
                "upload_body": upload_body,
                "upload_content_type": f"multipart/form-data; boundary={BOUNDARY}",
                "photo_bytes": len(data),
                "stored_bytes": stored.size,
                "download_evidence_id": stored.pk,
                "download_path": f"/api/disputes/{download_dispute}/evidence/{stored.pk}/file",
            },
            # Consecutive ids: each run walks its own slice, so every request opens a new dispute.
            "open_slices": [[s[0], s[-1]] for s in slices],
            "auth": {"buyer": bearer(buyer), "seller": bearer(seller), "staff": bearer(staff)},
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
