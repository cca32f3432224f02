"""Time the support desk's admin pages on a database filled by `manage.py seed_scale`.

    DATABASE_URL=postgres://... DJANGO_DEBUG=1 .venv/bin/python bench/admin_timing.py [--repeat 7]

Logs in as scale-staff@example.com through the test client (no network, no browser: this
measures the server's work), warms each page once, then prints the median and the worst wall
time, the time spent in SQL and the query count per page as a Markdown table (docs/admin.md keeps
the results).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "echo_disputes.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from disputes.models import Dispute  # noqa: E402
from orders.models import Store  # noqa: E402


def pages() -> list[tuple[str, str]]:
    buyer = User.objects.get(email="scale-buyer@example.com")
    long_thread = (
        Dispute.objects.filter(buyer=buyer)
        .annotate(n=Count("messages"))
        .order_by("-n", "id")
        .first()
    )
    assert long_thread is not None, "run manage.py seed_scale first"
    store = Store.objects.order_by("id").values_list("pk", flat=True).first()
    txn = long_thread.order.transaction_id
    queue = "/admin/disputes/dispute/"
    return [
        ("queue (open, nearest deadline first)", queue),
        ("queue, page 50", f"{queue}?p=50"),
        ("queue, state = all (newest first)", f"{queue}?state=all"),
        ("queue, overdue", f"{queue}?overdue=yes"),
        ("queue, one store", f"{queue}?store={store}"),
        ("queue, reason + kind", f"{queue}?reason_code__exact=fraudulent&kind__exact=chargeback"),
        ("queue, search e-mail", f"{queue}?q=scale-buyer@example.com"),
        ("queue, search transaction id", f"{queue}?q={txn}"),
        ("queue, search dispute id", f"{queue}?q={long_thread.pk}"),
        (
            f"dispute page ({long_thread.messages.count()} messages)",
            f"{queue}{long_thread.pk}/change/",
        ),
        ("dashboard", f"{queue}dashboard/"),
        ("orders list", "/admin/orders/order/"),
        ("messages list", "/admin/disputes/message/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    client = Client()
    client.force_login(User.objects.get(email="scale-staff@example.com"))
    disputes = Dispute.objects.order_by("-id").values_list("id", flat=True).first()
    print(f"Disputes (max id): {disputes}, database: {connection.vendor}\n")
    print("| page | median ms | worst ms | SQL ms (median) | queries |")
    print("|---|---:|---:|---:|---:|")
    for label, url in pages():
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, (url, response.status_code)
        times, sql = [], []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, HTTP_HOST="localhost")
                times.append((time.perf_counter() - started) * 1000)
            sql.append(sum(float(q["time"]) for q in queries.captured_queries) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(
            f"| {label} | {statistics.median(times):.0f} | {max(times):.0f} | "
            f"{statistics.median(sql):.0f} | {len(queries.captured_queries)} |"
        )


if __name__ == "__main__":
    main()
