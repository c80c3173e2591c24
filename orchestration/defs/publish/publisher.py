"""Publish the BI copy of the warehouse: ``<stem>.published.duckdb`` beside the working file, atomically.

The working warehouse (``--warehouse FILE``) is the pipeline's private file: ingestion, dbt and staffing hold
it open for writing, so a BI tool reading it would get lock errors or half-refreshed marts. BI reads the
published file instead. ``publish`` builds a complete copy into a temp file in the same folder — schemas
``marts`` and ``quality``, ``raw.file_ledger`` and a ``raw.quarantine_summary`` without raw texts, and
``meta.publication`` / ``meta.published_tables`` — checkpoints and detaches it, fsyncs it, checks it opens,
then ``os.replace``s it over the published file. Nobody ever opens the published file for writing: a reader
that has the old file open keeps reading the old version (same inode), a reader that opens after the rename
gets the new one. Never a mix.

Leftover temp files of a publish that was killed are removed by the next publish. Publishers are serialized by
the working warehouse's write lock: ``publish`` runs on a connection to it.

No value from the data is pasted into SQL: table names come from ``information_schema`` and are quoted as
identifiers, the temp path is quoted as a string literal (ATTACH takes no parameters), everything else is
bound.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.landing import REDACTED_REASON_SQL
from orchestration.sqltext import identifier as ident
from orchestration.sqltext import literal

PUBLISHED_SCHEMAS = ("marts", "quality")
ALIAS = "asyncwfm_pub"
TMP_INFIX = ".tmp-"
# Build artefacts that may be left in a schema by an interrupted writer: never published.
_SKIP_SUFFIXES = ("__new", "__dbt_tmp", "__dbt_backup")


@dataclass
class PublishSummary:
    path: Path
    run_id: str
    published_at: dt.datetime
    policy_version: str | None
    row_counts: dict[str, int] = field(default_factory=dict)
    removed_leftovers: list[str] = field(default_factory=list)


def published_path(warehouse: Path) -> Path:
    """``warehouse.duckdb`` → ``warehouse.published.duckdb`` (same folder)."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f"{warehouse.stem}.published{warehouse.suffix or '.duckdb'}")


def _leftovers(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f"{target.name}{TMP_INFIX}*"))


def remove_leftovers(target: Path) -> list[str]:
    """Delete temp files (and their WALs) of earlier publishes that never reached the rename."""
    removed = []
    for path in _leftovers(target):
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? order by table_name",
        [schema],
    ).fetchall()
    return [name for (name,) in rows if not name.endswith(_SKIP_SUFFIXES)]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return table in _tables(con, schema)


def _policy_version(con: duckdb.DuckDBPyConnection) -> str | None:
    for schema, table in (("marts", "fct_contacts"), ("staging", "stg_seeds__channel_policies")):
        columns = con.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
        if ("policy_version",) in columns:
            rows = con.execute(
                f"select string_agg(distinct policy_version, ',' order by policy_version) "
                f"from {ident(schema)}.{ident(table)}"
            ).fetchall()
            if rows and rows[0][0]:
                return str(rows[0][0])
    return None


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Quarantine reasons name a field and sometimes quote the offending value ("unknown direction value '…'"):
# the summary keeps the reason up to the value, never the value (it may be personal data).
QUARANTINE_SUMMARY = f"""
create table {ALIAS}.raw.quarantine_summary as
select
    source,
    _file as file,
    {REDACTED_REASON_SQL} as reason,
    count(*) as rows_quarantined,
    min(_line) as first_line,
    max(_ingested_at) as last_ingested_at
from raw.quarantine
group by all
order by source, file, reason
"""


def publish(con: duckdb.DuckDBPyConnection, target: Path, run_id: str) -> PublishSummary:
    """Copy the BI-facing tables of the warehouse open on ``con`` into ``target``, atomically."""
    target = Path(target).resolve()
    removed = remove_leftovers(target)
    tmp = target.with_name(f"{target.name}{TMP_INFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    summary = PublishSummary(target, run_id, published_at, _policy_version(con), removed_leftovers=removed)

    attached = {name for (name,) in con.execute("select database_name from duckdb_databases()").fetchall()}
    if ALIAS in attached:
        con.execute(f"detach {ALIAS}")
    con.execute(f"attach {literal(str(tmp))} as {ALIAS}")
    try:
        for schema in PUBLISHED_SCHEMAS:
            tables = _tables(con, schema)
            con.execute(f"create schema {ALIAS}.{ident(schema)}")
            for table in tables:
                name = f"{ident(schema)}.{ident(table)}"
                con.execute(f"create table {ALIAS}.{name} as select * from {name}")
        con.execute(f"create schema {ALIAS}.raw")
        if _has_table(con, "raw", "file_ledger"):
            con.execute(
                f"create table {ALIAS}.raw.file_ledger as select * from raw.file_ledger order by path"
            )
        if _has_table(con, "raw", "quarantine"):
            con.execute(QUARANTINE_SUMMARY)

        counted = [(s, t) for s in (*PUBLISHED_SCHEMAS, "raw") for t in _tables_in(con, ALIAS, s)]
        for schema, table in counted:
            rows = con.execute(f"select count(*) from {ALIAS}.{ident(schema)}.{ident(table)}").fetchall()
            summary.row_counts[f"{schema}.{table}"] = int(rows[0][0])

        con.execute(f"create schema {ALIAS}.meta")
        con.execute(
            f"create table {ALIAS}.meta.published_tables (table_name varchar primary key, row_count bigint)"
        )
        con.executemany(
            f"insert into {ALIAS}.meta.published_tables values (?, ?)", sorted(summary.row_counts.items())
        )
        con.execute(
            f"""
            create table {ALIAS}.meta.publication (
                published_at timestamp, run_id varchar, policy_version varchar, source_warehouse varchar,
                n_tables integer, n_rows bigint, row_counts varchar
            )
            """
        )
        con.execute(
            f"insert into {ALIAS}.meta.publication values (?, ?, ?, ?, ?, ?, ?)",
            [
                published_at,
                run_id,
                summary.policy_version,
                target.name.replace(".published", ""),
                len(summary.row_counts),
                sum(summary.row_counts.values()),
                json.dumps(summary.row_counts, sort_keys=True),
            ],
        )
        con.execute(f"checkpoint {ALIAS}")
    finally:
        con.execute(f"detach {ALIAS}")
    try:
        _verify(tmp, summary.row_counts)
        Path(f"{tmp}.wal").unlink(missing_ok=True)  # none after checkpoint + detach; never ship one
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent, directory=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


def _tables_in(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
        "order by table_name",
        [catalog, schema],
    ).fetchall()
    return [name for (name,) in rows]


def _verify(path: Path, expected: dict[str, int]) -> None:
    """The temp file opens read-only on its own and holds what was written (before it replaces anything)."""
    with duckdb.connect(str(path), read_only=True) as check:
        recorded = dict(check.execute("select table_name, row_count from meta.published_tables").fetchall())
    if recorded != expected:
        raise RuntimeError(f"published copy {path.name} does not hold what was written; not published")
