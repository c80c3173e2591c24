"""The HTML report of a warehouse (``asyncwfm report``): queries → charts (inline SVG) → one HTML file."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.report.queries import Warehouse, WarehouseUnavailable

__all__ = ["WarehouseUnavailable", "build_report"]


def build_report(warehouse: Path, out: Path) -> list:
    """Write the report of ``warehouse`` (opened read-only) to ``out``; return its sections.

    Raises WarehouseUnavailable when the file is missing, locked by a writer or not a DuckDB file.
    The file is written next to ``out`` and renamed into place, so a browser never sees half a report.
    """
    from orchestration.report.html import build_sections, render  # matplotlib: only when a report is drawn

    warehouse, out = Path(warehouse).resolve(), Path(out).resolve()
    wh = Warehouse.open(warehouse)
    try:
        sections = build_sections(wh)
    finally:
        wh.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(render(sections, warehouse), encoding="utf-8")
    os.replace(partial, out)
    return sections
