"""Simulator benchmark: rows (events) generated per second and peak memory.

    .venv/bin/python -m bench.bench_simulator [--days 28] [--agents 80] [--out DIR] [--faults]

Defaults write about one million landing rows (28 days × 80 agents) into a temporary folder. Reports
wall-clock and CPU seconds (the machine may be shared: CPU time is the cost, wall time what a user waits),
rows per second on both (CPU includes the writer process), and the peak resident memory (``ru_maxrss``) of
the main process (which also runs DuckDB's truth pass) and of the writer process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from simulator import generate


def _cpu(who: int) -> float:
    """CPU seconds of this process (RUSAGE_SELF) or of its finished children (the writer process)."""
    usage = resource.getrusage(who)
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
        main0, child0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
        wall0 = time.perf_counter()
        summary = generate(out, days=args.days, seed=args.seed, agents=args.agents, faults=args.faults)
        wall = time.perf_counter() - wall0
        main_cpu = _cpu(resource.RUSAGE_SELF) - main0
        writer_cpu = _cpu(resource.RUSAGE_CHILDREN) - child0
        cpu = main_cpu + writer_cpu
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    writer_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # largest finished child
    peak_mb = main_mb + writer_mb  # upper bound of the two processes together
    result = {
        "days": args.days,
        "agents": args.agents,
        "rows": summary.events,
        "files": summary.files,
        "mb_written": summary.bytes / 1e6,
        "wall_seconds": wall,
        "truth_seconds": summary.truth_seconds,
        "cpu_seconds": cpu,
        "main_cpu_seconds": main_cpu,
        "writer_cpu_seconds": writer_cpu,
        "rows_per_wall_second": summary.events / wall,
        "rows_per_cpu_second": summary.events / cpu,
        "peak_rss_mb": peak_mb,
        "main_rss_mb": main_mb,
        "writer_rss_mb": writer_mb,
    }
    print(
        f"simulator: {args.days} days x {args.agents} agents -> {summary.events:,} rows "
        f"in {summary.files} files ({summary.bytes / 1e6:.0f} MB)"
    )
    print("rows per source: " + ", ".join(f"{s}={n:,}" for s, n in summary.rows.items()))
    print(
        f"wall {wall:.1f} s (truth pass {summary.truth_seconds:.1f} s), "
        f"cpu {cpu:.1f} s = {main_cpu:.1f} s main + {writer_cpu:.1f} s writer process"
    )
    print(
        f"{result['rows_per_wall_second']:,.0f} rows/s wall, {result['rows_per_cpu_second']:,.0f} rows/s cpu"
    )
    print(f"peak memory {main_mb:,.0f} MB main + {writer_mb:,.0f} MB writer process (ru_maxrss)")
    return result


if __name__ == "__main__":
    main()
