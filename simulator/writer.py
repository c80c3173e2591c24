"""Turn a day's buffered rows into landing files: ``<out>/<source>/dt=YYYY-MM-DD/<source>-YYYYMMDD.<ext>``.

Rows are sorted by their primary timestamp, timestamps are formatted (vectorized) in each row's time zone,
JSONL rows are objects with the contract's fields in contract order (absent values as ``null``), CSV files
have a header row and empty cells for absent values. Field names, order and formats come from
``orchestration.landing.SOURCES``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from orchestration.landing import SOURCES
from simulator import timefmt

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
_escape = json.encoder.encode_basestring  # C implementation: a JSON string literal, non-ASCII kept
ABSENT = object()  # a field removed from a JSONL record (fault injection)


def file_name(source: str, day_str: str) -> str:
    return f"{source}-{day_str.replace('-', '')}.{SOURCES[source].extension}"


def rel_path(source: str, dt: str, name: str) -> str:
    return f"{source}/dt={dt}/{name}"


def render(source: str, rows: list[tuple]) -> list[list]:
    """Rows (t, seq, values, zone) -> lists of field values as text (None where absent), in time order."""
    spec = SOURCES[source]
    if not rows:
        return []
    rows = sorted(rows)  # (t, seq) is unique, so values are never compared
    zones = np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows))
    columns = [list(col) for col in zip(*(r[2] for r in rows), strict=True)]
    for name in spec.timestamps:
        j = spec.fields.index(name)
        values = np.array([timefmt.MISSING if v is None else v for v in columns[j]], dtype=np.int64)
        columns[j] = timefmt.iso(values, zones).tolist()
    for name in spec.numbers:
        j = spec.fields.index(name)
        columns[j] = [None if v is None else str(v) for v in columns[j]]
    return [list(r) for r in zip(*columns, strict=True)]


def to_records(source: str, texts: list[list]) -> list[list]:
    """Records as lists of field values in contract order (the fault injector edits them in place)."""
    return texts


def _json_value(value) -> str:
    if value is None:
        return "null"
    if type(value) is str:
        return _escape(value)
    if type(value) is list:
        return "[" + ",".join(map(_escape, value)) + "]"
    return _JSON.encode(value)


def serialize(source: str, records: list[list]) -> list[str]:
    """Lines of a file (CSV: header first). JSONL objects keep contract order; ABSENT values drop the key."""
    spec = SOURCES[source]
    if spec.format == "jsonl":
        keys = [_escape(f) + ":" for f in spec.fields]
        value = _json_value
        return [
            "{" + ",".join([k + value(v) for k, v in zip(keys, r, strict=True) if v is not ABSENT]) + "}"
            for r in records
        ]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(spec.fields)
    writer.writerows([["" if v is None or v is ABSENT else v for v in r] for r in records])
    return buf.getvalue().split("\n")[:-1]


def write_lines(root: Path, rel: str, lines: list[str]) -> int:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n") if lines else ""
    path.write_text(data, encoding="utf-8", newline="")
    return len(data.encode("utf-8"))
