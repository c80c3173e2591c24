"""Time the data-quality suites on a synthetic 10 M-row raw set: ``python -m bench.bench_quality [--rows N]``.

The raw set, its ledger and a SQL stand-in for the staging models are generated in DuckDB
(data_quality/synthetic.py), then every suite runs once (run_gates). Prints the timings and writes them to
the "## Quality gates" section of bench/RESULTS.md (other sections are left as they are).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from data_quality.runner import format_failure, run_gates, write_results
from data_quality.synthetic import build_synthetic

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Quality gates"


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def run(rows: int, days: int, database: Path) -> dict[str, float | int | str]:
    database.parent.mkdir(parents=True, exist_ok=True)
    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        started = time.perf_counter()
        counts = build_synthetic(con, rows=rows, days=days)
        generated = time.perf_counter() - started
        raw_rows = sum(counts.values())
        timings: dict[str, float] = {}
        started = time.perf_counter()
        results = run_gates(con, "bench", timings=timings)
        gates = time.perf_counter() - started
        started = time.perf_counter()
        write_results(con, results)
        written = time.perf_counter() - started
    database.unlink(missing_ok=True)
    failed = [format_failure(r) for r in results if not r.success]
    return {
        "raw_rows": raw_rows,
        "days": days,
        "generate_seconds": generated,
        "gates_seconds": gates,
        "sql_seconds": timings["sql"],
        "gx_import_seconds": timings["gx_import"],
        "gx_judge_seconds": timings["gx_judge"],
        "write_seconds": written,
        "expectations": len(results),
        "failed": len(failed),
        "failures": "; ".join(failed[:3]),
        "load": _load(),
    }


def _section(m: dict[str, float | int | str]) -> str:
    today = datetime.now(UTC).date().isoformat()
    return f"""{SECTION}

`.venv/bin/python -m bench.bench_quality` — {m["raw_rows"]:,} synthetic raw rows over {m["days"]} landing days
(8 sources; ledger and a SQL stand-in for the staging models generated in DuckDB by
`data_quality/synthetic.py`), every suite run once. Measured {today} on the shared {os.cpu_count()}-core
machine (Python {platform.python_version()}, load average ≈ {m["load"]} from other work):

| step | seconds |
|---|---:|
| generate raw + ledger + staging (not part of the gates) | {m["generate_seconds"]:.1f} |
| **all suites (`run_gates`)**, {m["expectations"]} expectations | **{m["gates_seconds"]:.1f}** |
| of which DuckDB SQL (measuring) | {m["sql_seconds"]:.1f} |
| of which `import great_expectations` + ephemeral context | {m["gx_import_seconds"]:.1f} |
| of which GX validations of the small measured frames | {m["gx_judge_seconds"]:.1f} |
| append to `quality.validation_results` | {m["write_seconds"]:.2f} |

Failed expectations on the clean set: {m["failed"]}. The SQL part grows with the rows; the GX part does not
(≈ 40 ms per expectation on frames of at most a few thousand rows), because no raw row enters pandas.
"""


def write_section(text: str, path: Path = RESULTS) -> None:
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=28)
    default_db = Path(__file__).parent / "out" / "bench_quality.duckdb"
    parser.add_argument("--database", type=Path, default=default_db)
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/RESULTS.md alone")
    args = parser.parse_args()
    measured = run(args.rows, args.days, args.database)
    for key, value in measured.items():
        print(f"{key:>20}: {value:.2f}" if isinstance(value, float) else f"{key:>20}: {value}")
    if not args.no_write:
        write_section(_section(measured))
        print(f"wrote the '{SECTION}' section of {RESULTS}")


if __name__ == "__main__":
    main()
