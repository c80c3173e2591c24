"""``asyncwfm report --warehouse FILE --out FILE.html``: one self-contained HTML file with charts."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help="write a self-contained HTML report of a warehouse (opened read-only)",
        description="Write one HTML file (inline SVG charts, no network needed) from the marts of a "
        "warehouse.",
    )
    parser.add_argument("--warehouse", required=True, help="DuckDB warehouse file written by `asyncwfm run`")
    parser.add_argument("--out", required=True, help="HTML file to write, e.g. report.html")
    return parser


def write_report(warehouse: Path, out: Path) -> list:
    """Build the report or raise cli.UserError with one sentence saying what to do."""
    from orchestration.cli import UserError
    from orchestration.report import WarehouseUnavailable, build_report

    out = Path(out)
    if out.exists() and out.is_dir():
        raise UserError(f"--out {out} is a folder; pass a file name such as {out / 'report.html'}.")
    try:
        return build_report(Path(warehouse), out)
    except WarehouseUnavailable as exc:
        raise UserError(str(exc)) from None
    except PermissionError as exc:
        raise UserError(f"Cannot write the report to {out} ({exc.strerror}); choose another --out.") from None


def describe(sections: list) -> list[str]:
    lines = []
    for section in sections:
        if section.status == "ok":
            detail = f"{section.charts} chart(s)" + (f"; {section.note}" if section.note else "")
        elif section.status == "unavailable":
            detail = f"not available: {section.note}"
        else:
            detail = f"FAILED to render: {section.note}"
        lines.append(f"  {section.title:<48} {detail}")
    return lines


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    sections = write_report(Path(args.warehouse), Path(args.out))
    for line in describe(sections):
        print(line)
    print(f"report written to {Path(args.out).resolve()} ({time.perf_counter() - started:.1f} s)")
    return 1 if any(s.status == "error" for s in sections) else 0
