"""Renders bench/results/<run>/ into the measured part of docs/benchmarks.md.

Only the block between the two markers is replaced; the prose around it (what made the
difference) is written by hand and kept.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import subprocess
from typing import Any

import django

START, END = "<!-- bench:results:start -->", "<!-- bench:results:end -->"
P99_GROWTH = 1.3


def machine(workers: int, gunicorn_args: str, pg_version: str) -> list[str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as fh:
        mem_kb = int(next(line for line in fh if line.startswith("MemTotal")).split()[1])
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}, {os.cpu_count()} cores (`nproc`); memory {mem_kb / 1024 / 1024:.1f} GiB",
        f"- {platform.system()} {platform.release()}; Python {platform.python_version()}; "
        f"Django {django.get_version()}; PostgreSQL {pg_version} (fsync off, throwaway cluster)",
        f"- gunicorn: {workers} workers{(' ' + gunicorn_args) if gunicorn_args else ''}; "
        f"load: {wrk.split(' [')[0]}, one thread, on the same machine (loopback)",
    ]


def fmt_target(row: dict[str, Any]) -> tuple[str, str]:
    if row.get("target") is None:
        return "none", "n/a"
    if "ratio" not in row:
        return f"≥ {row['target']}", "n/a"
    return f"≥ {row['target']}", "**met**" if row["ratio"] >= row["target"] else "**not met**"


def errors(side: dict[str, Any]) -> int:
    return sum(side["errors"].values())


def _p(side: dict[str, Any] | None) -> str:
    return f"{side['p50_ms']:.1f} / {side['p99_ms']:.1f}" if side else "-"


def _queries(row: dict[str, Any]) -> str:
    def q(name: str) -> str:
        value = row.get(f"{name}_probe", {}).get("queries")
        return "-" if value is None else str(value)

    inner = q("floor") + (f" / {q('peer')}" if "peer_probe" in row else "")
    return f"{q('api')} ({inner})"


def _peer_ratio(row: dict[str, Any]) -> str:
    ratio, target = row["peer_ratio"], row.get("peer_target")
    if target is None:
        return f"{ratio:.2f}"
    return f"{ratio:.2f} (≥ {target:g}: {'**met**' if ratio >= target else '**not met**'})"


def size_table(run: dict[str, Any]) -> list[str]:
    lines = [
        f"### {run['size']:,} disputes",
        "",
        (
            f"wrk, {run['connections']} connections, {run.get('rounds', 1)} rounds of "
            f"{run['duration']} per side, floor and API (and the peer, where there is one) back "
            "to back on the same server (the order alternating between rounds). API/floor and "
            "API/peer: the median of the rounds' ratios; req/s over all rounds; p50 and p99: the "
            "median round's. The peer (bench/peer.py) is the same endpoint as DRF's tutorial "
            "would have it; the targets are against the floor."
        ),
        "",
        "| Scenario | Queries/req API (floor / peer) | API req/s | Floor req/s | API/floor "
        "| Target | Result | Peer req/s | API/peer | API p50 / p99 ms | Floor p50 / p99 ms "
        "| Peer p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for row in run["scenarios"]:
        if "pending" in row:
            lines.append(f"| {row['title']} | | | | | | pending: {row['pending']} | | | | | |")
            continue
        api, floor, peer = row["api"], row.get("floor"), row.get("peer")
        target, result = fmt_target(row)
        cells = [row["title"], _queries(row), f"{api['rps']:.0f}"]
        cells += [f"{floor['rps']:.0f}", f"{row['ratio']:.2f}"] if floor else ["-", "-"]
        cells += [target, result]
        cells += [f"{peer['rps']:.0f}", _peer_ratio(row)] if peer else ["-", "-"]
        cells += [_p(api), _p(floor), _p(peer)]
        lines.append("| " + " | ".join(cells) + " |")
        for name, side in (("API", api), ("floor", floor), ("peer", peer)):
            if side and errors(side):
                notes.append(
                    f"- {row['title']}: {errors(side)} failed {name} requests ({side['errors']})."
                )
        for key in ("floor_pending", "peer_pending"):
            if key in row:
                notes.append(f"- {row['title']}: not measured, the {row[key]}.")
        if "peer_shape_differs" in row:
            differs = row["peer_shape_differs"]
            notes.append(
                f"- {row['title']}: the peer's JSON keys differ from the API's "
                f"(API {differs['api']}, peer {differs['peer']})."
            )
    rounds = [
        f"{row['title']} {' / '.join(f'{r:.2f}' for r in row['ratios'])}"
        for row in run["scenarios"]
        if row.get("ratios")
    ]
    if rounds:
        lines += ["", "API/floor in each round: " + "; ".join(rounds) + "."]
    peer_rounds = [
        f"{row['title']} {' / '.join(f'{r:.2f}' for r in row['peer_ratios'])}"
        for row in run["scenarios"]
        if row.get("peer_ratios")
    ]
    if peer_rounds:
        lines += ["", "API/peer in each round: " + "; ".join(peer_rounds) + "."]
    if notes:
        lines += ["", *notes]
    return lines


def growth_table(runs: list[dict[str, Any]]) -> list[str]:
    small, large = runs[0], runs[-1]
    lines = [
        f"### p99 at {large['size']:,} against p99 at {small['size']:,} disputes "
        f"(target: at most {P99_GROWTH} times)",
        "",
        "| Scenario | p99 small ms | p99 large ms | Growth | Result |",
        "|---|---|---|---|---|",
    ]
    by_key = {row["key"]: row for row in small["scenarios"] if "api" in row}
    for row in large["scenarios"]:
        if "api" not in row or row["key"] not in by_key:
            continue
        a, b = by_key[row["key"]]["api"]["p99_ms"], row["api"]["p99_ms"]
        growth = b / a
        lines.append(
            f"| {row['title']} | {a:.1f} | {b:.1f} | {growth:.2f} | "
            f"{'**met**' if growth <= P99_GROWTH else '**not met**'} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--gunicorn-args", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    runs = [json.load(open(p)) for p in glob.glob(os.path.join(args.results, "results-*.json"))]
    runs.sort(key=lambda r: r["size"])
    pg_file = os.path.join(args.results, "pg-version")
    pg_version = open(pg_file).read().strip() if os.path.exists(pg_file) else "unknown"
    block = [
        START,
        "",
        "## Latest run",
        "",
        f"Command: `{args.command}`",
        "",
        *machine(args.workers, args.gunicorn_args, pg_version),
        "",
    ]
    for run in runs:
        block += [*size_table(run), ""]
    if len(runs) > 1:
        block += [*growth_table(runs), ""]
    else:
        block += ["p99 growth with size: needs two sizes in one run.", ""]
    block.append(END)
    text = (
        open(args.out).read() if os.path.exists(args.out) else f"# Benchmarks\n\n{START}\n{END}\n"
    )
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    with open(args.out, "w") as fh:
        fh.write(head + "\n".join(block) + tail)


if __name__ == "__main__":
    main()
