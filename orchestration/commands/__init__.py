"""Subcommands of ``asyncwfm`` that turn a warehouse into something to look at: report, demo, export.

Each module exposes ``add_parser(subparsers)`` and ``run(args) -> int``; ``register`` adds them all.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from orchestration.commands import demo, export, report

    for module in (report, demo, export):
        module.add_parser(subparsers).set_defaults(handler=module.run)
