"""Hostile landing files never crash ingestion and never lose a row (issue 10, SPEC §8).

A seeded generator writes, per source, files that are truncated, latin-1, BOM-prefixed, 5 MB on one line, CSV
with embedded newlines and quotes or wrong column counts, SQL-looking ids, emoji / RTL / NUL, timestamps in
1900 and 2200, empty, without a final newline, a directory where a file should be, and a file whose *name* is
SQL. ``ingest`` is called directly (no Dagster, no dbt). For every landed file: rows read = rows loaded + rows
quarantined, the ledger's counts are the rows really in raw and in the quarantine, and where the generator
knows how many records it wrote, rows read is exactly that.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingestion.loader import ingest
from orchestration.landing import SOURCES

DAY = "dt=2026-01-05"
SQL_ID = "'; drop table x; --"
NASTY = [
    SQL_ID,
    '"; drop schema raw cascade; --',
    "Robert'); DROP TABLE raw.email;--",
    "😀🔥 emoji",
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "nul\u0000byte",
    "tab\tand\\backslash",
    "zero\u200bwidth",
    "{{ dbt }} {% raw %} $1 ? :x",
    "x" * 300,
]
TIMESTAMPS = [
    "2026-01-05T09:00:00Z",
    "2026-01-05 09:00:00+02:00",
    "1900-01-01T00:00:00Z",
    "2200-12-31T23:59:59+00:00",
    "2026-01-05T09:00:00",
    "2026-02-30T09:00:00Z",
    "not a time",
    "",
]


def _value(rng: random.Random, field: str, spec) -> object:
    if field in spec.arrays:
        return rng.choice([[], [rng.choice(NASTY)], "not-an-array", None])
    if field in spec.timestamps:
        return rng.choice(TIMESTAMPS[:5] if rng.random() < 0.8 else TIMESTAMPS)
    if field in spec.enums:
        return rng.choice(spec.enums[field]) if rng.random() < 0.85 else rng.choice(NASTY)
    if field in spec.numbers:
        return rng.choice(["12", "0", "-3", "1e400", "abc", ""])
    if rng.random() < 0.05:
        return None
    return rng.choice(NASTY) + str(rng.randrange(10**6)) if rng.random() < 0.5 else f"v{rng.randrange(10**6)}"


def _record(rng: random.Random, spec) -> dict[str, object]:
    record = {f: _value(rng, f, spec) for f in spec.fields}
    if rng.random() < 0.2:
        record["unknown_" + str(rng.randrange(5))] = rng.choice(NASTY)
    return record


def _jsonl_lines(rng: random.Random, spec, n: int) -> list[str]:
    lines = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.70:
            lines.append(json.dumps(_record(rng, spec), ensure_ascii=rng.random() < 0.5))
        elif roll < 0.78:
            lines.append(json.dumps(_record(rng, spec))[: rng.randrange(1, 40)])  # broken JSON
        elif roll < 0.83:
            lines.append(rng.choice(["[1, 2]", "42", "null", '"just a string"', "true"]))
        elif roll < 0.88:
            lines.append(rng.choice(["", "   ", "\t", "\r"]))  # blank: not a row
        elif roll < 0.93:
            lines.append(json.dumps(_record(rng, spec)) + "\r")  # CRLF
        else:
            lines.append("garbage ' \" ; -- " + rng.choice(NASTY).replace("\u0000", ""))
    return lines


def _csv_text(rng: random.Random, spec, n: int) -> tuple[str, int]:
    """A CSV with header; embedded newlines and quotes are legal; returns (text, records written)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n" if rng.random() < 0.5 else "\r\n")
    header = list(spec.fields) + (["extra_col"] if rng.random() < 0.5 else [])
    writer.writerow(header)
    written = 0
    for _ in range(n):
        row = [_value(rng, f, spec) for f in spec.fields]
        row = ["" if v is None else str(v).replace("\u0000", "") for v in row]
        if len(header) > len(spec.fields):
            row.append(rng.choice(["x", 'multi\nline "quoted"', ""]))
        roll = rng.random()
        if roll < 0.15:
            row[-1] = 'line one\nline "two", with comma\r\nline three'
        elif roll < 0.25:
            row = row[: rng.randrange(1, len(row))]  # too few columns
        elif roll < 0.32:
            row = row + ["surplus", "more"]  # too many columns
        if all(v == "" for v in row):
            row[0] = "x"  # an all-empty one-column row would be written as a blank line
        writer.writerow(row)
        written += 1
    return buffer.getvalue(), written


def _count_jsonl_records(data: bytes) -> int:
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return sum(1 for line in lines if line.strip(" \t\r") != "")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def make_hostile_landing(root: Path, seed: int) -> dict[str, int | None]:
    """Write hostile files under ``root``; returns landing-relative path → records written (None: unknown)."""
    rng = random.Random(seed)
    expected: dict[str, int | None] = {}

    def put(rel: str, data: bytes, records: int | None) -> None:
        _write(root / rel, data)
        expected[rel] = records

    for name, spec in SOURCES.items():
        folder = f"{name}/{DAY}"
        if spec.format == "jsonl":
            text = "\n".join(_jsonl_lines(rng, spec, 60)) + "\n"
            put(f"{folder}/mixed.jsonl", text.encode(), _count_jsonl_records(text.encode()))
            put(f"{folder}/bom.jsonl", ("\ufeff" + text).encode(), _count_jsonl_records(text.encode()))
            put(
                f"{folder}/no-final-newline.jsonl",
                text.rstrip("\n").encode(),
                _count_jsonl_records(text.encode()),
            )
            latin = text.replace("v", "é").encode("latin-1", errors="replace")
            put(f"{folder}/latin1.jsonl", latin, _count_jsonl_records(latin))
            cut = text.encode()[: rng.randrange(len(text) // 3, len(text) - 5)]
            put(f"{folder}/truncated.jsonl", cut, _count_jsonl_records(cut))
            raw_nul = (text[:200] + "\x00\x00" + text[200:]).encode()
            put(f"{folder}/raw-nul.jsonl", raw_nul, _count_jsonl_records(raw_nul))
        else:
            text, records = _csv_text(rng, spec, 40)
            put(f"{folder}/mixed.csv", text.encode(), records)
            put(f"{folder}/bom.csv", ("\ufeff" + text).encode(), records)
            put(f"{folder}/no-final-newline.csv", text.rstrip("\r\n").encode(), records)
            put(f"{folder}/latin1.csv", text.replace("v", "é").encode("latin-1", errors="replace"), records)
            cut = text.encode()[: rng.randrange(len(text) // 3, len(text) - 5)]
            put(f"{folder}/truncated.csv", cut, None)  # may end inside a quoted field
            put(
                f"{folder}/unbalanced-quote.csv",
                (text + 'x,"never closed\n' + text.split("\n", 1)[1]).encode(),
                None,
            )
            put(f"{folder}/header-only.csv", (",".join(spec.fields) + "\n").encode(), 0)
        ext = spec.extension
        put(f"{folder}/empty.{ext}", b"", 0)
        put(f"{folder}/only-newlines.{ext}", b"\n\r\n\n  \n", 0)
        (root / folder / f"a-directory.{ext}").mkdir(parents=True)
        expected[f"{folder}/a-directory.{ext}"] = 0

    # One 5 MB line (valid JSON) and one 5 MB line of garbage, in the email source.
    big = json.dumps(
        {
            "message_id": "big-1",
            "mailbox": "support",
            "direction": "outbound",
            "customer_address": "y@example.com",
            "sent_at": "2200-12-31T23:59:59Z",
            "body": "é" * (5 << 20),
        },
        ensure_ascii=False,
    )
    put(f"email/{DAY}/long-line.jsonl", (big + "\n" + "{" * (5 << 20) + "\n").encode(), 2)
    # File names that look like SQL.
    sql_name = f"email/{DAY}/it's; drop table x; --.jsonl"
    line = json.dumps(
        {
            "message_id": SQL_ID,
            "mailbox": "support'; --",
            "direction": "inbound",
            "customer_address": "x@example.com",
            "sent_at": "2026-01-05T09:00:00Z",
            "subject": SQL_ID,
            "body": "\u0000 😀 \u202e",
        }
    )
    put(sql_name, (line + "\n").encode(), 1)
    put(f"chat/{DAY}/😀 ünï'cødé.jsonl", b'{"event_id": "e"}\n', 1)
    # Entries that are not landing files.
    put(f"email/{DAY}/notes.txt", b"hello", None)
    _write(root / "email/dt=2026-13-45/x.jsonl", b"{}\n")  # recorded as its folder: not a day
    expected["email/dt=2026-13-45"] = None
    put("stray.csv", b"a,b\n", None)
    # Entries that are not regular files: reading them would block (FIFO) or never end (/dev/zero).
    os.mkfifo(root / f"email/{DAY}/a-pipe.jsonl")
    os.symlink("/dev/zero", root / f"sms/{DAY}/endless.csv")
    os.symlink(root / "nowhere.jsonl", root / f"chat/{DAY}/broken-link.jsonl")
    expected.update(
        {f"email/{DAY}/a-pipe.jsonl": 0, f"sms/{DAY}/endless.csv": 0, f"chat/{DAY}/broken-link.jsonl": 0}
    )
    # Raw NUL bytes inside a CSV record.
    put(f"voice/{DAY}/raw-nul.csv", b"call_id,customer_phone\nc1,+1\x00555\n", 1)
    return expected


def _ledger(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    rows = con.execute(
        "select path, source, rows_read, rows_loaded, rows_quarantined, content_hash from raw.file_ledger"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def _raw_counts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for source in SOURCES:
        for path, n in con.execute(f'select _file, count(*) from raw."{source}" group by 1').fetchall():
            counts[(source, path)] = n
    for path, n in con.execute("select _file, count(*) from raw.quarantine group by 1").fetchall():
        counts[("quarantine", path)] = n
    return counts


@pytest.mark.parametrize("seed", [101, 202])
def test_hostile_files_never_crash_and_never_lose_a_row(tmp_path: Path, seed: int):
    started = time.perf_counter()
    landing = tmp_path / "landing"
    expected = make_hostile_landing(landing, seed)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        ingest(con, landing)
        ledger = _ledger(con)
        counts = _raw_counts(con)

        problems = []
        for path, (source, read, loaded, quarantined, _) in ledger.items():
            if read != loaded + quarantined:
                problems.append(f"{path}: read {read} != loaded {loaded} + quarantined {quarantined}")
            if source in SOURCES and counts.get((source, path), 0) != loaded:
                problems.append(
                    f"{path}: ledger says {loaded} loaded, raw has {counts.get((source, path), 0)}"
                )
            in_quarantine = counts.get(("quarantine", path), 0)
            if read > 0 and in_quarantine != quarantined:
                problems.append(
                    f"{path}: ledger says {quarantined} quarantined, quarantine has {in_quarantine}"
                )
        for path, records in expected.items():
            if path not in ledger:
                problems.append(f"{path}: not in the ledger")
            elif records is not None and ledger[path][1] != records:
                problems.append(f"{path}: wrote {records} records, ledger read {ledger[path][1]}")
        assert problems == []

        # Every quarantined row says why; unexpected entries (directories, stray files) are recorded once.
        assert con.execute(
            "select count(*) from raw.quarantine where coalesce(reason, '') = ''"
        ).fetchall() == [(0,)]
        unexpected = {
            p for (p,) in con.execute("select _file from raw.quarantine where _line is null").fetchall()
        }
        assert {
            f"email/{DAY}/a-directory.jsonl",
            f"email/{DAY}/notes.txt",
            "stray.csv",
            f"email/{DAY}/a-pipe.jsonl",
            f"sms/{DAY}/endless.csv",
            f"chat/{DAY}/broken-link.jsonl",
        } <= unexpected
        # SQL-looking ids and file names are data, never code: the row is there verbatim, raw is intact.
        sql_rows = con.execute("select _file from raw.email where message_id = ?", [SQL_ID]).fetchall()
        assert (f"email/{DAY}/it's; drop table x; --.jsonl",) in sql_rows
        tables = {t for (t,) in con.execute("select table_name from information_schema.tables").fetchall()}
        assert set(SOURCES) <= tables and "x" not in tables
        # The 5 MB valid line is loaded whole; the 5 MB garbage line is quarantined.
        assert con.execute("select length(body) from raw.email where message_id = 'big-1'").fetchall() == [
            (5 << 20,)
        ]
        # Invalid UTF-8 lines are quarantined with the encoding reason (the rest of the file still loads).
        latin = con.execute(
            "select count(*) from raw.quarantine "
            "where _file like '%latin1%' and reason like 'invalid encoding%'"
        ).fetchall()[0][0]
        assert latin > 0

        # Idempotent: the same landing zone again changes nothing.
        before = counts
        ingest(con, landing)
        assert _raw_counts(con) == before
        assert _ledger(con) == ledger
    assert time.perf_counter() - started < 60
