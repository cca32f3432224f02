"""Drives every scenario, its floor and its peer back to back with wrk; writes JSON results.

Usage (from bench/run.sh): drive.py --base http://127.0.0.1:PORT --params params.json
    --size N --duration 15s --rounds 3 --connections 4 --out results.json

Each scenario runs in `--rounds` pairs of floor and API, the order alternating from one pair to
the next; the ratio reported is the median of the pairs' ratios. On a shared two-core machine
the throughput of one ten-second run drifts by a third from minute to minute; a pair measured
seconds apart drifts far less, and the median drops the odd pair that caught a noisy neighbour.

Scenarios with a peer (bench/peer.py: the same endpoint written the DRF-tutorial way) run it in
the same rounds: floor, API, peer, then peer, API, floor in the next round, so the API stays next
to both and each pair's order alternates. API/peer is the median of the rounds' ratios too.
"""

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field, replace
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
STAFF_EMAIL, PASSWORD = "scale-staff@example.com", "echo-scale-2026"


@dataclass
class Side:
    method: str
    path: str
    auth: str | None = None
    cookie: str | None = None
    body: str | None = None
    ids: list[int] = field(default_factory=list)
    range: tuple[int, int] | None = None
    # A body sent byte for byte from a file (a multipart upload), with its content type.
    body_file: str | None = None
    content_type: str | None = None

    def round_slice(self, index: int, rounds: int) -> "Side":
        """This side for one round: a range of fresh ids is split so no round reuses another's."""
        if not self.range:
            return self
        first, last = self.range
        size = (last - first + 1) // rounds
        start = first + index * size
        return replace(self, range=(start, start + size - 1))

    def first_path(self, id_: int | None = None) -> str:
        pick = id_ if id_ is not None else (self.ids[0] if self.ids else "")
        return self.path.replace("{id}", str(pick))


@dataclass
class Scenario:
    key: str
    title: str
    target: float | None
    api: Side
    floor: Side | None
    peer: Side | None = None
    # API/peer at least this (reads: twice the tutorial's throughput; posting: as fast).
    peer_target: float | None = None
    # Warm both sides with their own requests first (writes too): for a pair of two API paths,
    # where neither may pay the workers' first requests (prepared statements, caches) alone.
    warm: bool = False


def request(
    base: str, side: Side, *, probe_id: int | None = None, count: bool = False
) -> tuple[int, dict[str, str], bytes]:
    headers = {"X-Bench-Count-Queries": "1"} if count else {}
    if side.auth:
        headers["Authorization"] = side.auth
    if side.cookie:
        headers["Cookie"] = side.cookie
    data = None
    if side.body is not None:
        pick = probe_id if probe_id is not None else (side.ids[0] if side.ids else "")
        data = side.body.replace("{id}", str(pick)).encode()
        headers["Content-Type"] = "application/json"
    if side.body_file is not None:
        with open(side.body_file, "rb") as fh:
            data = fh.read()
        headers["Content-Type"] = side.content_type or "application/octet-stream"
    req = urllib.request.Request(
        base + side.first_path(probe_id), data=data, headers=headers, method=side.method
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def wrk(base: str, side: Side, *, duration: str, connections: int, out: str) -> dict[str, Any]:
    env = dict(os.environ, BENCH_METHOD=side.method, BENCH_PATH=side.path, BENCH_OUT=out)
    for name in ("BENCH_IDS", "BENCH_BODY", "BENCH_BODY_FILE", "BENCH_CONTENT_TYPE"):
        env.pop(name, None)
    if side.ids:
        env["BENCH_IDS"] = " ".join(map(str, side.ids))
    if side.range:
        env["BENCH_RANGE"] = f"{side.range[0]}:{side.range[1]}"
    for name, value in (
        ("BENCH_AUTH", side.auth),
        ("BENCH_COOKIE", side.cookie),
        ("BENCH_BODY", side.body),
        ("BENCH_BODY_FILE", side.body_file),
        ("BENCH_CONTENT_TYPE", side.content_type),
    ):
        if value is not None:
            env[name] = value
    cmd = ["wrk", "-t", "1", "-c", str(connections), "-d", duration, "--timeout", "10s",
           "-s", os.path.join(HERE, "scenario.lua"), base]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, timeout=3600)
    with open(out) as fh:
        return json.load(fh)


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's rounds: throughput over all of them, latencies as the median round's."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    combined: dict[str, Any] = {"requests": requests, "seconds": seconds, "rps": requests / seconds}
    for key in ("p50_ms", "p90_ms", "p99_ms", "mean_ms"):
        combined[key] = statistics.median(r[key] for r in runs)
    combined["errors"] = {kind: sum(r["errors"][kind] for r in runs) for kind in runs[0]["errors"]}
    combined["rounds"] = runs
    return combined


def admin_session(base: str) -> str | None:
    """Logs in through the admin's own form, as a person would; None when there is no admin."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        page = opener.open(base + "/admin/login/", timeout=30).read().decode()
    except urllib.error.HTTPError:
        return None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token:
        return None
    form = urllib.parse.urlencode({
        "username": STAFF_EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1),
        "next": "/admin/",
    }).encode()  # fmt: skip
    opener.open(
        urllib.request.Request(
            base + "/admin/login/", data=form, headers={"Referer": base + "/admin/login/"}
        ),
        timeout=30,
    )
    cookies = {c.name: c.value for c in jar}
    return f"sessionid={cookies['sessionid']}" if "sessionid" in cookies else None


def scenarios(p: dict[str, Any], session: str | None) -> list[Scenario]:
    buyer, seller = p["auth"]["buyer"], p["auth"]["seller"]
    b = p["buyer_id"]
    detail, targets = [p["detail_id"]], p["post_targets"]
    # The last id of each slice is kept for the probe request.
    api_open = (p["open_slices"][0][0], p["open_slices"][0][1] - 1)
    floor_open = (p["open_slices"][1][0], p["open_slices"][1][1] - 1)
    open_body = '{"orderId": {id}, "reason": "The parcel never arrived and the seller went quiet."}'
    message = '{"message": "Tracking shows it stuck at the depot for a week (bench)."}'
    finance = "/openapi/2024-07/shoplazza-payment/disputes?limit=50"
    ev = p["evidence"]
    photo = {"body_file": ev["upload_body"], "content_type": ev["upload_content_type"]}
    upload_to, download = ev["upload_dispute_id"], ev["download_path"]
    return [
        Scenario("detail", "Dispute detail, 20 messages", 0.8,
                 Side("GET", "/api/disputes/{id}", auth=buyer, ids=detail),
                 Side("GET", f"/bench-floor/disputes/{{id}}?user={b}", ids=detail),
                 Side("GET", "/peer/disputes/{id}", auth=buyer, ids=detail), 2.0),
        Scenario("my_disputes", "My disputes, page of 50", 0.7,
                 Side("GET", "/api/disputes/user/my-disputes?pageSize=50", auth=buyer),
                 Side("GET", f"/bench-floor/my-disputes?user={b}&pageSize=50"),
                 Side("GET", "/peer/disputes/user/my-disputes?pageSize=50", auth=buyer), 2.0),
        Scenario("finance", "Finance list, page of 50", 0.7,
                 Side("GET", finance, auth=seller),
                 Side("GET", f"/bench-floor/finance-disputes?user={p['seller_id']}&limit=50")),
        # No ratio target: the ratio targets name the detail, the two list pages and
        # posting; the queue is an HTML page set against json.dumps of its rows (see
        # docs/benchmarks.md). Its p99 growth with size is still checked.
        Scenario("admin_queue", "Admin queue (staff session)", None,
                 Side("GET", "/admin/disputes/dispute/", cookie=session),
                 Side("GET", "/bench-floor/admin-queue")),
        Scenario("post_message", "Post a message", 0.5,
                 Side("POST", "/api/disputes/{id}/messages", auth=buyer, body=message,
                      ids=targets),
                 Side("POST", f"/bench-floor/disputes/{{id}}/messages?user={b}", body=message,
                      ids=targets),
                 Side("POST", "/peer/disputes/{id}/messages", auth=buyer, body=message,
                      ids=targets), 1.0),
        Scenario("post_message_row", "Post a message, against the message row alone", None,
                 Side("POST", "/api/disputes/{id}/messages", auth=buyer, body=message,
                      ids=targets),
                 Side("POST", f"/bench-floor/disputes/{{id}}/message-row?user={b}", body=message,
                      ids=targets)),
        # The cost of enqueueing the mail (issue 18): the same API post, once to disputes whose
        # seller receives mail (the notice is queued in the post's transaction) and once, in
        # place of the floor, to disputes whose seller has no address (nothing is queued). The
        # ratio is with / without the enqueue.
        Scenario("post_message_enqueue", "Post a message, mail enqueued against none", None,
                 Side("POST", "/api/disputes/{id}/messages", auth=buyer, body=message,
                      ids=p["enqueue_targets"]["mailed"]),
                 Side("POST", "/api/disputes/{id}/messages", auth=buyer, body=message,
                      ids=p["enqueue_targets"]["quiet"]), warm=True),
        Scenario("open_dispute", "Open a dispute", 0.5,
                 Side("POST", "/api/disputes", auth=buyer, body=open_body, range=api_open),
                 Side("POST", f"/bench-floor/disputes?user={b}", body=open_body,
                      range=floor_open)),
        # No ratio target: the issue names none for files. The floor stores the bytes as sent;
        # the API also decodes and re-encodes the photo (metadata stripped), which dominates.
        Scenario("upload_photo", "Upload a 1 MiB photo", None,
                 Side("POST", f"/api/disputes/{upload_to}/evidence", auth=buyer, **photo),
                 Side("POST", f"/bench-floor/disputes/{upload_to}/evidence?user={b}", **photo)),
        Scenario("download_photo", "Download a 1 MiB photo", None,
                 Side("GET", download, auth=buyer),
                 Side("GET", f"/bench-floor/evidence/{ev['download_evidence_id']}/file")),
    ]  # fmt: skip


def shape(body: bytes) -> list[str] | None:
    """The JSON keys of a body (of its first element for a list, with a nested list's keys as
    `key[].sub`): what a peer must answer with to stand beside the API."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, list):
        data = data[0] if data else {}
    if not isinstance(data, dict):
        return None
    keys = []
    for key, value in data.items():
        keys.append(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            keys += [f"{key}[].{sub}" for sub in value[0]]
    return keys


def probe(base: str, side: Side) -> dict[str, Any]:
    probe_id = side.range[1] + 1 if side.range else None
    status, headers, body = request(base, side, probe_id=probe_id, count=True)
    queries = headers.get("X-Bench-Queries")
    return {
        "status": status,
        "queries": int(queries) if queries else None,
        "bytes": len(body),
        "shape": shape(body),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--params", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--duration", default="15s")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", default="", help="comma-separated scenario keys")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.params) as fh:
        params = json.load(fh)
    session = admin_session(args.base)
    chosen = [
        s for s in scenarios(params, session) if not args.only or s.key in args.only.split(",")
    ]
    results: list[dict[str, Any]] = []
    tmp = tempfile.mkdtemp(prefix="echo-wrk-")
    # Warm every worker (imports, connections, caches) before the first measurement.
    warm = chosen[0]
    for side in (warm.api, warm.floor, warm.peer):
        if side is not None and side.method == "GET":
            wrk(
                args.base, side, duration="3s", connections=args.connections, out=f"{tmp}/warm.json"
            )
    for sc in chosen:
        row: dict[str, Any] = {
            "key": sc.key,
            "title": sc.title,
            "target": sc.target,
            "peer_target": sc.peer_target,
        }
        api_probe = probe(args.base, sc.api)
        row["api_probe"] = api_probe
        if api_probe["status"] == 404 or (sc.key == "admin_queue" and session is None):
            row["pending"] = "endpoint not there yet"
            results.append(row)
            print(f"[{args.size}] {sc.key}: pending ({api_probe['status']})", file=sys.stderr)
            continue
        if sc.floor is not None:
            row["floor_probe"] = probe(args.base, sc.floor)
            if row["floor_probe"]["status"] >= 400:
                row["floor_pending"] = f"floor answered {row['floor_probe']['status']}"
        if sc.peer is not None:
            row["peer_probe"] = probe(args.base, sc.peer)
            if row["peer_probe"]["status"] >= 400:
                row["peer_pending"] = f"peer answered {row['peer_probe']['status']}"
            elif row["peer_probe"]["shape"] != api_probe["shape"]:
                # Not fatal: the run goes on and the report says so next to the ratio.
                row["peer_shape_differs"] = {
                    "api": api_probe["shape"], "peer": row["peer_probe"]["shape"]
                }  # fmt: skip
        with_floor = sc.floor is not None and "floor_pending" not in row
        with_peer = sc.peer is not None and "peer_pending" not in row
        if sc.warm:
            for side in (sc.api, sc.floor if with_floor else None):
                if side is not None:
                    wrk(args.base, side, duration="3s", connections=args.connections,
                        out=f"{tmp}/warm.json")  # fmt: skip
        runs: dict[str, list[dict[str, Any]]] = {"floor": [], "api": [], "peer": []}
        for index in range(args.rounds):
            sides = [("floor", sc.floor)] if with_floor else []
            sides += [("api", sc.api)] + ([("peer", sc.peer)] if with_peer else [])
            for which, side in sides if index % 2 == 0 else reversed(sides):
                assert side is not None
                runs[which].append(
                    wrk(
                        args.base,
                        side.round_slice(index, args.rounds),
                        duration=args.duration,
                        connections=args.connections,
                        out=f"{tmp}/{which}.json",
                    )
                )
        row["api"] = combine(runs["api"])
        if with_floor:
            row["floor"] = combine(runs["floor"])
            row["ratios"] = [
                a["rps"] / f["rps"] for a, f in zip(runs["api"], runs["floor"], strict=True)
            ]
            row["ratio"] = statistics.median(row["ratios"])
        if with_peer:
            row["peer"] = combine(runs["peer"])
            row["peer_ratios"] = [
                a["rps"] / p["rps"] for a, p in zip(runs["api"], runs["peer"], strict=True)
            ]
            row["peer_ratio"] = statistics.median(row["peer_ratios"])
        results.append(row)
        api = row["api"]
        print(
            f"[{args.size}] {sc.key}: api {api['rps']:.0f}/s p99 {api['p99_ms']:.1f} ms "
            f"q={api_probe['queries']}"
            + (
                f"; floor {row['floor']['rps']:.0f}/s ratio {row['ratio']:.2f}"
                if "floor" in row
                else ""
            )
            + (
                f"; peer {row['peer']['rps']:.0f}/s q={row['peer_probe']['queries']} "
                f"api/peer {row['peer_ratio']:.2f}"
                if "peer" in row
                else ""
            ),
            file=sys.stderr,
        )
        time.sleep(1)
    with open(args.out, "w") as fh:
        summary = {
            "size": args.size,
            "duration": args.duration,
            "rounds": args.rounds,
            "connections": args.connections,
            "params": {k: v for k, v in params.items() if k != "auth"},
            "scenarios": results,
        }
        json.dump(summary, fh, indent=1)


if __name__ == "__main__":
    main()
