"""Simulator benchmark: rows (events) generated per second and peak memory.

    .venv/bin/python -m bench.bench_simulator [--days 28] [--agents 80] [--out DIR] [--faults]

Defaults write about one million landing rows (28 days × 80 agents) into a temporary folder. Reports
wall-clock and CPU seconds (the machine may be shared: CPU time is the cost, wall time what a user waits),
rows per second on both, and the peak resident memory of the process (``ru_maxrss``, includes DuckDB's
truth pass).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from simulator import generate


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_simulator")
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--agents", type=int, default=80)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=None, help="folder to write into (default: a temp folder)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="asyncwfm-bench-") as tmp:
        out = (args.out or Path(tmp)) / "landing"
        cpu0, wall0 = _cpu(), time.perf_counter()
        summary = generate(out, days=args.days, seed=args.seed, agents=args.agents, faults=args.faults)
        wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    result = {
        "days": args.days,
        "agents": args.agents,
        "rows": summary.events,
        "files": summary.files,
        "mb_written": summary.bytes / 1e6,
        "wall_seconds": wall,
        "truth_seconds": summary.truth_seconds,
        "cpu_seconds": cpu,
        "rows_per_wall_second": summary.events / wall,
        "rows_per_cpu_second": summary.events / cpu,
        "peak_rss_mb": peak_mb,
    }
    print(
        f"simulator: {args.days} days x {args.agents} agents -> {summary.events:,} rows "
        f"in {summary.files} files ({summary.bytes / 1e6:.0f} MB)"
    )
    print("rows per source: " + ", ".join(f"{s}={n:,}" for s, n in summary.rows.items()))
    print(f"wall {wall:.1f} s (truth pass {summary.truth_seconds:.1f} s), cpu {cpu:.1f} s")
    print(
        f"{result['rows_per_wall_second']:,.0f} rows/s wall, {result['rows_per_cpu_second']:,.0f} rows/s cpu"
    )
    print(f"peak memory {peak_mb:,.0f} MB (ru_maxrss)")
    return result


if __name__ == "__main__":
    main()
