"""Fill a database with a realistic volume of disputes, for benchmarks and the admin at scale.

Rows are generated in memory with explicit ids and inserted in batches: COPY on PostgreSQL (a
million disputes and five million messages in minutes), bulk_create elsewhere. This bypasses the
services on purpose, the way a data import does, so it rebuilds by hand what they would have
written: one order per dispute (the one-open-dispute-per-order constraint), the event timeline,
first-response and activity times, outcomes and refunds that agree with the final status.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from disputes.models import (
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeStatus,
    EventType,
    Message,
    Outcome,
    ReasonCode,
    Visibility,
)
from orders.models import Item, Order, OrderStatus, Store

SCALE_PASSWORD = "echo-scale-2026"
SCALE_BUYER = "scale-buyer@example.com"
SCALE_SELLER = "scale-seller@example.com"
SCALE_STAFF = "scale-staff@example.com"
SUPPORT_GROUP = "Support"
# The well-known buyer gets this many disputes with the well-known seller on the first run.
SCALE_BUYER_DISPUTES = 120
SCALE_BUYER_LONG_THREAD = 20
ITEMS_PER_STORE = 5
STAFF_AGENTS = 4

STATUS_WEIGHTS: dict[str, int] = {
    DisputeStatus.NEEDS_RESPONSE: 30,
    DisputeStatus.UNDER_REVIEW: 20,
    DisputeStatus.WON: 15,
    DisputeStatus.LOST: 20,
    DisputeStatus.CLOSED: 15,
}
REASONS: dict[str, str] = {
    ReasonCode.FRAUDULENT: "I did not make this purchase; my card was used without my consent.",
    ReasonCode.PRODUCT_NOT_RECEIVED: "The parcel never arrived and tracking stopped days ago.",
    ReasonCode.PRODUCT_UNACCEPTABLE: "The item arrived damaged and does not match the listing.",
    ReasonCode.DUPLICATE: "I was charged twice for this single order.",
    ReasonCode.SUBSCRIPTION_CANCELED: "I cancelled the subscription but was still charged.",
    ReasonCode.CREDIT_NOT_PROCESSED: "The seller promised a refund that never came through.",
    ReasonCode.GENERAL: "The order did not go as agreed and the seller stopped answering.",
}
PUBLIC_LINES = (
    "Could you share a photo of the item as it arrived?",
    "I shipped it on time; the tracking number is on the order.",
    "The carrier says the parcel was delivered to a neighbour.",
    "I would accept a partial refund to settle this.",
    "Please check the listing again, it states the condition clearly.",
    "I have opened a claim with the carrier as well.",
)
NOTE_LINES = (
    "Seller has two similar disputes this month; check the pattern.",
    "Carrier confirmed the delivery scan; waiting for the signature image.",
    "Buyer account is old and in good standing.",
)


@dataclass
class Rows:
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    disputes: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)


ORDER_FIELDS = (
    "id", "buyer_id", "item_id", "seller_id", "final_price", "currency", "status",
    "transaction_id", "created_at", "updated_at",
)  # fmt: skip
DISPUTE_FIELDS = (
    "id", "order_id", "buyer_id", "seller_id", "opened_by_id", "kind", "reason", "reason_code",
    "status", "outcome", "resolution", "amount", "currency", "original_amount", "fee",
    "fee_currency", "refund_amount", "respond_by", "created_at", "updated_at",
    "first_response_at", "last_activity_at", "closed_at", "closed_by_id", "provider_dispute_id",
    "provider_event_at",
)  # fmt: skip
MESSAGE_FIELDS = ("id", "dispute_id", "author_id", "body", "visibility", "created_at")
EVENT_FIELDS = ("id", "dispute_id", "actor_id", "type", "from_status", "to_status", "payload", "at")
USER_FIELDS = (
    "id", "password", "is_superuser", "username", "first_name", "last_name", "email",
    "is_staff", "is_active", "date_joined", "avatar_url",
)  # fmt: skip


class RowWriter:
    """Inserts tuples with explicit ids: COPY on PostgreSQL, bulk_create on other databases."""

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"

    @staticmethod
    def _column(model: type[models.Model], name: str) -> str:
        found = model._meta.get_field(name)
        assert isinstance(found, models.Field) and found.column
        return found.column

    def write(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: Sequence[tuple[Any, ...]],
        json_fields: Sequence[str] = (),
    ) -> None:
        if not rows:
            return
        if self.postgres:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(self._column(model, name)) for name in fields)
            sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        decode = [fields.index(name) for name in json_fields]
        objects = []
        for row in rows:
            values = dict(zip(fields, row, strict=True))
            for index in decode:
                values[fields[index]] = json.loads(row[index])
            objects.append(model(**values))
        model._default_manager.bulk_create(objects)


class Command(BaseCommand):
    help = (
        "Fill the database with many users, stores, orders, disputes, messages and events "
        "(bulk inserts, progress bar). Creates scale-buyer@, scale-seller@ and scale-staff@"
        f"example.com with password {SCALE_PASSWORD}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--disputes", type=int, default=10_000)
        parser.add_argument("--messages-per-dispute", type=int, default=5)
        parser.add_argument(
            "--heavy-every", type=int, default=50, help="Every Nth dispute gets a long thread."
        )
        parser.add_argument("--heavy-messages", type=int, default=20)
        parser.add_argument("--batch", type=int, default=5_000, help="Disputes per batch.")
        parser.add_argument("--users", type=int, default=2_000)
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (reproducible).")
        parser.add_argument(
            "--append", action="store_true", help="Add to a database that already has data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("disputes", "batch", "users", "heavy_every"):
            if options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1.")
        for name in ("messages_per_dispute", "heavy_messages"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} may not be negative.")
        if not options["append"] and (
            Dispute.objects.exists() or User.objects.filter(email=SCALE_BUYER).exists()
        ):
            raise CommandError(
                "The database already holds disputes or scale accounts; pass --append to add more."
            )
        started = time.monotonic()
        self.options = options
        # Reproducible filler data, not secrets.
        self.rng = random.Random(options["seed"])  # noqa: S311
        self.now = timezone.now()
        self.writer = RowWriter()
        self._ids_from_database()
        with transaction.atomic():
            self._accounts_and_catalogue()
        total = options["disputes"]
        with tqdm(
            total=total, unit="disputes", file=sys.stderr, disable=options["verbosity"] == 0
        ) as bar:
            done = 0
            while done < total:
                count = min(options["batch"], total - done)
                with transaction.atomic():
                    self._write_batch(done, count)
                done += count
                bar.update(count)
        self._finish()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Inserted {total} disputes, {self.counts['messages']} messages, "
                f"{self.counts['events']} events and {self.counts['users']} users "
                f"in {elapsed:.1f} s. Log in as {SCALE_STAFF} / {SCALE_PASSWORD}."
            )
        )

    # --- setup ------------------------------------------------------------------------------

    def _ids_from_database(self) -> None:
        def after(model: type[models.Model]) -> int:
            return int(model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1

        self.next_id = {
            "user": after(User),
            "store": after(Store),
            "item": after(Item),
            "order": after(Order),
            "dispute": after(Dispute),
            "message": after(Message),
            "event": after(DisputeEvent),
        }
        self.counts = {"messages": 0, "events": 0, "users": 0}

    def _take(self, kind: str) -> int:
        value = self.next_id[kind]
        self.next_id[kind] = value + 1
        return value

    def _well_known(self, email: str, username: str, *, staff: bool = False) -> tuple[User, bool]:
        user = User.objects.filter(email=email).first()
        if user is not None:
            return user, False
        user = User.objects.create_user(
            email=email, username=username, password=SCALE_PASSWORD, is_staff=staff
        )
        self.counts["users"] += 1
        return user, True

    def _accounts_and_catalogue(self) -> None:
        rng = self.rng
        buyer, created = self._well_known(SCALE_BUYER, "scale-buyer")
        seller, _ = self._well_known(SCALE_SELLER, "scale-seller")
        staff, _ = self._well_known(SCALE_STAFF, "scale-staff", staff=True)
        Group.objects.get_or_create(name=SUPPORT_GROUP)[0].user_set.add(staff)
        self.next_id["user"] = max(self.next_id["user"], staff.pk + 1)
        # One hash for everyone: hashing thousands of passwords would dominate a small run.
        password = make_password(SCALE_PASSWORD)
        joined = self.now - timedelta(days=400)
        users: list[tuple[Any, ...]] = []
        staff_ids = [staff.pk]
        for index in range(self.options["users"]):
            uid = self._take("user")
            is_agent = index < STAFF_AGENTS
            name = f"scale-agent{uid}" if is_agent else f"scale-u{uid}"
            users.append(
                (uid, password, False, name, "", "", f"{name}@example.com", is_agent, True,
                 joined, "")
            )  # fmt: skip
            if is_agent:
                staff_ids.append(uid)
        self.writer.write(User, USER_FIELDS, users)
        self.counts["users"] += len(users)
        customers = [row[0] for row in users[STAFF_AGENTS:]] or [buyer.pk]
        seller_count = max(1, len(customers) // 5)
        sellers, self.buyers = customers[:seller_count], customers[seller_count:] or [buyer.pk]

        stores: list[tuple[Any, ...]] = []
        items: list[tuple[Any, ...]] = []
        catalogue: list[tuple[int, int, Decimal]] = []
        special: list[tuple[int, int, Decimal]] = []
        owners = list(sellers)
        if not Store.objects.filter(owner=seller).exists():
            owners.append(seller.pk)
        else:
            store = Store.objects.get(owner=seller)
            special = [(i.pk, seller.pk, i.base_price) for i in store.items.all()]
        for owner in owners:
            sid = self._take("store")
            stores.append((sid, owner, f"Store {owner}", joined))
            for n in range(ITEMS_PER_STORE):
                iid = self._take("item")
                price = Decimal(rng.randrange(1_000, 50_000)) / 100
                items.append((iid, sid, f"Item {n + 1} of store {sid}", "", price, "EUR", joined))
                (special if owner == seller.pk else catalogue).append((iid, owner, price))
        self.writer.write(Store, ("id", "owner_id", "name", "created_at"), stores)
        self.writer.write(
            Item,
            ("id", "store_id", "title", "description", "base_price", "currency", "created_at"),
            items,
        )
        self.catalogue = catalogue or special
        self.staff_ids = staff_ids
        self.scale_buyer = buyer.pk
        self.special_items = special
        # The well-known pair gets its guaranteed disputes only when the accounts are new, so an
        # --append run does not pile more onto them.
        guaranteed = created and bool(special)
        self.special_count = (
            min(SCALE_BUYER_DISPUTES, self.options["disputes"]) if guaranteed else 0
        )

    # --- one batch --------------------------------------------------------------------------

    def _write_batch(self, first: int, count: int) -> None:
        rows = Rows()
        for index in range(first, first + count):
            self._one_dispute(index, rows)
        self.writer.write(Order, ORDER_FIELDS, rows.orders)
        self.writer.write(Dispute, DISPUTE_FIELDS, rows.disputes)
        self.writer.write(Message, MESSAGE_FIELDS, rows.messages)
        self.writer.write(DisputeEvent, EVENT_FIELDS, rows.events, json_fields=("payload",))
        self.counts["messages"] += len(rows.messages)
        self.counts["events"] += len(rows.events)

    def _one_dispute(self, index: int, rows: Rows) -> None:
        rng, now, options = self.rng, self.now, self.options
        window = settings.DISPUTE_RESPONSE_WINDOW
        special = index < self.special_count
        long_thread = special and index == 0
        if special:
            item_id, seller, price = rng.choice(self.special_items)
            buyer = self.scale_buyer
        else:
            item_id, seller, price = rng.choice(self.catalogue)
            buyer = rng.choice(self.buyers)
        statuses = list(STATUS_WEIGHTS)
        status = (
            DisputeStatus.UNDER_REVIEW
            if long_thread
            else rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()))[0]
        )
        terminal = status in (DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.CLOSED)
        chargeback = not long_thread and rng.random() < 0.05
        opened_by = None if chargeback else (seller if rng.random() < 0.1 else buyer)
        respondent = buyer if opened_by == seller else seller
        other = seller if respondent == buyer else buyer
        # Open disputes are recent (about a third of those awaiting a response are overdue);
        # decided ones spread over four months.
        if status == DisputeStatus.NEEDS_RESPONSE:
            age = timedelta(days=rng.uniform(0.05, 10))
        elif status == DisputeStatus.UNDER_REVIEW:
            age = timedelta(days=rng.uniform(0.5, 20))
        else:
            age = timedelta(days=rng.uniform(2, 120))
        created = now - age
        respond_by = created + window
        responded = status == DisputeStatus.UNDER_REVIEW or (terminal and rng.random() < 0.7)
        expired = (
            status == DisputeStatus.LOST
            and not responded
            and respond_by < now
            and rng.random() < 0.5
        )
        if expired:
            closed_at: datetime | None = respond_by + timedelta(minutes=rng.uniform(1, 60))
        elif terminal:
            closed_at = created + min(age, timedelta(days=14)) * rng.uniform(0.1, 1.0)
        else:
            closed_at = None
        end = closed_at or now

        oid, did = self._take("order"), self._take("dispute")
        reason_code = rng.choice(list(REASONS))
        amount = price if rng.random() < 0.9 else max(Decimal("0.01"), (price / 2).quantize(
            Decimal("0.01")))  # fmt: skip

        if long_thread:
            count = SCALE_BUYER_LONG_THREAD
        elif (index + 1) % options["heavy_every"] == 0:
            count = options["heavy_messages"]
        else:
            count = options["messages_per_dispute"]
        internal = [not long_thread and rng.random() < 0.1 for _ in range(count)]
        public_total = count - sum(internal)
        span = end - created

        events = rows.events
        events.append(
            (self._take("event"), did, opened_by, EventType.OPENED, "",
             DisputeStatus.NEEDS_RESPONSE,
             json.dumps({"reason_code": reason_code, "amount": str(amount)}), created)
        )  # fmt: skip
        staff = rng.choice(self.staff_ids)
        first_response: datetime | None = None
        responded_at: datetime | None = None
        last_activity = created
        public_seen = 0
        for position in range(count):
            at = created + span * ((position + 1) / (count + 2))
            mid = self._take("message")
            if internal[position]:
                author = staff
                body = NOTE_LINES[position % len(NOTE_LINES)]
                rows.messages.append((mid, did, author, body, Visibility.INTERNAL, at))
                events.append(
                    (self._take("event"), did, author, EventType.NOTE_POSTED, "", "",
                     f'{{"message_id": {mid}}}', at)
                )  # fmt: skip
                continue
            # A respondent's public message is what moves a dispute under review, so only
            # disputes that responded carry one; they alternate with the other party.
            if responded and (public_total == 1 or public_seen % 2 == 1):
                author = respondent
            else:
                author = other
            public_seen += 1
            body = f"{PUBLIC_LINES[position % len(PUBLIC_LINES)]} (#{position + 1})"
            rows.messages.append((mid, did, author, body, Visibility.PUBLIC, at))
            events.append(
                (self._take("event"), did, author, EventType.MESSAGE_POSTED, "", "",
                 f'{{"message_id": {mid}}}', at)
            )  # fmt: skip
            last_activity = at
            if first_response is None and author != opened_by:
                first_response = at
            if author == respondent and responded_at is None and responded:
                responded_at = at
                events.append(
                    (self._take("event"), did, author, EventType.RESPONDED,
                     DisputeStatus.NEEDS_RESPONSE, DisputeStatus.UNDER_REVIEW,
                     f'{{"message_id": {mid}}}', at)
                )  # fmt: skip
        if responded and responded_at is None:
            # No public reply in the thread: staff took it up instead.
            at = created + span / (count + 2)
            events.append(
                (self._take("event"), did, staff, EventType.TAKEN_UP,
                 DisputeStatus.NEEDS_RESPONSE, DisputeStatus.UNDER_REVIEW, "{}", at)
            )  # fmt: skip
            last_activity = max(last_activity, at)

        outcome, resolution = "", ""
        refund: Decimal | None = None
        closed_by: int | None = None
        payload: dict[str, Any]
        actor: int | None
        if closed_at is not None:
            before = DisputeStatus.UNDER_REVIEW if responded else DisputeStatus.NEEDS_RESPONSE
            if expired:
                outcome, refund = Outcome.EXPIRED, amount
                kind, actor, payload = (
                    EventType.EXPIRED,
                    None,
                    {"respond_by": respond_by.isoformat()},
                )
            elif status == DisputeStatus.CLOSED and opened_by is not None and rng.random() < 0.3:
                outcome, closed_by = Outcome.WITHDRAWN, opened_by
                kind, actor, payload = EventType.WITHDRAWN, opened_by, {}
            else:
                closed_by = staff
                if status == DisputeStatus.CLOSED:
                    resolution = "Closed without a winner after talking to both parties."
                else:
                    outcome = status
                    resolution = f"Decided after review: {status}."
                    if status == DisputeStatus.LOST:
                        refund = amount
                kind = EventType.CLOSED if status == DisputeStatus.CLOSED else EventType.DECIDED
                actor = staff
                payload = {
                    "outcome": outcome,
                    "refund_amount": str(refund) if refund else None,
                    "resolution": resolution,
                }
            events.append(
                (self._take("event"), did, actor, kind, before, status, json.dumps(payload),
                 closed_at)
            )  # fmt: skip
            last_activity = closed_at

        if terminal:
            order_status = rng.choice((OrderStatus.COMPLETED, OrderStatus.CANCELLED))
        else:
            order_status = OrderStatus.IN_PROGRESS
        rows.orders.append(
            (oid, buyer, item_id, seller, price, "EUR", order_status, f"txn_scale_{oid:010d}",
             created - timedelta(days=3), created)
        )  # fmt: skip
        rows.disputes.append(
            (did, oid, buyer, seller, opened_by,
             DisputeKind.CHARGEBACK if chargeback else DisputeKind.ORDER,
             REASONS[reason_code], reason_code, status, outcome, resolution, amount, "EUR", price,
             Decimal("15.00") if chargeback else Decimal("0.00"), "EUR", refund, respond_by,
             created, last_activity, first_response, last_activity, closed_at, closed_by,
             f"dp_scale_{did}" if chargeback else None, created if chargeback else None)
        )  # fmt: skip

    # --- after ------------------------------------------------------------------------------

    def _finish(self) -> None:
        tables = [User, Store, Item, Order, Dispute, Message, DisputeEvent]
        with connection.cursor() as cursor:
            # Explicit ids leave the sequences behind: the next normal insert must not collide.
            for statement in connection.ops.sequence_reset_sql(no_style(), tables):
                cursor.execute(statement)
            if connection.vendor == "postgresql" and not connection.in_atomic_block:
                # Fresh statistics for the planner and the admin's row estimate, and a visibility
                # map so counts and lists use index-only scans, as autovacuum would leave them.
                for model in tables:
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
