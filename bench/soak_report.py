"""The soak's results block of docs/benchmarks.md, from bench/soak.py's two JSON files.

Only the block between the two markers is replaced; the prose around it stays as written.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
from typing import Any

START, END = "<!-- soak:results:start -->", "<!-- soak:results:end -->"
P99_RATIO_LIMIT = 1.5
SECTION = f"""## Soak

`make soak` (not in CI): mixed traffic against gunicorn (4 workers, echo_disputes/gunicorn_conf.py,
`bench.soak_settings`: production settings and production throttles, DEBUG off) and a throwaway
PostgreSQL (scripts/pg.sh), all on 127.0.0.1, driven by locust (bench/soak.py). First a baseline of
the honest traffic alone, then the same honest traffic with a login attacker and a message flooder.
A 429 counts as throttled. An honest request's error is any answer but its 2xx; the attacker's and
the flooder's errors are 5xx and failed connections only.

{START}
{END}
"""


def _ms(value: float) -> str:
    return f"{value:,.1f}"


def _row(name: str, data: dict[str, Any], seconds: int) -> str:
    minutes = max(1, seconds // 60)
    per_minute = [m.get("errors", 0) for m in data["minutes"]] or [0]
    return (
        f"| {name} | {data['requests']:,} | {data['per_second']:,} | {_ms(data['p50_ms'])} | "
        f"{_ms(data['p99_ms'])} | {data['throttled_share']:.1%} | {data['errors']:,} | "
        f"{data['errors'] / minutes:,.1f} / {max(per_minute):,} |"
    )


def block(baseline: dict[str, Any], soak: dict[str, Any], meta: dict[str, str]) -> list[str]:
    lines = [
        START,
        "",
        "### Latest soak",
        "",
        f"- Command: `{meta['command']}`; {meta['date']}",
        f"- Machine: {os.cpu_count()} cores shared with the load generators; gunicorn 4 gthread "
        f"workers of 4 threads; PostgreSQL {meta['pg_version']}; {meta['honest']} honest users, "
        "measured by their own generator; the attacker and the flooder in another one at `nice 10`",
        f"- Baseline {baseline['duration_s']} s (honest only), soak {soak['duration_s']} s "
        "(honest, attacker, flooder)",
        "",
        "| class | requests | req/s | p50 ms | p99 ms | 429 share | errors "
        "| errors/min (mean / max) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base_honest = baseline["by_class"].get("honest")
    if base_honest:
        lines.append(_row("honest, baseline", base_honest, baseline["duration_s"]))
    for name in ("honest", "attacker", "flooder"):
        if name in soak["by_class"]:
            lines.append(_row(name, soak["by_class"][name], soak["duration_s"]))
    lines.append("")
    honest = soak["by_class"].get("honest")
    if honest and base_honest and base_honest["p99_ms"]:
        ratio = honest["p99_ms"] / base_honest["p99_ms"]
        verdict = "holds" if ratio <= P99_RATIO_LIMIT else "does NOT hold"
        lines.append(
            f"- Honest p99 under attack: {_ms(honest['p99_ms'])} ms against "
            f"{_ms(base_honest['p99_ms'])} ms alone, {ratio:.2f}x: the {P99_RATIO_LIMIT}x bound "
            f"{verdict}."
        )
    for name in ("attacker", "flooder"):
        data = soak["by_class"].get(name)
        if data:
            per_label = "; ".join(
                f"`{label.split(':', 1)[1]}` "
                + ", ".join(f"{status}: {count:,}" for status, count in statuses.items())
                for label, statuses in data["labels"].items()
            )
            lines.append(
                f"- {name.capitalize()}: {data['throttled_share']:.1%} of {data['requests']:,} "
                f"requests throttled (429); by endpoint and status: {per_label}."
            )
    lines += [
        "",
        "Per minute of the soak (requests / 429 / errors):",
        "",
        "| minute | honest | attacker | flooder |",
        "|---:|---|---|---|",
    ]
    by_minute: dict[int, dict[str, dict[str, int]]] = {}
    for name, data in soak["by_class"].items():
        for entry in data["minutes"]:
            by_minute.setdefault(entry["minute"], {})[name] = entry
    for minute in sorted(by_minute):
        cells = []
        for name in ("honest", "attacker", "flooder"):
            entry = by_minute[minute].get(name, {})
            cells.append(
                f"{entry.get('requests', 0):,} / {entry.get('throttled', 0):,} / "
                f"{entry.get('errors', 0):,}"
            )
        lines.append(f"| {minute + 1} | " + " | ".join(cells) + " |")
    lines += ["", END]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", required=True)
    parser.add_argument("--soak", required=True)
    parser.add_argument("--command", required=True)
    parser.add_argument("--honest", required=True)
    parser.add_argument("--pg-version", default="unknown")
    parser.add_argument("--out", default="docs/benchmarks.md")
    args = parser.parse_args()
    with open(args.baseline) as fh:
        baseline = json.load(fh)
    with open(args.soak) as fh:
        soak = json.load(fh)
    meta = {
        "command": args.command,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "pg_version": args.pg_version,
        "honest": args.honest,
    }
    text = open(args.out).read() if os.path.exists(args.out) else "# Benchmarks\n"
    if START not in text:
        text = text.rstrip("\n") + "\n\n" + SECTION
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    with open(args.out, "w") as fh:
        fh.write(head + "\n".join(block(baseline, soak, meta)) + tail)


if __name__ == "__main__":
    main()
