"""`make soak`'s data: honest users with open disputes and fresh orders, a flooder with one
dispute, the account the login attacker goes after; tokens minted for each.

Prints one JSON object (the parameters of bench/soak.py) on stdout. Runs with bench.soak_settings
against the throwaway database of bench/soak.sh only. Everything is made through the services,
as real use would make it.
"""

import argparse
import io
import json
import os
import random
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.soak_settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from decimal import Decimal  # noqa: E402

from PIL import Image  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import token_issue  # noqa: E402
from disputes.services import dispute_open, message_post  # noqa: E402
from orders.models import Order, OrderStatus  # noqa: E402
from orders.services import item_create, order_create  # noqa: E402

BOUNDARY = "echo-soak-boundary-5d1e2b"
PASSWORD = "soak-Password-42"  # the honest accounts' password; the attacker never learns it
REASON = "The parcel never arrived and the tracking stopped a week ago."


def photo() -> bytes:
    """A small JPEG (about 30 KB), as a phone photo of a label would be after compression."""
    rng = random.Random(2026)
    image = Image.frombytes("RGB", (120, 120), rng.randbytes(120 * 120 * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


def multipart(data: bytes) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nphoto\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
        "The label as it arrived (soak).\r\n",
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="label.jpg"'
        "\r\nContent-Type: image/jpeg\r\n\r\n",
    ]
    return "".join(parts).encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def user(email: str, username: str) -> User:
    return User.objects.create_user(email=email, username=username, password=PASSWORD)


def completed_order(buyer: User, item_id: int) -> Order:
    order = order_create(buyer=buyer, item_id=item_id)
    # Test data: the seller's shipping steps are not what the soak measures.
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.COMPLETED)
    return order


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--honest", type=int, default=20, help="honest users")
    parser.add_argument("--disputes", type=int, default=3, help="open disputes per honest user")
    parser.add_argument("--fresh-orders", type=int, default=60, help="orders to open, per user")
    parser.add_argument("--files-dir", required=True, help="where the upload body is written")
    args = parser.parse_args()

    sellers = [user(f"soak-seller{n}@example.com", f"soak-seller{n}") for n in range(4)]
    items = [
        item_create(creator=seller, title=f"Soak lamp {n}", base_price=Decimal("25.00")).pk
        for n, seller in enumerate(sellers)
    ]

    def bearer(account: User) -> str:
        return f"Bearer {token_issue(user=account).access_token}"

    honest = []
    for n in range(args.honest):
        buyer = user(f"soak-buyer{n}@example.com", f"soak-buyer{n}")
        disputes = []
        for d in range(args.disputes):
            order = completed_order(buyer, items[(n + d) % len(items)])
            dispute = dispute_open(actor=buyer, order_id=order.pk, reason=REASON)
            message_post(actor=buyer, dispute_id=dispute.pk, body="Any news on my parcel?")
            disputes.append(dispute.pk)
        fresh = [
            completed_order(buyer, items[(n + f) % len(items)]).pk for f in range(args.fresh_orders)
        ]
        honest.append({"auth": bearer(buyer), "disputes": disputes, "fresh_orders": fresh})

    flooder = user("soak-flooder@example.com", "soak-flooder")
    flood_order = completed_order(flooder, items[0])
    flood_dispute = dispute_open(actor=flooder, order_id=flood_order.pk, reason=REASON)
    victim = user("soak-victim@example.com", "soak-victim")

    upload_body = os.path.join(os.path.abspath(args.files_dir), "soak-upload.body")
    with open(upload_body, "wb") as fh:
        fh.write(multipart(photo()))

    json.dump(
        {
            "honest": honest,
            "flooder": {"auth": bearer(flooder), "dispute": flood_dispute.pk},
            "victim": victim.email,
            "upload_body": upload_body,
            "upload_content_type": f"multipart/form-data; boundary={BOUNDARY}",
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
