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


def size_table(run: dict[str, Any]) -> list[str]:
    lines = [
        f"### {run['size']:,} disputes",
        "",
        (
            f"wrk, {run['connections']} connections, {run.get('rounds', 1)} rounds of "
            f"{run['duration']} per side, floor and API back to back on the same server (the "
            "order alternating between rounds). Ratio: the median of the rounds' ratios; req/s "
            "over all rounds; p50 and p99: the median round's."
        ),
        "",
        "| Scenario | Queries/req API (floor) | API req/s | Floor req/s | Ratio | Target | Result "
        "| API p50 / p99 ms | Floor p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for row in run["scenarios"]:
        if "pending" in row:
            lines.append(f"| {row['title']} | | | | | | pending: {row['pending']} | | |")
            continue
        api, floor = row["api"], row.get("floor")
        fq = row.get("floor_probe", {}).get("queries")
        target, result = fmt_target(row)
        lines.append(
            f"| {row['title']} | {row['api_probe']['queries']} ({fq if fq is not None else '-'}) "
            f"| {api['rps']:.0f} | {floor['rps']:.0f} | {row['ratio']:.2f} | {target} | {result} "
            f"| {api['p50_ms']:.1f} / {api['p99_ms']:.1f} "
            f"| {floor['p50_ms']:.1f} / {floor['p99_ms']:.1f} |"
            if floor
            else f"| {row['title']} | {row['api_probe']['queries']} | {api['rps']:.0f} | - | - "
            f"| {target} | {result} | {api['p50_ms']:.1f} / {api['p99_ms']:.1f} | - |"
        )
        for name, side in (("API", api), ("floor", floor)):
            if side and errors(side):
                notes.append(
                    f"- {row['title']}: {errors(side)} failed {name} requests ({side['errors']})."
                )
    rounds = [
        f"{row['title']} {' / '.join(f'{r:.2f}' for r in row['ratios'])}"
        for row in run["scenarios"]
        if row.get("ratios")
    ]
    if rounds:
        lines += ["", "Ratio in each round: " + "; ".join(rounds) + "."]
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
