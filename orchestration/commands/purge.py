"""``asyncwfm purge``: null the raw texts (personal data) older than a retention period, and record it.

Texts — email subject and body, chat text, SMS body, social text, the unknown extra fields of every raw row
(``_extra``) and ``raw.quarantine.raw_text`` — never leave schema raw (SPEC §2), so nulling them changes no
staging model, mart or published table: a re-run after a purge gives identical marts.

Age: a row is purged when its event (the source's primary timestamp: ``sent_at``, ``occurred_at``,
``created_at``) **or** its ingestion (``_ingested_at``) is more than ``--older-than`` days ago, whichever
comes first, so a text is never kept longer than the retention period after it landed, whatever timestamp the
file claimed (quarantined rows have no trusted timestamp: ``_ingested_at`` only). Every purge appends one row
per table to ``meta.purge_log``.

DuckDB does not zero the blocks that held the old values: after the update the warehouse is rewritten into a
fresh file (``COPY FROM DATABASE``) that replaces the old one, so purged texts cannot be recovered from the
file bytes (``--no-compact`` skips this). The landing zone still holds the original files: purge them by your
own retention, or a ``--full-refresh`` loads the texts again (docs/reliability.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.landing import SOURCES
from orchestration.sqltext import identifier as _q
from orchestration.sqltext import literal

PURGE_LOG_DDL = """
create table if not exists meta.purge_log (
    purged_at timestamp,
    older_than_days double,
    cutoff timestamp,
    table_name varchar,
    columns varchar,
    rows_purged bigint
)
"""


@dataclass(frozen=True)
class PurgeTarget:
    table: str  # schema.table
    columns: tuple[str, ...]
    event_column: str | None  # primary event timestamp (text, ISO 8601), None: _ingested_at only


def targets() -> list[PurgeTarget]:
    """Every raw table with texts (from the landing contract) plus the quarantine."""
    found = [
        PurgeTarget(f"raw.{name}", (*spec.texts, "_extra"), spec.timestamps[0] if spec.timestamps else None)
        for name, spec in SOURCES.items()
        if spec.texts
    ]
    found += [
        PurgeTarget(f"raw.{name}", ("_extra",), spec.timestamps[0] if spec.timestamps else None)
        for name, spec in SOURCES.items()
        if not spec.texts
    ]
    return [*found, PurgeTarget("raw.quarantine", ("raw_text",), None)]


def _table(name: str) -> str:
    schema, table = name.split(".")
    return f"{_q(schema)}.{_q(table)}"


def purge(
    warehouse: Path, older_than_days: float, *, now: dt.datetime | None = None, compact: bool = True
) -> list[tuple[str, int]]:
    """Null the texts older than the cutoff in ``warehouse``; returns (table, rows purged) per table."""
    import duckdb

    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    cutoff = now - dt.timedelta(days=older_than_days)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set TimeZone = 'UTC'")
        present = {
            f"{s}.{t}": {
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [s, t],
                ).fetchall()
            }
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
        done: list[tuple[str, int]] = []
        con.execute("begin transaction")
        con.execute("create schema if not exists meta")
        con.execute(PURGE_LOG_DDL)
        for target in targets():
            columns = [c for c in target.columns if c in present.get(target.table, set())]
            if not columns:
                continue
            old = "_ingested_at < $cutoff"
            if target.event_column and target.event_column in present[target.table]:
                event = f"try_cast(trim({_q(target.event_column)}) as timestamptz)"
                old = f"({old} or {event} < $cutoff::timestamptz)"
            not_yet = " or ".join(f"{_q(c)} is not null" for c in columns)
            rows = con.execute(
                f"update {_table(target.table)} set {', '.join(f'{_q(c)} = null' for c in columns)} "
                f"where {old} and ({not_yet})",
                {"cutoff": cutoff},
            ).fetchall()
            count = int(rows[0][0]) if rows else 0
            con.execute(
                "insert into meta.purge_log values (?, ?, ?, ?, ?, ?)",
                [now, older_than_days, cutoff, target.table, ",".join(columns), count],
            )
            done.append((target.table, count))
        con.execute("commit")
        con.execute("checkpoint")
        if compact:
            _compact(con, Path(warehouse))
    finally:
        con.close()
    return done


def _compact(con, warehouse: Path) -> None:
    """Rewrite the warehouse into a fresh file and swap it in while ``con`` holds the old file's lock."""
    warehouse = warehouse.resolve()
    for leftover in warehouse.parent.glob(f"{warehouse.name}.purge-tmp-*"):  # of a purge that was killed
        leftover.unlink(missing_ok=True)
    tmp = warehouse.with_name(f"{warehouse.name}.purge-tmp-{os.getpid()}")
    (catalog,) = con.execute("select current_database()").fetchall()[0]
    con.execute(f"attach {literal(tmp)} as asyncwfm_compacted")
    try:
        con.execute(f"copy from database {_q(catalog)} to asyncwfm_compacted")
        con.execute("checkpoint asyncwfm_compacted")
    except BaseException:
        con.execute("detach asyncwfm_compacted")
        tmp.unlink(missing_ok=True)
        raise
    con.execute("detach asyncwfm_compacted")
    Path(f"{tmp}.wal").unlink(missing_ok=True)
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, warehouse)
    fd = os.open(warehouse.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "purge", help="null raw texts (personal data) older than N days; marts are unchanged"
    )
    parser.add_argument(
        "--warehouse", required=True, help="the working DuckDB warehouse (not the published copy)"
    )
    parser.add_argument(
        "--older-than",
        type=float,
        required=True,
        metavar="DAYS",
        help="purge rows whose event or ingestion is more than DAYS days ago",
    )
    parser.add_argument(
        "--no-compact",
        action="store_true",
        help="skip rewriting the file (purged values then stay in freed blocks of the file)",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    import duckdb

    from orchestration.cli import UserError

    warehouse = Path(args.warehouse)
    if not (args.older_than >= 0):  # also rejects NaN
        raise UserError("--older-than must be a number of days ≥ 0.")
    if not warehouse.is_file():
        raise UserError(
            f"The warehouse {warehouse} does not exist; pass the file given to `asyncwfm run --warehouse`."
        )
    if warehouse.name.endswith(".published.duckdb"):
        raise UserError(f"{warehouse} is a published copy (it holds no texts); purge the working warehouse.")
    try:
        done = purge(warehouse, args.older_than, compact=not args.no_compact)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise UserError(
                f"The warehouse {warehouse} is open in another process (a run, `dagster dev` or a BI tool); "
                "close it and purge again."
            ) from None
        raise UserError(f"Cannot purge {warehouse}: {exc}") from None
    except duckdb.Error as exc:
        raise UserError(f"Cannot purge {warehouse}: {str(exc).splitlines()[0]}") from None
    total = sum(n for _, n in done)
    for table, n in done:
        print(f"{table:<24}{n:>10,} rows purged")
    print(f"purged {total:,} rows older than {args.older_than:g} days; recorded in meta.purge_log")
    return 0
