"""``asyncwfm demo``: generate a mid-size center, run the pipeline, write the report, say where it all is.

Sized to finish in under three minutes on two cores (measured: see docs/architecture.md). When the run fails
(a blocking quality gate, a broken model) the report is still written — its data-quality section shows why —
and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path

DEFAULT_DAYS = 28
DEFAULT_AGENTS = 40
DEFAULT_SEED = 7


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "demo",
        help="generate ~4 weeks of a mid-size center, run the pipeline, write the report",
        description="generate + run + report in a local folder, and print where everything is.",
    )
    parser.add_argument(
        "--dir",
        default="demo",
        help="folder for landing/, warehouse.duckdb, report.html "
        "(default: ./demo; its landing zone and warehouse are replaced)",
    )
    parser.add_argument(
        "--days", type=int, default=DEFAULT_DAYS, help=f"days of history (default {DEFAULT_DAYS})"
    )
    parser.add_argument(
        "--agents", type=int, default=DEFAULT_AGENTS, help=f"agents in the center (default {DEFAULT_AGENTS})"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="show dbt's and Dagster's output instead of writing it to run.log",
    )
    return parser


@contextlib.contextmanager
def _output_to(log: Path | None) -> Iterator[None]:
    """Send all stdout/stderr output (dbt's subprocess too) to ``log``; ``None`` leaves it alone."""
    if log is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        with open(log, "ab") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
    finally:
        os.close(saved[0])
        os.close(saved[1])


def _stage(number: int, name: str, what: str) -> float:
    print(f"[{number}/3] {name:<9}{what}", flush=True)
    return time.perf_counter()


def _done(started: float) -> float:
    seconds = time.perf_counter() - started
    print(f"      done in {seconds:.1f} s", flush=True)
    return seconds


def published_copy(warehouse: Path) -> Path:
    """The BI copy that a good run publishes beside the warehouse (orchestration/defs/publish/)."""
    return warehouse.with_name(warehouse.stem + ".published.duckdb")


def _fresh_warehouse(warehouse: Path) -> None:
    """Remove the previous demo warehouse, unless another process has it open (then say so)."""
    import duckdb

    from orchestration.cli import UserError

    if not warehouse.exists():
        published_copy(warehouse).unlink(missing_ok=True)
        return
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UserError(
                f"The demo warehouse {warehouse} is open in another process (`dagster dev`, a BI tool); "
                "stop it, "
                "or pass --dir another folder, and run the demo again."
            ) from None
        raise UserError(f"Cannot open the previous demo warehouse {warehouse}: {exc}") from None
    except duckdb.Error:
        pass  # not a DuckDB file we can open: it is replaced anyway
    for path in (warehouse, warehouse.with_name(warehouse.name + ".wal"), published_copy(warehouse)):
        path.unlink(missing_ok=True)


def _generate(landing: Path, days: int, agents: int, seed: int) -> None:
    from orchestration.cli import UserError

    try:
        from simulator import generate
    except ImportError:
        try:
            from simulator.engine import generate
        except ImportError as exc:
            raise UserError(
                f"The simulator cannot be imported ({exc}); reinstall with `make install`."
            ) from None
    generate(landing, days=days, seed=seed, agents=agents)


def dagster_command(warehouse: Path, landing: Path) -> str:
    dagster = Path(sys.executable).parent / "dagster"
    program = shlex.quote(str(dagster)) if dagster.exists() else "dagster"
    return (
        f"ASYNCWFM_WAREHOUSE={shlex.quote(str(warehouse))} ASYNCWFM_LANDING={shlex.quote(str(landing))} "
        f"{program} dev -m orchestration.definitions"
    )


def run(args: argparse.Namespace) -> int:
    from orchestration.cli import UserError, print_outcome, run_pipeline
    from orchestration.commands.report import describe, write_report

    if args.days < 1 or args.agents < 1:
        raise UserError("--days and --agents must be at least 1; try the defaults (`asyncwfm demo`).")
    folder = Path(args.dir).resolve()
    landing, warehouse, report = folder / "landing", folder / "warehouse.duckdb", folder / "report.html"
    log = None if args.verbose else folder / "run.log"
    folder.mkdir(parents=True, exist_ok=True)
    _fresh_warehouse(warehouse)
    began = time.perf_counter()
    timings: dict[str, float] = {}

    started = _stage(1, "generate", f"{args.days} days, {args.agents} agents, seed {args.seed} → {landing}")
    _generate(landing, args.days, args.agents, args.seed)
    timings["generate"] = _done(started)

    what = "ingest → dbt build → quality gates → staffing"
    started = _stage(2, "run", what + (f" (dbt and Dagster output: {log})" if log else ""))
    if log:
        log.write_text("")
    failure = None
    try:
        with _output_to(log):
            outcome = run_pipeline(landing, warehouse)
        print_outcome(outcome)
        if not outcome.success or outcome.blocking_failures:
            failure = (
                "the pipeline run failed (see above; the report's data-quality section shows the checks)"
            )
    except UserError:
        raise
    except Exception as exc:  # still write what the warehouse holds, then fail
        first = str(exc).splitlines()[0] if str(exc) else ""
        failure = f"the pipeline run crashed: {type(exc).__name__}: {first}" + (
            f" (see {log})" if log else ""
        )
        print(f"      FAILED: {failure}", flush=True)
    timings["run"] = _done(started)

    started = _stage(3, "report", f"→ {report}")
    if warehouse.exists():
        for line in describe(write_report(warehouse, report)):
            print(line)
    else:
        print("      no warehouse was written, so there is no report", flush=True)
    timings["report"] = _done(started)

    total = time.perf_counter() - began
    print()
    print(f"demo finished in {total:.0f} s (" + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ")")
    print(f"  landing zone : {landing}")
    print(f"  warehouse    : {warehouse}   (marts in schema `marts`)")
    if report.exists():
        print(f"  report       : {report}")
    published = published_copy(warehouse)
    if published.exists():
        print(f"  for BI tools : {published}   (a copy swapped in after each good run)")
    if log:
        print(f"  run log      : {log}")
    print(f"  Dagster UI   : {dagster_command(warehouse, landing)}")
    print(
        f"  Parquet for BI: asyncwfm export --warehouse {shlex.quote(str(warehouse))} "
        f"--out {shlex.quote(str(folder / 'export'))}"
    )
    if failure:
        print(f"asyncwfm: {failure}", file=sys.stderr)
        return 1
    return 0
