"""Load the landing zone (SPEC §2) into schema ``raw``: valid rows, quarantine and file ledger (SPEC §8).

``ingest(con, landing_root)`` is the whole stage; it knows nothing of Dagster (the asset only wraps it).

- Files are read by DuckDB (``read_text``), split into lines and parsed in SQL (``sql.py``): no Python
  per row.
- A file is identified by its path relative to the landing root and the sha256 of its bytes. A file already
  in ``raw.file_ledger`` with the same hash is skipped; a changed file at a known path has its raw,
  quarantine and ledger rows replaced. Writes happen in one transaction per batch of files.
- For every file: ``rows_read = rows_loaded + rows_quarantined``. Blank lines (and, in CSV, the header) are
  not rows.
- Entries that are not landing files (stray files, wrong extensions, unknown folders, a directory where a
  file should be, unreadable files) get one quarantine row with ``_line`` NULL and the reason, and a ledger
  row with zero rows, so they are reported once and not again while they stay the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.defs.ingestion import sql
from orchestration.defs.ingestion.discovery import Entry, Fingerprint, discover, fingerprint
from orchestration.defs.ingestion.schema import create_raw_tables
from orchestration.landing import SOURCES

# 64 MiB: at 10 M events the same CPU as 256 MiB or slightly less (-4 %), and 1.0 GB peak instead of 1.3 GB.
DEFAULT_BATCH_BYTES = 64 * 1024 * 1024


@dataclass
class SourceSummary:
    """What one ``ingest`` call did for one source (counts of this call, not totals)."""

    source: str
    files_seen: int = 0  # landing files of the source (valid layout and extension)
    files_new: int = 0
    files_replaced: int = 0  # same path, different content: old rows deleted, file loaded again
    files_skipped: int = 0  # same path and same content as in the ledger
    files_unexpected: int = 0  # entries in the source's folder that are not landing files (newly recorded)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0

    @property
    def files_loaded(self) -> int:
        return self.files_new + self.files_replaced


@dataclass
class IngestSummary:
    ingested_at: dt.datetime
    sources: dict[str, SourceSummary] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)  # "<path>: <reason>" newly recorded this call

    @property
    def rows_loaded(self) -> int:
        return sum(s.rows_loaded for s in self.sources.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(s.rows_quarantined for s in self.sources.values())


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _stage_lines(con: duckdb.DuckDBPyConnection, entry: Entry) -> str | None:
    """Append the lines of one file to ``_ingest_lines``; returns a problem when the file cannot be read.

    Only "not UTF-8" (handled) and OS errors (recorded) are file problems; any other error (out of memory,
    a bug) propagates and fails the run before anything of the source is written.
    """
    try:
        con.execute(sql.STAGE_LINES_FROM_FILE, {"rel": entry.rel_path, "path": str(entry.abs_path)})
        return None
    except duckdb.InvalidInputException as exc:
        if "UTF-8" not in str(exc):
            raise
    # Not valid UTF-8: decode with replacement characters; the lines that carry them are quarantined.
    try:
        content = entry.abs_path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        return f"unreadable file ({exc.strerror or exc})"
    con.execute(sql.STAGE_LINES_FROM_TEXT, {"rel": entry.rel_path, "content": content})
    return None


def _in_transaction(con: duckdb.DuckDBPyConnection, statements: list[tuple[str, dict[str, object]]]) -> None:
    con.execute("begin transaction")
    try:
        for statement, params in statements:
            con.execute(statement, params)
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _forget(path: str, source: str | None) -> list[tuple[str, dict[str, object]]]:
    """Statements deleting everything loaded earlier from one path."""
    statements: list[tuple[str, dict[str, object]]] = []
    if source is not None:
        statements.append((f"delete from raw.{sql.ident(source)} where _file = $path", {"path": path}))
    statements.append(("delete from raw.quarantine where _file = $path", {"path": path}))
    statements.append(("delete from raw.file_ledger where path = $path", {"path": path}))
    return statements


def _load_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    files: list[tuple[Entry, Fingerprint]],
    replaced: set[str],
    ingested_at: dt.datetime,
) -> tuple[list[tuple[str, int, int, int]], list[tuple[Entry, Fingerprint, str]]]:
    """Load new and changed files of one source.

    Returns per-file counts and the files that could not be read.
    """
    spec = SOURCES[source]
    con.execute(
        "create or replace temp table _ingest_lines "
        "(_file varchar, _line bigint, text varchar, bad_encoding boolean)"
    )
    con.execute(
        "create or replace temp table _ingest_files (path varchar, size_bytes bigint, content_hash varchar)"
    )
    unreadable: list[tuple[Entry, Fingerprint, str]] = []
    loadable: list[tuple[Entry, Fingerprint]] = []
    for entry, fp in files:
        problem = _stage_lines(con, entry)
        if problem is None:
            loadable.append((entry, fp))
        else:
            unreadable.append((entry, fp, problem))
    if not loadable:
        return [], unreadable
    con.executemany(
        "insert into _ingest_files values (?, ?, ?)",
        [(e.rel_path, fp.size_bytes, fp.content_hash) for e, fp in loadable],
    )
    con.execute(sql.checked_sql(spec))

    statements: list[tuple[str, dict[str, object]]] = []
    for entry, _ in loadable:
        if entry.rel_path in replaced:
            statements.extend(_forget(entry.rel_path, source))
    params = {"source": source, "ingested_at": ingested_at}
    statements.append((sql.insert_raw_sql(spec), {"ingested_at": ingested_at}))
    statements.append((sql.INSERT_QUARANTINE, params))
    statements.append((sql.INSERT_LEDGER, params))
    _in_transaction(con, statements)
    counts = [(str(p), int(r), int(lo), int(q)) for p, r, lo, q in con.execute(sql.FILE_COUNTS).fetchall()]
    return counts, unreadable


def _record_unexpected(
    con: duckdb.DuckDBPyConnection,
    items: list[tuple[Entry, Fingerprint, str]],
    ingested_at: dt.datetime,
) -> None:
    """One quarantine row (``_line`` NULL) and a zero-row ledger row per entry that is not a landing file."""
    if not items:
        return
    statements: list[tuple[str, dict[str, object]]] = []
    for entry, fp, reason in items:
        statements.extend(_forget(entry.rel_path, entry.source))
        statements.append(
            (
                "insert into raw.quarantine values ($source, $path, null, $reason, null, $at)",
                {"source": entry.source, "path": entry.rel_path, "reason": reason, "at": ingested_at},
            )
        )
        statements.append(
            (
                "insert into raw.file_ledger values ($source, $path, $size, $hash, 0, 0, 0, $at)",
                {
                    "source": entry.source,
                    "path": entry.rel_path,
                    "size": fp.size_bytes,
                    "hash": fp.content_hash,
                    "at": ingested_at,
                },
            )
        )
    _in_transaction(con, statements)


def _batches(
    files: list[tuple[Entry, Fingerprint]], batch_bytes: int
) -> Iterator[list[tuple[Entry, Fingerprint]]]:
    """Consecutive groups of files of at most ``batch_bytes`` together (a bigger file is a batch alone)."""
    batch: list[tuple[Entry, Fingerprint]] = []
    size = 0
    for item in files:
        item_size = item[1].size_bytes or 0
        if batch and size + item_size > batch_bytes:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def ingest(
    con: duckdb.DuckDBPyConnection,
    landing_root: Path,
    sources: Iterable[str] | None = None,
    *,
    ingested_at: dt.datetime | None = None,
    batch_bytes: int = DEFAULT_BATCH_BYTES,
) -> IngestSummary:
    """Load new and changed landing files of ``sources`` (default: all, plus stray root entries) into ``raw``.

    Idempotent: running it again over the same landing zone changes nothing. Sets the session time zone to
    UTC (timestamps are checked with ``try_cast(... as timestamptz)``; naive means UTC). Files of one source
    are loaded in batches of about ``batch_bytes`` (memory is a few times the batch size), one transaction
    per batch: a file is always loaded whole or not at all.
    """
    con.execute("set TimeZone = 'UTC'")
    create_raw_tables(con)
    wanted = list(SOURCES) if sources is None else list(dict.fromkeys(sources))
    entries = discover(Path(landing_root), None if sources is None else wanted)
    at = ingested_at or _utc_now()
    summary = IngestSummary(ingested_at=at, sources={s: SourceSummary(s) for s in wanted})
    ledger: dict[str, str | None] = {
        str(path): hash_
        for path, hash_ in con.execute("select path, content_hash from raw.file_ledger").fetchall()
    }

    unexpected: list[tuple[Entry, Fingerprint, str]] = []
    for entry in entries:
        if entry.problem is not None:
            unexpected.append((entry, fingerprint(entry), entry.problem))

    for source in wanted:
        stats = summary.sources[source]
        to_load: list[tuple[Entry, Fingerprint]] = []
        replaced: set[str] = set()
        for entry in (e for e in entries if e.source == source and e.problem is None):
            stats.files_seen += 1
            fp = fingerprint(entry)
            if fp.error is not None:
                unexpected.append((entry, fp, fp.error))
            elif entry.rel_path not in ledger:
                stats.files_new += 1
                to_load.append((entry, fp))
            elif ledger[entry.rel_path] == fp.content_hash:
                stats.files_skipped += 1
            else:
                stats.files_replaced += 1
                replaced.add(entry.rel_path)
                to_load.append((entry, fp))
        counts: list[tuple[str, int, int, int]] = []
        unreadable: list[tuple[Entry, Fingerprint, str]] = []
        for batch in _batches(to_load, batch_bytes):
            batch_counts, batch_unreadable = _load_source(con, source, batch, replaced, at)
            counts.extend(batch_counts)
            unreadable.extend(batch_unreadable)
        for entry, fp, problem in unreadable:
            if entry.rel_path in replaced:
                stats.files_replaced -= 1
            else:
                stats.files_new -= 1
            unexpected.append((entry, fp, problem))
        for _, rows_read, rows_loaded, rows_quarantined in counts:
            stats.rows_read += rows_read
            stats.rows_loaded += rows_loaded
            stats.rows_quarantined += rows_quarantined

    fresh = [
        (e, fp, reason)
        for e, fp, reason in unexpected
        if not (
            e.rel_path in ledger and ledger[e.rel_path] == fp.content_hash and fp.content_hash is not None
        )
        and not (e.is_dir and e.rel_path in ledger)
    ]
    _record_unexpected(con, fresh, at)
    for entry, _, reason in fresh:
        summary.unexpected.append(f"{entry.rel_path}: {reason}")
        if entry.source in summary.sources:
            summary.sources[entry.source].files_unexpected += 1
    for name in ("_ingest_lines", "_ingest_files", "_ingest_checked"):
        con.execute(f"drop table if exists {name}")
    return summary
