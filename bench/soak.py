"""One phase of `make soak`: locust (as a library) driving a running gunicorn for a duration.

    bench/soak.py --base http://127.0.0.1:PORT --params params.json --duration 10m \
        --classes honest,attacker,flooder --out soak.json

Traffic classes:
- honest: `--honest` users, each with its own token, a pause of 1 to 3 s between actions as a
  person would: read the list and a detail of their disputes, post a message, open a dispute on a
  fresh order, upload a photo.
- attacker: one client sending wrong passwords as fast as it can, in turn to the API login, the
  token endpoint and the page login (with its CSRF token, as a browser would).
- flooder: one user posting messages to one dispute as fast as it can.

After a warm-up (`--warmup`, 10 s, not counted), every request is recorded by class: status,
latency and the minute it started in. A 429 is counted as throttled. For the honest class any
answer but the expected 2xx is an error; for the attacker and the flooder an error is a 5xx or a
failed connection (their 4xx are the point).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import time
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, constant, events, task
from locust.env import Environment

PARAMS: dict[str, Any] = {}
RECORDS: dict[str, dict[str, Any]] = defaultdict(
    lambda: {
        "statuses": Counter(),
        "times": [],
        "minutes": defaultdict(Counter),
        "labels": defaultdict(Counter),
    }
)
EXPECTED = {
    "honest:list": 200,
    "honest:detail": 200,
    "honest:post": 201,
    "honest:open": 201,
    "honest:upload": 201,
}
T0 = [0.0]
WARMUP = [0.0]
PHASE = [0]
UNCOUNTED = "uncounted"
RECORDER_FAILURES = [0]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def duration_seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)([smh]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r}: use 90, 90s, 10m or 1h")
    return int(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[match[2]]


def record(name: str, status: int, elapsed_ms: float, started: float) -> None:
    if name == UNCOUNTED or started < T0[0] + WARMUP[0]:
        return
    klass = name.split(":", 1)[0]
    data = RECORDS[klass]
    minute = int((started - T0[0] - WARMUP[0]) // 60)
    data["statuses"][status] += 1
    data["times"].append(elapsed_ms)
    data["labels"][name][status] += 1
    bucket = data["minutes"][minute]
    bucket["requests"] += 1
    if status == 429:
        bucket["throttled"] += 1
    expected = EXPECTED.get(name)
    if status == 0 or status >= 500 or (expected is not None and status != expected):
        bucket["errors"] += 1


@events.request.add_listener
def _on_request(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    try:
        record(name, int(status), float(response_time), start_time or time.time())
    except Exception:
        # locust swallows a listener's exception: a broken recorder must fail the run instead.
        RECORDER_FAILURES[0] += 1


class Honest(FastHttpUser):
    wait_time = between(1, 3)
    accounts = itertools.count()

    def on_start(self) -> None:
        me = PARAMS["honest"][next(Honest.accounts) % len(PARAMS["honest"])]
        self.headers = {"Authorization": me["auth"]}
        self.disputes = list(me["disputes"])
        # Each phase opens disputes on its own share of the fresh orders: an order the baseline
        # used would answer the soak 409 (one open dispute per order).
        self.fresh = list(me["fresh_orders"])[PHASE[0] :: 2]
        with open(PARAMS["upload_body"], "rb") as fh:
            self.upload = fh.read()

    def _send(self, method: str, path: str, name: str, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        with self.client.request(
            method, path, name=name, headers=headers, catch_response=True, **kwargs
        ) as response:
            # Statuses are judged by the recorder, not by locust's idea of a failure.
            response.success()
            return response

    @task(3)
    def read_list(self) -> None:
        self._send("GET", "/api/disputes", "honest:list")

    @task(3)
    def read_detail(self) -> None:
        dispute = self.disputes[int(time.time() * 1000) % len(self.disputes)]
        self._send("GET", f"/api/disputes/{dispute}", "honest:detail")

    @task(2)
    def post(self) -> None:
        dispute = self.disputes[int(time.time() * 1000) % len(self.disputes)]
        self._send(
            "POST",
            f"/api/disputes/{dispute}/messages",
            "honest:post",
            json={"message": "Any news? The tracking still shows nothing."},
        )

    @task(1)
    def open_dispute(self) -> None:
        if not self.fresh:
            return
        response = self._send(
            "POST",
            "/api/disputes",
            "honest:open",
            json={"orderId": self.fresh.pop(), "reason": "The lamp arrived broken in two."},
        )
        if response.status_code == 201:
            self.disputes.append(response.json()["id"])

    @task(1)
    def upload(self) -> None:
        dispute = self.disputes[int(time.time() * 1000) % len(self.disputes)]
        self._send(
            "POST",
            f"/api/disputes/{dispute}/evidence",
            "honest:upload",
            data=self.upload,
            headers={"Content-Type": PARAMS["upload_content_type"]},
        )


class Attacker(FastHttpUser):
    wait_time = constant(0)
    fixed_count = 1

    def on_start(self) -> None:
        self.guesses = itertools.count()

    def _send(self, method: str, path: str, name: str, **kwargs: Any) -> Any:
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as r:
            r.success()
            return r

    @task
    def guess(self) -> None:
        n = next(self.guesses)
        password = f"guess-{n:06}"
        victim = PARAMS["victim"]
        where = n % 3
        if where == 0:
            self._send(
                "POST",
                "/api/users/login",
                "attacker:api-login",
                json={"email": victim, "password": password},
            )
        elif where == 1:
            self._send(
                "POST",
                "/api/auth/token/",
                "attacker:token",
                json={"email": victim, "password": password},
            )
        else:
            # The form's CSRF token, as a browser fetches it (not counted: no guess in it).
            form = self._send("GET", "/accounts/login/", UNCOUNTED)
            token = CSRF.search(form.text or "")
            fields = {
                "username": victim,
                "password": password,
                "csrfmiddlewaretoken": token[1] if token else "",
            }
            self._send(
                "POST",
                "/accounts/login/",
                "attacker:page-login",
                data=urlencode(fields),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Referer": f"{self.host}/accounts/login/",
                },
            )


class Flooder(FastHttpUser):
    wait_time = constant(0)
    fixed_count = 1

    @task
    def flood(self) -> None:
        flooder = PARAMS["flooder"]
        with self.client.request(
            "POST",
            f"/api/disputes/{flooder['dispute']}/messages",
            name="flooder:post",
            headers={"Authorization": flooder["auth"]},
            json={"message": "BUY NOW " * 4},
            catch_response=True,
        ) as response:
            response.success()


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of latencies in ms."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return round(ordered[int(rank) - 1], 1)


def summary(seconds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for klass, data in sorted(RECORDS.items()):
        total = sum(data["statuses"].values())
        minutes = [
            {"minute": m, **dict(c)} for m, c in sorted(data["minutes"].items()) if m * 60 < seconds
        ]
        out[klass] = {
            "requests": total,
            "per_second": round(total / seconds, 1),
            "p50_ms": percentile(data["times"], 50),
            "p99_ms": percentile(data["times"], 99),
            "throttled": data["statuses"][429],
            "throttled_share": round(data["statuses"][429] / total, 3) if total else 0.0,
            "errors": sum(c.get("errors", 0) for c in data["minutes"].values()),
            "statuses": {str(k): v for k, v in sorted(data["statuses"].items())},
            "labels": {
                label: {str(k): v for k, v in sorted(counts.items())}
                for label, counts in sorted(data["labels"].items())
            },
            "minutes": minutes,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--params", required=True)
    parser.add_argument("--duration", type=duration_seconds, required=True)
    parser.add_argument("--classes", default="honest,attacker,flooder")
    parser.add_argument("--honest", type=int, default=20, help="honest users")
    parser.add_argument(
        "--warmup",
        type=duration_seconds,
        default=10,
        help="seconds run before the measured duration (connections, workers, caches warm up)",
    )
    parser.add_argument("--phase", type=int, choices=(0, 1), default=0, help="0 baseline, 1 soak")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    WARMUP[0] = float(args.warmup)
    PHASE[0] = args.phase
    with open(args.params) as fh:
        PARAMS.update(json.load(fh))

    wanted = set(args.classes.split(","))
    classes: list[type[FastHttpUser]] = []
    users = 0
    if "honest" in wanted:
        classes.append(Honest)
        users += args.honest
    for name, klass in (("attacker", Attacker), ("flooder", Flooder)):
        if name in wanted:
            classes.append(klass)
            users += 1
    for klass in classes:
        klass.host = args.base
    env = Environment(user_classes=classes, events=events)
    runner = env.create_local_runner()
    T0[0] = time.time()
    runner.start(users, spawn_rate=users)
    gevent.spawn_later(args.warmup + args.duration, runner.quit)
    runner.greenlet.join()
    result = {
        "duration_s": args.duration,
        "classes": sorted(wanted),
        "by_class": summary(args.duration),
    }
    if RECORDER_FAILURES[0]:
        raise SystemExit(f"{RECORDER_FAILURES[0]} requests could not be recorded")
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=1)
    for klass, data in result["by_class"].items():
        print(
            f"{klass:9} {data['requests']:7} req {data['per_second']:7}/s "
            f"p99 {data['p99_ms']:7} ms  429 {data['throttled_share']:.1%}  "
            f"errors {data['errors']}",
            flush=True,
        )


if __name__ == "__main__":
    main()
