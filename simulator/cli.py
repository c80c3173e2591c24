"""``asyncwfm generate``: the simulator on the command line.

Integration in ``orchestration/cli.py``::

    simulator.cli.add_parser(subparsers)      # registers "generate" (sets func=simulator.cli.run)
    return simulator.cli.run(args)            # when args.command == "generate"

Also runnable alone: ``python -m simulator --out DIR ...``.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from simulator.engine import DEFAULT_START, generate


def _configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--out", type=Path, required=True, help="landing zone root to write")
    parser.add_argument("--days", type=int, default=28, help="number of UTC days (default 28)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same bytes)")
    parser.add_argument("--agents", type=int, default=40, help="agents on the roster; volumes scale with it")
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=DEFAULT_START,
        help=f"first day, YYYY-MM-DD (default {DEFAULT_START}, a Monday)",
    )
    parser.add_argument(
        "--faults", action="store_true", help="inject known defects; manifest written to <out>.faults.json"
    )
    parser.add_argument(
        "--truth",
        type=Path,
        default=None,
        help="ground-truth folder (default <out>.truth, beside the landing zone)",
    )
    parser.set_defaults(func=run)
    return parser


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register the ``generate`` subcommand on an argparse subparsers object."""
    parser = subparsers.add_parser(
        "generate",
        help="write a realistic synthetic landing zone (SPEC §2)",
        description="Simulate a contact center and write its landing zone, ground truth and optional faults.",
    )
    return _configure(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``generate`` from parsed arguments; prints a short summary; returns the exit code."""
    if args.days < 1 or args.agents < 1:
        print("generate: --days and --agents must be at least 1 (3 or more staff every channel)")
        return 2
    summary = generate(
        args.out,
        days=args.days,
        seed=args.seed,
        agents=args.agents,
        start=args.start,
        faults=args.faults,
        truth_dir=args.truth,
    )
    print(summary.text())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _configure(argparse.ArgumentParser(prog="python -m simulator"))
    return run(parser.parse_args(argv))
