"""Run by tests/test_sqlite_smoke.py in a child process: `make run`'s database (SQLite) through
the plain-SQL reads, the deferred user read and the posting paths, which CI otherwise only runs
on PostgreSQL. Prints one line per check; exits non-zero on the first failure."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "echo_disputes.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import User  # noqa: E402
from accounts.services import token_issue  # noqa: E402
from disputes.models import Dispute, Message  # noqa: E402


def bearer(user: User, scope: str | None = None) -> dict[str, str]:
    token = token_issue(user=user, requested_scope=scope).access_token
    return {"Authorization": f"Bearer {token}"}


def check(name: str, ok: bool, detail: object = "") -> None:
    print(f"{name}: {'ok' if ok else 'FAILED'} {detail}")
    if not ok:
        sys.exit(1)


call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
client = Client(HTTP_HOST="127.0.0.1")
dispute = Dispute.objects.filter(status="under_review").first() or Dispute.objects.first()
assert dispute is not None
buyer, seller = User.objects.get(pk=dispute.buyer_id), User.objects.get(pk=dispute.seller_id)

response = client.get(f"/api/disputes/{dispute.pk}", headers=bearer(buyer))
check("detail", response.status_code == 200 and response.json()["id"] == dispute.pk)
response = client.get("/api/disputes/user/my-disputes", headers=bearer(buyer))
check("my disputes", response.status_code == 200 and len(response.json()) >= 1)
response = client.get("/api/disputes/user/my-disputes?state=under_review", headers=bearer(buyer))
check("my disputes, filtered", response.status_code == 200)
response = client.get(
    "/openapi/2024-07/shoplazza-payment/disputes?limit=2", headers=bearer(seller, "read_finance")
)
check("finance", response.status_code == 200 and response.json()["code"] == "Success")
response = client.post(
    f"/api/disputes/{dispute.pk}/messages",
    data=json.dumps({"message": "posted on sqlite"}),
    content_type="application/json",
    headers=bearer(seller),
)
check("post", response.status_code == 201, response.content[:200])
check(
    "post stored",
    Message.objects.filter(pk=response.json()["id"], body="posted on sqlite").exists(),
)
response = client.get(f"/api/disputes/{dispute.pk}", headers=bearer(buyer))
check("thread", response.json()["messages"][-1]["message"] == "posted on sqlite")
User.objects.filter(pk=buyer.pk).update(is_active=False)
response = client.get(f"/api/disputes/{dispute.pk}", headers=bearer(buyer))
check("inactive user refused", response.status_code == 401)
